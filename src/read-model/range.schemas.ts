import { z } from 'zod';
import { calendarDay, checkRange } from '../common/dates.js';
import { formatParam } from '../common/schema-parts.js';

/** A range of days as every read takes it: `from` and `to` (UTC calendar days), both or neither. */
export const rangeFields = {
  from: calendarDay.optional().meta({ description: 'First day (UTC), included' }),
  to: calendarDay.optional().meta({ description: 'Last day (UTC), included' }),
};

/** from and to together, or neither. */
export function bothOrNeither(value: { from?: string; to?: string }, ctx: z.RefinementCtx): void {
  if ((value.from === undefined) !== (value.to === undefined)) {
    ctx.addIssue({ code: 'custom', path: [value.from === undefined ? 'from' : 'to'], message: 'from and to go together' });
  }
  checkRange(value, ctx);
}

export const RangeQuerySchema = z.object({ ...rangeFields, format: formatParam }).superRefine(bothOrNeither);
export type RangeQuery = z.infer<typeof RangeQuerySchema>;
