import { sql } from 'drizzle-orm';
import { bigint, boolean, check, date, decimal, index, integer, pgTable, serial, timestamp, unique, uniqueIndex, varchar } from 'drizzle-orm/pg-core';

/**
 * The three tables of docs/spec/database-structure.md, column for column, with one deliberate
 * change: token counts are BIGINT, not INTEGER (docs/ARCHITECTURE.md, "64-bit token counts").
 * Real ccusage reports reach 4.6e9 tokens in a day; INTEGER stops at 2^31-1.
 */

/** A token-count column: 64-bit in PostgreSQL, a JS number (exact up to 2^53-1) in TypeScript. */
export const tokens = (name: string) => bigint(name, { mode: 'number' }).default(0).notNull();

/** Money as the spec has it: DECIMAL(10,4), a decimal string in TypeScript. */
export const money = (name: string) => decimal(name, { precision: 10, scale: 4 }).default('0').notNull();

export const createdAt = () => timestamp('created_at').defaultNow().notNull();
export const updatedAt = () => timestamp('updated_at').defaultNow().notNull();

export const users = pgTable(
  'users',
  {
    id: serial('id').primaryKey(),
    username: varchar('username', { length: 50 }).notNull().unique(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    // Privacy (docs/privacy.md): who sees the user's profile and board entries, whether others see
    // money, and the name shown beside the username. Registration sets the server's defaults.
    visibility: varchar('visibility', { length: 10 }).default('public').notNull(),
    showCost: boolean('show_cost').default(true).notNull(),
    displayName: varchar('display_name', { length: 100 }),
  },
  (t) => [
    uniqueIndex('username_idx').on(t.username),
    // Usernames are unique without regard to case (not in the spec; see docs/ARCHITECTURE.md).
    uniqueIndex('users_username_lower_idx').on(sql`lower(${t.username})`),
    // Every read asks which users a viewer may not see (or not see the money of): the users who are
    // not public or hide their cost, few on a community server, read through this index rather than
    // the whole table.
    index('users_private_idx')
      .on(t.id, t.visibility, t.showCost)
      .where(sql`${t.visibility} <> 'public' OR NOT ${t.showCost}`),
    check('users_visibility_check', sql`${t.visibility} IN ('public', 'teams', 'private')`),
  ],
);

export const usageStats = pgTable(
  'usage_stats',
  {
    id: serial('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    date: date('date', { mode: 'string' }).notNull(),
    totalTokens: tokens('total_tokens'),
    inputTokens: tokens('input_tokens'),
    outputTokens: tokens('output_tokens'),
    cacheCreationInputTokens: tokens('cache_creation_input_tokens'),
    cacheReadInputTokens: tokens('cache_read_input_tokens'),
    totalCost: money('total_cost'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // The spec declares both the table constraint and the named index; both are kept as written.
    unique('usage_stats_user_id_date_unique').on(t.userId, t.date),
    uniqueIndex('user_date_idx').on(t.userId, t.date),
    index('date_idx').on(t.date),
  ],
);

export const modelUsage = pgTable(
  'model_usage',
  {
    id: serial('id').primaryKey(),
    usageStatsId: integer('usage_stats_id')
      .notNull()
      .references(() => usageStats.id, { onDelete: 'cascade' }),
    model: varchar('model', { length: 100 }).notNull(),
    provider: varchar('provider', { length: 50 }).notNull(),
    inputTokens: tokens('input_tokens'),
    outputTokens: tokens('output_tokens'),
    cacheCreationInputTokens: tokens('cache_creation_input_tokens'),
    cacheReadInputTokens: tokens('cache_read_input_tokens'),
    cost: money('cost'),
    createdAt: createdAt(),
  },
  (t) => [index('usage_stats_model_idx').on(t.usageStatsId, t.model)],
);
