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

/** The day `n` days after `day` (before, for negative `n`). */
export function addDays(day: string, n: number): string {
  return utcDay(new Date(`${day}T00:00:00Z`), n);
}

export const MAX_RANGE_DAYS = 3660; // ten years and then some

export const calendarDay = z
  .string()
  .refine(isCalendarDay, 'must be a calendar day YYYY-MM-DD')
  .meta({ example: '2025-06-01', format: 'date' });

/** Days from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

/** Adds the cross-field rules of a `from`/`to` range to a query schema. */
export function checkRange(value: { from?: string; to?: string }, ctx: z.RefinementCtx): void {
  if (value.from && value.to && isCalendarDay(value.from) && isCalendarDay(value.to)) {
    if (value.from > value.to) ctx.addIssue({ code: 'custom', path: ['from'], message: `must not be after to (${value.to})` });
    else if (daysBetween(value.from, value.to) > MAX_RANGE_DAYS) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: `the range may span at most ${MAX_RANGE_DAYS} days (10 years)` });
    }
  }
}
