import { sql } from 'drizzle-orm';
import { date, decimal, index, integer, jsonb, pgTable, serial, uniqueIndex, varchar, bigint } from 'drizzle-orm/pg-core';
import { createdAt, money, tokens, updatedAt, users } from './core.js';

/**
 * The device ledger: what each of a user's machines last reported for each day. An upload replaces
 * the slices of the days it contains, for its device; usage_stats and model_usage hold the sums over
 * devices, recomputed for exactly the days that changed.
 */
export const deviceDays = pgTable(
  'device_days',
  {
    id: serial('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    device: varchar('device', { length: 64 }).notNull(),
    date: date('date', { mode: 'string' }).notNull(),
    totalTokens: tokens('total_tokens'),
    inputTokens: tokens('input_tokens'),
    outputTokens: tokens('output_tokens'),
    cacheCreationInputTokens: tokens('cache_creation_input_tokens'),
    cacheReadInputTokens: tokens('cache_read_input_tokens'),
    totalCost: money('total_cost'),
    /** SHA-256 of the normalised slice: an identical re-upload is recognised without comparing rows. */
    contentHash: varchar('content_hash', { length: 64 }).notNull(),
    /** What reported this slice: 'upload' (a ccusage report, which always wins) or 'telemetry' (schema/telemetry.ts). */
    source: varchar('source', { length: 16 }).default('upload').notNull(),
    lastUploadId: integer('last_upload_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('device_days_user_device_date_idx').on(t.userId, t.device, t.date), index('device_days_user_date_idx').on(t.userId, t.date)],
);

export const deviceDayModels = pgTable(
  'device_day_models',
  {
    id: serial('id').primaryKey(),
    deviceDayId: integer('device_day_id')
      .notNull()
      .references(() => deviceDays.id, { onDelete: 'cascade' }),
    model: varchar('model', { length: 100 }).notNull(),
    provider: varchar('provider', { length: 50 }).notNull(),
    inputTokens: tokens('input_tokens'),
    outputTokens: tokens('output_tokens'),
    cacheCreationInputTokens: tokens('cache_creation_input_tokens'),
    cacheReadInputTokens: tokens('cache_read_input_tokens'),
    cost: money('cost'),
  },
  (t) => [uniqueIndex('device_day_models_day_model_idx').on(t.deviceDayId, t.model)],
);

/** One row per accepted upload: who, from which device, what it contained and what it changed. */
export const uploads = pgTable(
  'uploads',
  {
    id: serial('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    device: varchar('device', { length: 64 }).notNull(),
    format: varchar('format', { length: 32 }).notNull(),
    timeZone: varchar('tz', { length: 64 }),
    days: integer('days').notNull(),
    firstDate: date('first_date', { mode: 'string' }),
    lastDate: date('last_date', { mode: 'string' }),
    inserted: integer('inserted').notNull(),
    updated: integer('updated').notNull(),
    unchanged: integer('unchanged').notNull(),
    totalTokens: tokens('total_tokens'),
    inputTokens: tokens('input_tokens'),
    outputTokens: tokens('output_tokens'),
    cacheCreationInputTokens: tokens('cache_creation_input_tokens'),
    cacheReadInputTokens: tokens('cache_read_input_tokens'),
    /** A report's total can pass the spec's DECIMAL(10,4) for one day; this column is wider. */
    totalCost: decimal('total_cost', { precision: 16, scale: 4 }).default('0').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    warnings: jsonb('warnings')
      .$type<string[]>()
      .default(sql`'[]'::jsonb`)
      .notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('uploads_user_created_idx').on(t.userId, t.createdAt)],
);
