import { sql } from 'drizzle-orm';
import { bigserial, customType, index, integer, pgSchema, timestamp, varchar } from 'drizzle-orm/pg-core';

/**
 * State the replicas share that is not data: it expires, nobody backs it up for its own sake, and
 * the "stored data unchanged" checks (tests, fuzz suite, db-stats) look only at `public`. Hence its
 * own schema.
 */
export const runtime = pgSchema('runtime');

/**
 * Fixed-window request counters (src/security/rate-limit.repository.ts). One row per key, e.g.
 * `registration:203.0.113.7` or `uploads:user:42`; a hit after `reset_at` starts a new window.
 * Expired rows are deleted every minute, so the table holds at most the keys of the current windows.
 */
export const rateLimits = runtime.table(
  'rate_limits',
  {
    key: varchar('key', { length: 160 }).primaryKey(),
    hits: integer('hits').notNull(),
    resetAt: timestamp('reset_at', { mode: 'date' }).notNull(),
  },
  (t) => [index('rate_limits_reset_at_idx').on(t.resetAt)],
);

/** PostgreSQL's 64-bit transaction id (`xid8`): what a row's writer was, comparable with snapshots. */
const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => 'xid8' });

/**
 * Which users' usage changed, and in which transaction: the change log every replica's in-memory
 * ranking index catches up from (src/read-model/ranking-index.service.ts). Written only by triggers
 * on usage_stats (the users whose days a statement changed) and retired_months (`user_id` NULL:
 * everything), never by the service's code, so no writer can forget it. A replica reads the rows
 * committed since its last snapshot and reloads those users. Rows are marked `seen_at` once
 * committed and deleted ten minutes later (a replica further behind than that reloads everything).
 */
export const readModelChanges = runtime.table(
  'read_model_changes',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    xid: xid8('xid')
      .default(sql`pg_current_xact_id()`)
      .notNull(),
    userId: integer('user_id'),
    seenAt: timestamp('seen_at', { mode: 'date' }),
  },
  (t) => [index('read_model_changes_xid_idx').on(t.xid), index('read_model_changes_seen_at_idx').on(t.seenAt)],
);
