/**
 * The numbers on a badge: a badge is a few characters wide, so counts are written compactly (three
 * significant digits and a unit) rather than exactly. The API's JSON keeps the exact values; these
 * functions only ever feed the SVG.
 */

const UNITS = ['', 'k', 'M', 'B', 'T'] as const;

/**
 * `value / one` with at most three significant digits and a unit (k, M, B, T), trailing zeros
 * dropped: 1234 → 1.23k, 12_300_000 → 12.3M, 999_999 → 1M. Rounds half up on the exact integer
 * (bigint), so no float artefact decides a digit. Beyond T the digits grow (1234T) instead of
 * running out of units.
 */
function compact(value: bigint, one: bigint): string {
  const sign = value < 0n ? '-' : '';
  const magnitude = value < 0n ? -value : value;
  let unit = 0;
  while (unit < UNITS.length - 1 && magnitude >= one * 1000n ** BigInt(unit + 1)) unit++;
  const scale = one * 1000n ** BigInt(unit);
  const whole = magnitude / scale;
  // Decimals that make three significant digits: 1.23, 12.3, 123.
  let decimals = whole >= 100n ? 0 : whole >= 10n ? 1 : 2;
  const rounded = (d: number) => (magnitude * 10n ** BigInt(d) * 2n + scale) / (scale * 2n);
  let digits = rounded(decimals);
  // Rounding up can add a digit (9.995k → 10.0k, 999.5k → 1000k): one decimal less, or the next unit.
  if (digits >= 1000n) {
    if (decimals > 0) digits = rounded(--decimals);
    else if (unit < UNITS.length - 1) return `${sign}1${UNITS[unit + 1]}`;
  }
  const ten = 10n ** BigInt(decimals);
  const fraction = (digits % ten).toString().padStart(decimals, '0').replace(/0+$/, '');
  return `${sign}${digits / ten}${fraction ? `.${fraction}` : ''}${UNITS[unit]}`;
}

/** A token count: exact below 1,000 (`999`), then 1.2k, 12.3M, 4.56B. */
export function formatTokens(count: number): string {
  if (!Number.isSafeInteger(count)) throw new RangeError(`not a whole token count: ${count}`);
  return compact(BigInt(count), 1n);
}

/** Whole thousands separated by commas: 1234567 → 1,234,567. */
const grouped = (digits: string): string => digits.replace(/\B(?=(\d{3})+$)/g, ',');

/**
 * A cost in USD from the API's decimal string (`"1234.5678"`): to the cent below $10,000
 * (`$1,234.57`), compact from there on (`$12.3k`, `$1.5M`). Decimal arithmetic throughout, as for
 * every other amount of money in the service.
 */
export function formatCost(cost: string): string {
  const match = /^(-?)(\d+)(?:\.(\d*))?$/.exec(cost);
  if (!match) throw new RangeError(`not a decimal cost: ${JSON.stringify(cost)}`);
  const [, minus, whole, fraction = ''] = match;
  // Hundredths of a cent: enough to round to the cent, or to three digits of thousands, exactly.
  const units = BigInt(whole + fraction.padEnd(4, '0').slice(0, 4));
  const halfUp = fraction.length > 4 && fraction.charCodeAt(4) >= '5'.charCodeAt(0) ? 1n : 0n;
  const exact = units + halfUp;
  const sign = minus && exact > 0n ? '-' : '';
  const cents = (exact + 50n) / 100n;
  if (cents >= 10_000n * 100n) return `${sign}$${compact(exact, 10_000n)}`;
  const dollars = (cents / 100n).toString();
  return `${sign}$${grouped(dollars)}.${(cents % 100n).toString().padStart(2, '0')}`;
}
