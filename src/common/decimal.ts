/**
 * ccusage prints costs as binary floats with full precision (`1.1736868499999997`). The database
 * keeps DECIMAL(10,4). Rounding happens on the decimal digits the float prints as, half away from
 * zero, so what a person reads in the JSON is what they get, and never through float arithmetic.
 */
export function roundCost(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite cost: ${value}`);
  const negative = value < 0;
  // From 1e21 on, toString() and toFixed() both print an exponent (`2.5e+22`); such a number is
  // whole, and its digits are the printed mantissa's, shifted.
  if (Math.abs(value) >= 1e21) {
    const [mantissa, exponent] = Math.abs(value).toString().split('e+');
    const [whole, fraction = ''] = mantissa.split('.');
    return `${negative ? '-' : ''}${(whole + fraction).padEnd(whole.length + Number(exponent), '0')}.0000`;
  }
  // toString() is the shortest round-trip form; it uses exponents below 1e-6 and above 1e21.
  let text = Math.abs(value).toString();
  if (text.includes('e')) text = Math.abs(value).toFixed(12);
  const [whole, fraction = ''] = text.split('.');
  const padded = fraction.padEnd(5, '0');
  let scaled = BigInt(whole + padded.slice(0, 4));
  if (padded.charCodeAt(4) >= '5'.charCodeAt(0)) scaled += 1n;
  if (scaled === 0n) return '0.0000';
  const digits = scaled.toString().padStart(5, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -4)}.${digits.slice(-4)}`;
}

/** Exact sum of 4-place decimal strings. */
export function addCosts(costs: Iterable<string>): string {
  let total = 0n;
  for (const cost of costs) {
    const negative = cost.startsWith('-');
    const [whole, fraction = ''] = cost.replace('-', '').split('.');
    const scaled = BigInt(whole + fraction.padEnd(4, '0').slice(0, 4));
    total += negative ? -scaled : scaled;
  }
  const negative = total < 0n;
  const digits = (negative ? -total : total).toString().padStart(5, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -4)}.${digits.slice(-4)}`;
}
