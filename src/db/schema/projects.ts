import { sql } from 'drizzle-orm';
import { boolean, check, date, index, integer, pgTable, primaryKey, serial, uniqueIndex, varchar } from 'drizzle-orm/pg-core';
import { createdAt, money, tokens, users } from './core.js';

/** The longest project key kept (ccusage's key: Claude Code's encoded working directory). */
export const MAX_PROJECT_NAME = 500;
/** The longest alias an owner may give a project. */
export const MAX_PROJECT_ALIAS = 100;

/**
 * A user's projects, as `ccusage daily --instances` names them (docs/projects.md). The name is a
 * path on the owner's machine: only the owner and the admin ever see it, and no log line carries
 * it. The owner may give a project an alias (shown instead of the path) or hide it from the list.
 * 500 characters keep the (user_id, name) index entry below PostgreSQL's btree limit whatever the
 * characters (4 bytes each at most).
 */
export const projects = pgTable(
  'projects',
  {
    id: serial('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: varchar('name', { length: MAX_PROJECT_NAME }).notNull(),
    alias: varchar('alias', { length: MAX_PROJECT_ALIAS }),
    hidden: boolean('hidden').default(false).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('projects_user_name_idx').on(t.userId, t.name),
    check('projects_alias_check', sql`${t.alias} IS NULL OR char_length(${t.alias}) BETWEEN 1 AND ${sql.raw(String(MAX_PROJECT_ALIAS))}`),
  ],
);

/**
 * What each device reported per day, project and model, from `--instances` uploads: the project
 * dimension of device_day_models (same numbers, same column types). A device-day's rows are
 * replaced whenever an upload rewrites that device-day's slice, by the upload's projects or, for a
 * report without them, by none. `model` is '' for tokens a row reports without a model breakdown.
 * The primary key starts with the user and the day, so a user's range is one index range; the
 * project index serves one project's series.
 */
export const projectDays = pgTable(
  'project_days',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    date: date('date', { mode: 'string' }).notNull(),
    device: varchar('device', { length: 64 }).notNull(),
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    model: varchar('model', { length: 100 }).notNull(),
    inputTokens: tokens('input_tokens'),
    outputTokens: tokens('output_tokens'),
    cacheCreationInputTokens: tokens('cache_creation_input_tokens'),
    cacheReadInputTokens: tokens('cache_read_input_tokens'),
    cost: money('cost'),
  },
  (t) => [primaryKey({ columns: [t.userId, t.date, t.device, t.projectId, t.model] }), index('project_days_project_date_idx').on(t.projectId, t.date)],
);
