import { bigserial, date, decimal, index, integer, pgTable, primaryKey, varchar } from 'drizzle-orm/pg-core';
import { tokens, users } from './core.js';

/**
 * Summary tables, kept exact by every upload (and every user deletion), so that
 * leaderboards, profiles and model analytics over a year of data for thousands of users read
 * thousands of rows, not millions. They hold nothing that usage_stats and model_usage do not:
 * each can be rebuilt from them (tests compare them with such rebuilds).
 *
 * The two tables every user shares (day_stats, model_day_stats) are not written by uploads: an
 * upload appends its difference to a delta table, which no other upload locks, and a folder moves
 * deltas into the shared table in the background (ledger/shared-days.ts). Readers read the shared
 * table plus the deltas in one statement, so they are exact and fresh whenever the folder runs.
 */

const wideMoney = (name: string) => decimal(name, { precision: 18, scale: 4 }).default('0').notNull();

const tokenColumns = () => ({
  totalTokens: tokens('total_tokens'),
  inputTokens: tokens('input_tokens'),
  outputTokens: tokens('output_tokens'),
  cacheCreationInputTokens: tokens('cache_creation_input_tokens'),
  cacheReadInputTokens: tokens('cache_read_input_tokens'),
});

/**
 * A month's active days as bits (bit d-1 for day d): whether a user was active in any part of a
 * month is then one AND with the range's mask, without reading the days.
 */
const dayMask = () => integer('day_mask').notNull();

/** Per user per calendar month (`month` is its first day). */
export const userMonthStats = pgTable(
  'user_month_stats',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    month: date('month', { mode: 'string' }).notNull(),
    activeDays: integer('active_days').notNull(),
    dayMask: dayMask(),
    ...tokenColumns(),
    totalCost: wideMoney('total_cost'),
  },
  (t) => [primaryKey({ columns: [t.userId, t.month] }), index('user_month_stats_month_idx').on(t.month)],
);

/** Per user, all time. */
export const userTotals = pgTable('user_totals', {
  userId: integer('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  firstDate: date('first_date', { mode: 'string' }).notNull(),
  lastDate: date('last_date', { mode: 'string' }).notNull(),
  activeDays: integer('active_days').notNull(),
  ...tokenColumns(),
  totalCost: wideMoney('total_cost'),
});

/** Per user per model, all time. */
export const userModelTotals = pgTable(
  'user_model_totals',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    model: varchar('model', { length: 100 }).notNull(),
    provider: varchar('provider', { length: 50 }).notNull(),
    days: integer('days').notNull(),
    inputTokens: tokens('input_tokens'),
    outputTokens: tokens('output_tokens'),
    cacheCreationInputTokens: tokens('cache_creation_input_tokens'),
    cacheReadInputTokens: tokens('cache_read_input_tokens'),
    cost: wideMoney('cost'),
  },
  (t) => [primaryKey({ columns: [t.userId, t.model] })],
);

/**
 * Per user per model per month, with the days the model was used as a mask (distinct users per
 * model) and the month's sums: once a month is retired these are all that is left of its models.
 */
export const userModelMonths = pgTable(
  'user_model_months',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    model: varchar('model', { length: 100 }).notNull(),
    month: date('month', { mode: 'string' }).notNull(),
    provider: varchar('provider', { length: 50 }).notNull(),
    dayMask: dayMask(),
    inputTokens: tokens('input_tokens'),
    outputTokens: tokens('output_tokens'),
    cacheCreationInputTokens: tokens('cache_creation_input_tokens'),
    cacheReadInputTokens: tokens('cache_read_input_tokens'),
    cost: wideMoney('cost'),
  },
  (t) => [primaryKey({ columns: [t.userId, t.model, t.month] }), index('user_model_months_month_idx').on(t.month)],
);

/** A model's day over all users (`users`: how many used it that day), as model_day_stats and its deltas have it. */
const modelDayColumns = () => ({
  date: date('date', { mode: 'string' }).notNull(),
  model: varchar('model', { length: 100 }).notNull(),
  provider: varchar('provider', { length: 50 }).notNull(),
  users: integer('users').notNull(),
  inputTokens: tokens('input_tokens'),
  outputTokens: tokens('output_tokens'),
  cacheCreationInputTokens: tokens('cache_creation_input_tokens'),
  cacheReadInputTokens: tokens('cache_read_input_tokens'),
  cost: wideMoney('cost'),
});

/** Per model per day, over all users (`users`: how many used it that day). */
export const modelDayStats = pgTable('model_day_stats', modelDayColumns(), (t) => [
  primaryKey({ columns: [t.date, t.model] }),
  index('model_day_stats_model_date_idx').on(t.model, t.date),
]);

/** Per day, over all users (`activeUsers`: users with a row that day). */
export const dayStats = pgTable('day_stats', {
  date: date('date', { mode: 'string' }).primaryKey(),
  activeUsers: integer('active_users').notNull(),
  ...tokenColumns(),
  totalCost: wideMoney('total_cost'),
});

/**
 * Changes to day_stats not folded in yet: one row per upload (or user removal) and day, what that
 * write added (`activeUsers` +1 for a user's new day, −1 for a day gone) or took away. Append-only.
 */
export const dayStatsDelta = pgTable(
  'day_stats_delta',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    date: date('date', { mode: 'string' }).notNull(),
    activeUsers: integer('active_users').notNull(),
    ...tokenColumns(),
    totalCost: wideMoney('total_cost'),
  },
  (t) => [index('day_stats_delta_date_idx').on(t.date)],
);

/** Changes to model_day_stats not folded in yet, as dayStatsDelta. */
export const modelDayStatsDelta = pgTable(
  'model_day_stats_delta',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    ...modelDayColumns(),
  },
  (t) => [index('model_day_stats_delta_date_idx').on(t.date)],
);
