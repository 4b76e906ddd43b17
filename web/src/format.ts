/**
 * Pure helpers of the dashboard: number formatting, UTC day arithmetic, zero-filled series and
 * streaks. No DOM here: the unit tier (test/unit/web-format.spec.ts) runs them without a browser.
 */

const GROUPED = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** A whole number with thousands separators: 1,234,567. */
export function formatInt(value: number): string {
  return GROUPED.format(value);
}

const UNITS: Array<[number, string]> = [
  [1e12, 'T'],
  [1e9, 'B'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/** Three significant digits, with a unit from a thousand up: 2.5, 950, 1.23k, 12.3M, 456B. */
export function formatCompact(value: number): string {
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  for (const [size, unit] of UNITS) {
    // Rounding can carry into the next unit (999,950 is 1.00M, not 1000k).
    if (abs >= size * 0.9995) {
      const scaled = abs / size;
      const digits = scaled >= 99.95 ? 0 : scaled >= 9.995 ? 1 : 2;
      return `${sign}${trimZeros(scaled.toFixed(digits))}${unit}`;
    }
  }
  // Below a thousand: three significant digits too (axis ticks of costs are 2.5, 0.25).
  if (abs === 0) return '0';
  return `${sign}${trimZeros(abs < 0.01 ? abs.toFixed(4) : abs.toPrecision(3))}`;
}

function trimZeros(fixed: string): string {
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/** What a cost the API withheld reads as (null: the user does not show it to this viewer; docs/privacy.md). */
export const HIDDEN_COST = '—';
export const HIDDEN_COST_TITLE = 'not shown by this user';

/**
 * A decimal cost string as dollars with cents: "54.87705" → "$54.88", "1234.5" → "$1,234.50".
 * Rounds half up on the decimal digits themselves, so no binary float error creeps in. A withheld
 * cost (null) reads as HIDDEN_COST, never "$0.00" or "NaN".
 */
export function formatCost(cost: string | number | null): string {
  if (cost === null) return HIDDEN_COST;
  const text = typeof cost === 'number' ? cost.toFixed(4) : cost.trim();
  const match = /^(-?)(\d+)(?:\.(\d*))?$/.exec(text);
  if (!match) return text;
  const [, sign, whole, fraction = ''] = match;
  let cents = BigInt(whole) * 100n + BigInt((fraction + '00').slice(0, 2));
  if ((fraction[2] ?? '0') >= '5') cents += 1n;
  const dollars = cents / 100n;
  const rest = (cents % 100n).toString().padStart(2, '0');
  const isZero = cents === 0n;
  return `${sign && !isZero ? '-' : ''}$${formatInt(Number(dollars))}.${rest}`;
}

/** A cost for tight spaces: "$1.2k", "$54.88". */
export function formatCostCompact(cost: string | number | null): string {
  if (cost === null) return HIDDEN_COST;
  const value = Number(cost);
  return Math.abs(value) >= 1000 ? `$${formatCompact(value)}` : formatCost(cost);
}

/** A share in [0, 1] as a percentage with one decimal: 0.4567 → "45.7%". */
export function formatShare(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/**
 * A duration in seconds as hours and minutes, rounded to the minute: "2 h 5 min", "45 min", "3 h";
 * under a minute in seconds ("40 s", "<1 s" for a fraction of one), "0 min" for none.
 */
export function formatDuration(seconds: number): string {
  if (!(seconds > 0)) return '0 min';
  if (seconds < 59.5) return seconds < 0.5 ? '<1 s' : `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${rest} min`;
  return rest === 0 ? `${formatInt(hours)} h` : `${formatInt(hours)} h ${rest} min`;
}

/** A part of a whole as a share, or "–" when the whole is zero (an accept rate with no decisions). */
export function formatRate(part: number, whole: number): string {
  return whole > 0 ? formatShare(part / whole) : '–';
}

/**
 * A leaderboard entry's ranked value (the API's decimal string) as its metric reads: cost in
 * dollars, active time in hours and minutes, every other metric a whole count.
 */
export function formatMetricValue(metric: string, value: string): string {
  if (metric === 'cost') return formatCost(value);
  if (metric === 'activeTime') return formatDuration(Number(value));
  return formatInt(Number(value));
}

// ---- UTC days ----------------------------------------------------------------------------------

const DAY_MS = 86_400_000;

/** A calendar day's number since 1970-01-01 (UTC). */
export function dayNumber(day: string): number {
  return Math.round(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
}

export function dayOfNumber(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  return dayOfNumber(dayNumber(day) + days);
}

export function utcToday(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

export function isDay(text: string | null | undefined): text is string {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const n = dayNumber(text);
  return Number.isFinite(n) && dayOfNumber(n) === text;
}

/** The Monday of a day's ISO week. */
export function mondayOf(day: string): string {
  const n = dayNumber(day);
  // 1970-01-01 was a Thursday: (n + 3) mod 7 is 0 on Mondays.
  return dayOfNumber(n - ((((n + 3) % 7) + 7) % 7));
}

export type Granularity = 'day' | 'week' | 'month';

/** The bucket a day falls in, labelled as the API labels it (the day, its week's Monday, YYYY-MM-01). */
export function bucketOf(granularity: Granularity, day: string): string {
  if (granularity === 'day') return day;
  if (granularity === 'week') return mondayOf(day);
  return `${day.slice(0, 7)}-01`;
}

/** The next bucket's label. */
export function nextBucket(granularity: Granularity, bucket: string): string {
  if (granularity === 'day') return addDays(bucket, 1);
  if (granularity === 'week') return addDays(bucket, 7);
  const [y, m] = bucket.split('-').map(Number);
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

/** Every bucket label of a range, in order; at most `limit` (a guard against absurd ranges). */
export function bucketsOf(granularity: Granularity, from: string, to: string, limit = 5000): string[] {
  const out: string[] = [];
  const last = bucketOf(granularity, to);
  for (let b = bucketOf(granularity, from); b <= last && out.length < limit; b = nextBucket(granularity, b)) out.push(b);
  return out;
}

/**
 * Rows keyed by `date` laid on every bucket of a range: one value array per field, zero where a
 * bucket has no row (charts need every x, the API sends only buckets with data).
 */
export function fillSeries<T extends { date: string }>(rows: readonly T[], buckets: readonly string[], fields: ReadonlyArray<(row: T) => number>): number[][] {
  const byDate = new Map(rows.map((r) => [r.date, r]));
  return fields.map((field) =>
    buckets.map((b) => {
      const row = byDate.get(b);
      return row ? field(row) : 0;
    }),
  );
}

/**
 * Current and longest runs of consecutive active days. The current streak counts back from today,
 * or from yesterday when today has no data yet (the day is not over).
 */
export function streaks(activeDays: Iterable<string>, today: string): { current: number; longest: number } {
  const days = [...new Set(activeDays)].map(dayNumber).sort((a, b) => a - b);
  let longest = 0;
  let run = 0;
  for (let i = 0; i < days.length; i++) {
    run = i > 0 && days[i] === days[i - 1] + 1 ? run + 1 : 1;
    longest = Math.max(longest, run);
  }
  const set = new Set(days);
  const t = dayNumber(today);
  let current = 0;
  for (let d = set.has(t) ? t : t - 1; set.has(d); d--) current++;
  return { current, longest };
}

/** Five shades for a heatmap: 0 for no use, 1–4 by quartile of the non-zero values. */
export function heatLevels(values: readonly number[]): number[] {
  const sorted = values.filter((v) => v > 0).sort((a, b) => a - b);
  if (sorted.length === 0) return values.map(() => 0);
  const q = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
  const [q1, q2, q3] = [q(0.25), q(0.5), q(0.75)];
  return values.map((v) => (v <= 0 ? 0 : v <= q1 ? 1 : v <= q2 ? 2 : v <= q3 ? 3 : 4));
}

/** A CSV file of a table, quoted where needed, for the "download" links under charts. */
export function toCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const cell = (v: string | number) => {
    const text = String(v);
    return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** Unix seconds of a day's midnight (uPlot's x values). */
export function unixSeconds(day: string): number {
  return dayNumber(day) * 86_400;
}
