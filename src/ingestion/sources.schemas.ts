import { z } from 'zod';
import { addDays, calendarDay, daysBetween, dayNumber, isCalendarDay, utcDay } from '../common/dates.js';
import { usernameSchema } from '../directory/username.js';

/** Days of the sources view's default range (today included), and the most one request may span. */
export const DEFAULT_SOURCE_DAYS = 30;
export const MAX_SOURCE_DAYS = 366;

/** The range a sources query names: `to` defaults to today, `from` to 29 days before `to`. */
export function sourcesRange(query: { from?: string; to?: string }, today: string): { from: string; to: string } {
  const to = query.to ?? today;
  return { from: query.from ?? addDays(to, -(DEFAULT_SOURCE_DAYS - 1)), to };
}

export const SourcesQuerySchema = z
  .object({
    from: calendarDay.optional().meta({ description: 'First day (UTC), included; default: 29 days before to' }),
    to: calendarDay.optional().meta({ description: 'Last day (UTC), included; default: today' }),
  })
  .superRefine((value, ctx) => {
    if ((value.from !== undefined && !isCalendarDay(value.from)) || (value.to !== undefined && !isCalendarDay(value.to))) return;
    const range = sourcesRange(value, utcDay(new Date()));
    if (dayNumber(range.from) > dayNumber(range.to)) ctx.addIssue({ code: 'custom', path: ['from'], message: `must not be after to (${range.to})` });
    else if (daysBetween(range.from, range.to) > MAX_SOURCE_DAYS) {
      ctx.addIssue({ code: 'custom', path: [value.to === undefined ? 'from' : 'to'], message: `the range may span at most ${MAX_SOURCE_DAYS} days` });
    }
  });
export type SourcesQuery = z.infer<typeof SourcesQuerySchema>;

/** At most this many devices are listed (a user reports from a handful; the ledger keeps at most 50). */
export const MAX_SOURCE_DEVICES = 100;

export const SOURCES = ['upload', 'telemetry'] as const;

export const SourcesSchema = z
  .object({
    username: z.string(),
    from: z.string(),
    to: z.string(),
    devices: z
      .array(
        z
          .object({
            device: z.string().meta({ example: 'laptop' }),
            lastUploadAt: z.string().nullable().meta({ description: "The device's last ccusage upload (ISO 8601), null if none" }),
            lastTelemetryAt: z.string().nullable().meta({ description: 'The last telemetry batch from the device, metrics or logs (ISO 8601), null if none' }),
            days: z
              .array(
                z
                  .object({
                    date: z.string().meta({ example: '2026-11-26' }),
                    counted: z
                      .enum(SOURCES)
                      .nullable()
                      .meta({ description: "What the device's numbers for the day come from (an upload replaces telemetry); null when nothing is counted" }),
                    uploadTokens: z.number().int().nullable().meta({ description: 'Tokens of the uploaded day, when counted is upload' }),
                    telemetryTokens: z
                      .number()
                      .int()
                      .nullable()
                      .meta({ description: 'Tokens telemetry reported for the day (the four kinds), counted or not; null without telemetry' }),
                  })
                  .meta({ id: 'SourceDay' }),
              )
              .meta({ description: 'Days of the range with an upload or telemetry, oldest first' }),
          })
          .meta({ id: 'SourceDevice' }),
      )
      .meta({ description: `By device name; at most ${MAX_SOURCE_DEVICES}` }),
  })
  .meta({ id: 'Sources' });
export type Sources = z.infer<typeof SourcesSchema>;

export const TelemetryStatusQuerySchema = z.object({
  username: usernameSchema.optional().meta({ description: 'Admin token only: the user whose status to show (required with it).' }),
});
export type TelemetryStatusQuery = z.infer<typeof TelemetryStatusQuerySchema>;

/** A user is receiving when a batch arrived this recently. */
export const RECEIVING_MINUTES = 10;

export const TelemetryStatusSchema = z
  .object({
    username: z.string(),
    receiving: z.boolean().meta({ description: `Whether any batch arrived in the last ${RECEIVING_MINUTES} minutes` }),
    devices: z.array(
      z
        .object({
          device: z.string().meta({ example: 'laptop' }),
          signal: z.enum(['metrics', 'logs']),
          batches: z.number().int().meta({ description: 'Requests received' }),
          accepted: z.number().int().meta({ description: 'Points and events counted' }),
          duplicates: z.number().int().meta({ description: 'Points and events already counted (exporter retries)' }),
          refused: z.number().int().meta({ description: 'Points and events refused' }),
          lastReasons: z.array(z.string()).meta({ description: 'Why items were refused, as of the last batch that refused any' }),
          serviceVersion: z.string().nullable().meta({ description: "The exporter's service.version (Claude Code's version)", example: '2.1.328' }),
          identity: z.record(z.string(), z.string()).nullable().meta({
            description:
              'The identity attributes the exporter sent (user.email, user.account_uuid, …), never used for identity; null unless the caller is the owner',
          }),
          firstAt: z.string().meta({ description: 'First batch (ISO 8601)' }),
          lastAt: z.string().meta({ description: 'Last batch (ISO 8601)' }),
        })
        .meta({ id: 'TelemetryReceipt' }),
    ),
    hint: z.string().meta({ description: 'What to check, in one sentence' }),
  })
  .meta({ id: 'TelemetryStatus' });
export type TelemetryStatus = z.infer<typeof TelemetryStatusSchema>;
