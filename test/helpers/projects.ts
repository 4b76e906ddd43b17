/**
 * An independent reading of ccusage `--instances` reports: per project, day and model what the
 * server should keep, worked out from the JSON alone (never with the service's code). Costs follow
 * the documented rule: each project's model on each day rounded to 4 places, half away from zero,
 * on the decimal digits the float prints as; sums are exact in ten-thousandths.
 */

const KINDS = ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens'] as const;
type Kind = (typeof KINDS)[number];

/** A cost as ten-thousandths of a dollar, rounded half away from zero on the printed digits. */
export function tenThousandths(value: number): bigint {
  // Shortest round-trip digits; costs below 1e-6 print with an exponent and round to 0 anyway.
  const text = Math.abs(value) < 1e-6 ? '0' : String(Math.abs(value));
  const [whole, fraction = ''] = text.split('.');
  const digits = (fraction + '00000').slice(0, 5);
  let n = BigInt(whole) * 10_000n + BigInt(digits.slice(0, 4));
  if (Number(digits[4]) >= 5) n += 1n;
  return n;
}

/** Ten-thousandths as the API prints money: `12.3456`. */
export function money(n: bigint): string {
  const s = n.toString().padStart(5, '0');
  return `${s.slice(0, -4)}.${s.slice(-4)}`;
}

export interface Sums {
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  cost: bigint;
}

const empty = (): Sums => ({ inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, cost: 0n });
const add = (into: Sums, from: Sums) => {
  for (const k of KINDS) into[k] += from[k];
  into.cost += from.cost;
};

type Breakdown = Record<Kind, number> & { modelName: string; cost?: number };
type Row = Record<Kind, number> & { date: string; totalCost?: number; modelBreakdowns?: Breakdown[] };

/** One stored row: a project's model on a day; model null is what the row reports beyond its breakdowns. */
export interface ExpectedRow extends Sums {
  project: string;
  date: string;
  model: string | null;
}

/** Every row the server should keep for a report, in no particular order. */
export function expectedRows(report: { projects: Record<string, Row[]> }): ExpectedRow[] {
  const out: ExpectedRow[] = [];
  for (const [project, rows] of Object.entries(report.projects)) {
    for (const row of rows) {
      const breakdowns = row.modelBreakdowns ?? [];
      for (const b of breakdowns) {
        out.push({ project, date: row.date, model: b.modelName, ...pick(b), cost: tenThousandths(b.cost ?? 0) });
      }
      const rest = { ...pick(row), cost: 0n };
      for (const b of breakdowns) for (const k of KINDS) rest[k] -= b[k];
      const restCost = (row.totalCost ?? 0) - breakdowns.reduce((s, b) => s + (b.cost ?? 0), 0);
      rest.cost = restCost > 0 ? tenThousandths(restCost) : 0n;
      if (KINDS.some((k) => rest[k] !== 0) || rest.cost !== 0n) out.push({ project, date: row.date, model: null, ...rest });
    }
  }
  return out;
}

const pick = (r: Record<Kind, number>) => ({
  inputTokens: r.inputTokens,
  outputTokens: r.outputTokens,
  cacheCreationTokens: r.cacheCreationTokens,
  cacheReadTokens: r.cacheReadTokens,
});

/** Rows summed by a key, each group with its model sums. */
export function sumBy(
  rows: ExpectedRow[],
  key: (r: ExpectedRow) => string,
): Map<string, { totals: Sums; models: Map<string | null, Sums>; days: Set<string> }> {
  const groups = new Map<string, { totals: Sums; models: Map<string | null, Sums>; days: Set<string> }>();
  for (const r of rows) {
    const k = key(r);
    const g = groups.get(k) ?? { totals: empty(), models: new Map(), days: new Set() };
    add(g.totals, r);
    const m = g.models.get(r.model) ?? empty();
    add(m, r);
    g.models.set(r.model, m);
    g.days.add(r.date);
    groups.set(k, g);
  }
  return groups;
}

/** Sums as the API answers them for a model of a project. */
export function apiModel(model: string | null, s: Sums) {
  const tokens = pick(s);
  return { model, ...tokens, totalTokens: KINDS.reduce((n, k) => n + s[k], 0), cost: money(s.cost) };
}

/** Sums as the API's totals. */
export function apiTotals(s: Sums) {
  const { cost, ...rest } = apiModel(null, s);
  delete (rest as { model?: unknown }).model;
  return { ...rest, totalCost: cost };
}

/** Monday of the ISO week of a day. */
export function isoMonday(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}
