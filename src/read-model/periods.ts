import { type AnyColumn, sql, type SQL } from 'drizzle-orm';
import { addDays, dayNumber, MAX_RANGE_DAYS } from '../common/dates.js';

/** Named periods of the leaderboard; all end today (UTC) or are the current calendar unit. */
export const PERIODS = ['today', '7d', '30d', '90d', 'week', 'month', 'year', 'all'] as const;
export type Period = (typeof PERIODS)[number];

export interface DayRange {
  from: string;
  to: string;
}

/** Buckets of a series: days, ISO weeks (labelled by their Monday) or months (by their first day). */
export const GRANULARITIES = ['day', 'week', 'month'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

/** The SQL that labels a date column with its bucket. */
export function bucketOf(granularity: Granularity, date: AnyColumn | SQL): SQL {
  switch (granularity) {
    case 'day':
      return sql`${date}`;
    case 'week':
      return sql`date_trunc('week', ${date})::date`;
    case 'month':
      return sql`date_trunc('month', ${date})::date`;
  }
}

/** The days a bucket label stands for. */
export function bucketRange(granularity: Granularity, label: string): DayRange {
  switch (granularity) {
    case 'day':
      return { from: label, to: label };
    case 'week':
      return { from: label, to: addDays(label, 6) };
    case 'month':
      return { from: label, to: lastDayOfMonth(label) };
  }
}

export function lastDayOfMonth(day: string): string {
  const [y, m] = day.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

/** Monday of the ISO week of `day`. */
export function isoWeekStart(day: string): string {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(day, -((weekday + 6) % 7));
}

/** The days a named period covers on `today`; undefined for `all` (every day with data). */
export function periodRange(period: Period, today: string): DayRange | undefined {
  switch (period) {
    case 'today':
      return { from: today, to: today };
    case '7d':
      return { from: addDays(today, -6), to: today };
    case '30d':
      return { from: addDays(today, -29), to: today };
    case '90d':
      return { from: addDays(today, -89), to: today };
    case 'week': {
      const monday = isoWeekStart(today);
      return { from: monday, to: addDays(monday, 6) };
    }
    case 'month':
      return { from: `${today.slice(0, 7)}-01`, to: lastDayOfMonth(today) };
    case 'year':
      return { from: `${today.slice(0, 4)}-01-01`, to: `${today.slice(0, 4)}-12-31` };
    case 'all':
      return undefined;
  }
}

/**
 * A series' default range, whole buckets ending today: the last 90 days by day, the last 13 ISO
 * weeks (from a Monday) by week, the last 12 calendar months (from a first) by month.
 */
export function recentBuckets(granularity: Granularity, today: string): DayRange {
  switch (granularity) {
    case 'day':
      return { from: addDays(today, -89), to: today };
    case 'week':
      return { from: addDays(isoWeekStart(today), -7 * 12), to: today };
    case 'month': {
      const months = Number(today.slice(0, 4)) * 12 + Number(today.slice(5, 7)) - 1 - 11;
      return { from: `${Math.floor(months / 12)}-${String((months % 12) + 1).padStart(2, '0')}-01`, to: today };
    }
  }
}

/**
 * The most months any range can touch: requests are limited to MAX_RANGE_DAYS, and every loop over
 * a range stops here even if a caller passed something longer, so no input can make it run forever.
 */
export const MAX_RANGE_MONTHS = Math.ceil(MAX_RANGE_DAYS / 28) + 2;

function tooLong(range: DayRange): never {
  throw new RangeError(`the range ${range.from}..${range.to} touches more than ${MAX_RANGE_MONTHS} months`);
}

/**
 * A range as whole calendar months (answered from per-month summaries) plus at most two runs of
 * loose days at its ends (answered from usage_stats). With `lastDataDay` (the last day anyone has
 * data for), a range that reaches it takes its last month whole: the days after it are empty.
 */
export function splitByMonths(range: DayRange, lastDataDay?: string): { months: string[]; edges: DayRange[] } {
  const months: string[] = [];
  const edges: DayRange[] = [];
  const to = dayNumber(range.to);
  // A month whose remaining days hold no data yet (the current one, usually) counts as whole.
  const wholeSoFar = lastDataDay !== undefined && to >= dayNumber(lastDataDay);
  let cursor = range.from;
  for (let step = 0; dayNumber(cursor) <= to; step++) {
    if (step >= MAX_RANGE_MONTHS * 2) tooLong(range);
    const monthStart = `${cursor.slice(0, 7)}-01`;
    const monthEnd = lastDayOfMonth(cursor);
    if (cursor === monthStart && (dayNumber(monthEnd) <= to || wholeSoFar)) {
      months.push(monthStart);
      cursor = addDays(monthEnd, 1);
    } else {
      const end = dayNumber(monthEnd) < to ? monthEnd : range.to;
      const last = edges.at(-1);
      if (last && addDays(last.to, 1) === cursor) last.to = end;
      else edges.push({ from: cursor, to: end });
      cursor = addDays(end, 1);
    }
  }
  return { months, edges };
}

/** Each month the range touches, with the mask of its days inside the range (bit d-1 for day d). */
export function monthMasks(range: DayRange): Array<{ month: string; mask: number }> {
  const out: Array<{ month: string; mask: number }> = [];
  const to = dayNumber(range.to);
  let cursor = range.from;
  while (dayNumber(cursor) <= to) {
    if (out.length >= MAX_RANGE_MONTHS) tooLong(range);
    const monthEnd = lastDayOfMonth(cursor);
    const end = dayNumber(monthEnd) < to ? monthEnd : range.to;
    const first = Number(cursor.slice(8, 10));
    const last = Number(end.slice(8, 10));
    let mask = 0;
    for (let d = first; d <= last; d++) mask |= 1 << (d - 1);
    out.push({ month: `${cursor.slice(0, 7)}-01`, mask });
    cursor = addDays(end, 1);
  }
  return out;
}
