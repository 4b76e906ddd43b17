import { z } from 'zod';
import { addDays, calendarDay, checkRange, isCalendarDay, utcDay } from '../common/dates.js';
import { withheldNumber } from '../common/schema-parts.js';
import { GRANULARITIES } from '../read-model/periods.js';
import type { DayRange } from '../read-model/periods.js';

/** Days of the default range: the last 30 UTC days, today included. */
export const DEFAULT_ACTIVITY_DAYS = 30;

/**
 * The range a query names, with the defaults filled in: `to` is today unless given, `from` is 29
 * days before `to` unless given. Validation checks this resolved range, so a lone `from` after
 * today or a lone `from` ten years back is a 400, not a surprise.
 */
export function resolveRange(query: { from?: string; to?: string }, today: string, days = DEFAULT_ACTIVITY_DAYS): DayRange {
  const to = query.to ?? today;
  return { from: query.from ?? addDays(to, -(days - 1)), to };
}

/** checkRange over the resolved range (its field errors name the parameter the caller sent, or the one that defaulted). */
export function checkResolvedRange(value: { from?: string; to?: string }, ctx: z.RefinementCtx): void {
  // A day that is not one has its own error already; there is no range to check.
  if ((value.from !== undefined && !isCalendarDay(value.from)) || (value.to !== undefined && !isCalendarDay(value.to))) return;
  checkRange(resolveRange(value, utcDay(new Date())), ctx);
}

export const ActivityQuerySchema = z
  .object({
    from: calendarDay.optional().meta({ description: 'First day (UTC), included; default: 29 days before to' }),
    to: calendarDay.optional().meta({ description: 'Last day (UTC), included; default: today' }),
    granularity: z.enum(GRANULARITIES, { error: 'must be day, week or month' }).default('day'),
  })
  .superRefine(checkResolvedRange);
export type ActivityQuery = z.infer<typeof ActivityQuerySchema>;

const count = (description: string) => z.number().int().meta({ description });
const seconds = (description: string) => z.number().meta({ description: `${description}, in seconds (at most 3 decimals)`, example: 754.113 });

/** The activity counters of a bucket or a range, named as the API names them. */
export const activityFields = {
  sessions: count('Sessions started'),
  linesAdded: count('Lines of code added'),
  linesRemoved: count('Lines of code removed'),
  commits: count('Commits made'),
  pullRequests: count('Pull requests created'),
  editsAccepted: count('Code edit tool decisions: accepted'),
  editsRejected: count('Code edit tool decisions: rejected'),
  activeTimeUser: seconds("Active time of the user (typing, reading Claude Code's answers)"),
  activeTimeCli: seconds('Active time of the CLI (working on a request)'),
  apiRequests: count('API requests (claude_code.api_request events)'),
  apiErrors: count('API errors (claude_code.api_error events)'),
};
export type ActivityTotals = { [K in keyof typeof activityFields]: number };

export const ActivityTotalsSchema = z.object(activityFields).meta({ id: 'ActivityTotals' });

/** At most this many edit-decision and model rows: a user's own attributes cannot make the answer grow without end. */
export const MAX_ACTIVITY_KEYS = 100;

export const UserActivitySchema = z
  .object({
    username: z.string(),
    from: z.string().meta({ example: '2026-10-29' }),
    to: z.string().meta({ example: '2026-11-27' }),
    granularity: z.enum(GRANULARITIES),
    retiredMonths: z.array(z.string()).meta({
      description:
        'Months of the range retired by retention (RETENTION_DAYS), as first days: their days are gone, so each counts whole, as one row dated its first day, even where the range cuts it',
      example: [],
    }),
    totals: ActivityTotalsSchema,
    rows: z
      .array(
        z
          .object({
            date: z.string().meta({ description: 'The day, the Monday of the ISO week, or the first of the month', example: '2026-11-23' }),
            ...activityFields,
          })
          .meta({ id: 'ActivityBucket' }),
      )
      .meta({ description: 'Buckets with activity only, oldest first' }),
    editDecisions: z
      .array(
        z
          .object({
            tool: z.string().meta({ example: 'Edit' }),
            language: z.string().meta({ description: "The file's language as Claude Code names it; '' when none", example: 'TypeScript' }),
            accepted: z.number().int(),
            rejected: z.number().int(),
          })
          .meta({ id: 'EditDecisions' }),
      )
      .meta({ description: `Over the range, most decisions first, then by tool and language; at most ${MAX_ACTIVITY_KEYS}` }),
    apiByModel: z
      .array(z.object({ model: z.string(), requests: z.number().int(), errors: z.number().int() }).meta({ id: 'ApiRequestsByModel' }))
      .meta({ description: `Over the range, most requests first, then by model; at most ${MAX_ACTIVITY_KEYS}` }),
  })
  .meta({ id: 'UserActivity' });
export type UserActivity = z.infer<typeof UserActivitySchema>;

/** The summary's activity over its range. */
export const ActivitySummarySchema = z
  .object({
    sessions: withheldNumber(),
    linesAdded: withheldNumber(),
    linesRemoved: withheldNumber(),
    commits: withheldNumber(),
    pullRequests: withheldNumber(),
    activeTime: withheldNumber('User and CLI active time, in seconds (at most 3 decimals); ', false),
    apiRequests: withheldNumber(),
    apiErrors: withheldNumber(),
    users: z.number().int().meta({ description: 'Distinct users with activity in the range (every user, hidden or not)' }),
    withheld: z.boolean().meta({
      description:
        'true when one or more of these sums is null: exactly one of the users who reported that metric in the range is hidden from this caller (docs/privacy.md, "Community totals")',
    }),
  })
  .meta({ id: 'ActivitySummary', description: "What Claude Code's telemetry reported over the summary's range (all time: every month), every user counted" });
export type ActivitySummary = z.infer<typeof ActivitySummarySchema>;
