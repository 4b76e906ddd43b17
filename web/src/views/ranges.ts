import { addDays, type Granularity, isDay, utcToday } from '../format';
import type { Location } from '../router';

/** The span choices of views with a range (`?days=`). */
export const SPANS = [
  ['30', '30 days'],
  ['90', '90 days'],
  ['365', 'A year'],
  ['all', 'All time'],
] as const;

export const GRANULARITIES = [
  ['day', 'Day'],
  ['week', 'Week'],
  ['month', 'Month'],
] as const;

/** The `from`/`to` of a URL when both are real days in order, else undefined. */
export function explicitRange(where: Location): { from: string; to: string } | undefined {
  const from = where.query.get('from');
  const to = where.query.get('to');
  return isDay(from) && isDay(to) && from <= to ? { from, to } : undefined;
}

/** The `?days=` choice of a URL (one of SPANS), else `fallback`. */
export function spanOf(where: Location, fallback: string): string {
  const asked = where.query.get('days');
  return SPANS.some(([s]) => s === asked) ? asked! : fallback;
}

/** The range of a view with a span choice: explicit from/to, else the last `days` days, else all time. */
export function spanState(where: Location, fallback: string): { span: string; from?: string; to?: string } {
  const explicit = explicitRange(where);
  if (explicit) return { span: '', ...explicit };
  const span = spanOf(where, fallback);
  if (span === 'all') return { span };
  const to = utcToday();
  return { span, from: addDays(to, -(Number(span) - 1)), to };
}

export function granularityState(where: Location): Granularity {
  const g = where.query.get('granularity');
  return g === 'week' || g === 'month' ? g : 'day';
}
