import { bigint, date, decimal, doublePrecision, index, integer, jsonb, pgTable, primaryKey, timestamp, varchar } from 'drizzle-orm/pg-core';
import { tokens, users } from './core.js';

/**
 * What Claude Code's own OpenTelemetry export adds (issue 12, docs/otlp.md). Telemetry tokens and
 * cost accumulate per device, day and model in telemetry_day_models; where no ccusage upload
 * reported that device and day, the ledger writes them into the device ledger as a slice of
 * source 'telemetry' (device_days.source), so every read counts them exactly as uploads. The
 * numbers ccusage cannot see go to activity_days, per user, day, metric and key.
 */

/**
 * The state of each series an exporter sends, so that retries count once and cumulative values
 * become deltas, on whichever replica a batch arrives (updated under the user's row lock). A
 * series not seen for TELEMETRY_SERIES_TTL is forgotten by the maintenance job: points older than
 * the receiver's window are refused, so a forgotten series can send nothing that counted before.
 */
export const telemetrySeries = pgTable(
  'telemetry_series',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** SHA-256 (base64url) over resource, scope, metric or event stream, temporality and attributes. */
    seriesKey: varchar('series_key', { length: 64 }).notNull(),
    temporality: varchar('temporality', { length: 16 }).notNull(),
    /** Cumulative: the last point counted (its start and end in Unix nanoseconds, and its value). */
    startNs: bigint('start_ns', { mode: 'bigint' }),
    endNs: bigint('end_ns', { mode: 'bigint' }),
    value: doublePrecision('value'),
    /** Delta points and events: the intervals already counted, merged, as [start, end] decimal strings. */
    covered: jsonb('covered').$type<Array<[string, string]>>(),
    lastSeenAt: timestamp('last_seen_at').defaultNow().notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.seriesKey] }), index('telemetry_series_last_seen_idx').on(t.lastSeenAt)],
);

/**
 * Tokens and cost that telemetry reported, per user, device, day and model: summed deltas, kept
 * whether or not an upload replaced them in the device ledger (the sources view shows both). Cost
 * keeps 10 places: Claude Code sends floats, and the day's slice rounds the sum once, to 4.
 */
export const telemetryDayModels = pgTable(
  'telemetry_day_models',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    device: varchar('device', { length: 64 }).notNull(),
    date: date('date', { mode: 'string' }).notNull(),
    model: varchar('model', { length: 100 }).notNull(),
    provider: varchar('provider', { length: 50 }).notNull(),
    inputTokens: tokens('input_tokens'),
    outputTokens: tokens('output_tokens'),
    cacheCreationInputTokens: tokens('cache_creation_input_tokens'),
    cacheReadInputTokens: tokens('cache_read_input_tokens'),
    cost: decimal('cost', { precision: 24, scale: 10 }).default('0').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.device, t.date, t.model] })],
);

/**
 * Per user and day, what only telemetry reports: sessions, lines, commits, pull requests, edit
 * decisions (key: tool and language), active time (key: user or cli), API requests and errors
 * (key: model). Values only grow (deltas are added), so the monthly sums are kept by addition too.
 */
export const activityDays = pgTable(
  'activity_days',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    date: date('date', { mode: 'string' }).notNull(),
    metric: varchar('metric', { length: 32 }).notNull(),
    key: varchar('key', { length: 256 }).default('').notNull(),
    value: decimal('value', { precision: 24, scale: 6 }).default('0').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.date, t.metric, t.key] }), index('activity_days_metric_date_idx').on(t.metric, t.date, t.userId)],
);

/**
 * activity_days summed per user, month (its first day), metric and key: what leaderboards over long
 * ranges read, and all that is left of a month once retention retired its days (the keys too, so
 * edit decisions per tool and requests per model stay exact there).
 */
export const activityMonths = pgTable(
  'activity_months',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    month: date('month', { mode: 'string' }).notNull(),
    metric: varchar('metric', { length: 32 }).notNull(),
    key: varchar('key', { length: 256 }).default('').notNull(),
    value: decimal('value', { precision: 24, scale: 6 }).default('0').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.month, t.metric, t.key] }), index('activity_months_metric_month_idx').on(t.metric, t.month, t.userId)],
);

/**
 * Per user and device, what the receiver last got: so that a person can check their settings
 * (GET /telemetry/status) and see what reported (GET /users/:username/sources).
 */
export const telemetryReceipts = pgTable(
  'telemetry_receipts',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    device: varchar('device', { length: 64 }).notNull(),
    /** 'metrics' or 'logs'. */
    signal: varchar('signal', { length: 16 }).notNull(),
    batches: bigint('batches', { mode: 'number' }).default(0).notNull(),
    accepted: bigint('accepted', { mode: 'number' }).default(0).notNull(),
    duplicates: bigint('duplicates', { mode: 'number' }).default(0).notNull(),
    refused: bigint('refused', { mode: 'number' }).default(0).notNull(),
    lastReasons: jsonb('last_reasons').$type<string[]>().default([]).notNull(),
    serviceVersion: varchar('service_version', { length: 64 }),
    /** The identity attributes the exporter sent, shown to the owner only; never used for identity. */
    identity: jsonb('identity').$type<Record<string, string>>().default({}).notNull(),
    firstAt: timestamp('first_at').defaultNow().notNull(),
    lastAt: timestamp('last_at').defaultNow().notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.device, t.signal] })],
);
