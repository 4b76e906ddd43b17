import { z } from 'zod';

/** UTC calendar day `YYYY-MM-DD`, `offset` days from `now`. */
export function utcDay(now: Date, offset = 0): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + offset)).toISOString().slice(0, 10);
}

export function isCalendarDay(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const [y, m, d] = value.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return y >= 1970 && date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/**
 * A day as the number of days since 1970-01-01. Days are compared as these numbers, never as
 * strings: `toISOString()` writes years after 9999 as `+010000-…`, which sorts before `9999-…`, and a
 * loop that compared strings never ended.
 */
export function dayNumber(day: string): number {
  return Math.floor(Date.parse(`${day}T00:00:00Z`) / 86_400_000);
}

/** The day `n` days after `day` (before, for negative `n`). */
export function addDays(day: string, n: number): string {
  return utcDay(new Date(`${day}T00:00:00Z`), n);
}

export const MAX_RANGE_DAYS = 3660; // ten years and then some

/** The first day any request may name: nothing before it can be uploaded or asked for. */
export const EARLIEST_DAY = '2000-01-01';

/**
 * The last day a read may name: 31 December of next year (UTC), so that a calendar period such as
 * this year or next month can be asked for by its dates while every range stays bounded.
 */
export function latestReadDay(now = new Date()): string {
  return `${now.getUTCFullYear() + 1}-12-31`;
}

/** The last day an upload may contain: tomorrow in UTC (the east of the date line is ahead). */
export function latestUploadDay(now = new Date()): string {
  return utcDay(now, 1);
}

/** A day a read may name: a calendar day from EARLIEST_DAY to latestReadDay(). */
export const calendarDay = z
  .string()
  .max(10, 'must be a calendar day YYYY-MM-DD')
  .refine(isCalendarDay, 'must be a calendar day YYYY-MM-DD')
  .refine((day) => !isCalendarDay(day) || (day >= EARLIEST_DAY && day <= latestReadDay()), {
    message: `must be from ${EARLIEST_DAY} to the end of next year`,
  })
  .meta({ example: '2025-06-01', format: 'date', description: `A UTC calendar day from ${EARLIEST_DAY} to 31 December of next year` });

/** Days from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from) + 1;
}

/** Adds the cross-field rules of a `from`/`to` range to a query schema. */
export function checkRange(value: { from?: string; to?: string }, ctx: z.RefinementCtx): void {
  if (value.from && value.to && isCalendarDay(value.from) && isCalendarDay(value.to)) {
    if (dayNumber(value.from) > dayNumber(value.to)) ctx.addIssue({ code: 'custom', path: ['from'], message: `must not be after to (${value.to})` });
    else if (daysBetween(value.from, value.to) > MAX_RANGE_DAYS) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: `the range may span at most ${MAX_RANGE_DAYS} days (10 years)` });
    }
  }
}
