import { index, integer, pgSchema, timestamp, varchar } from 'drizzle-orm/pg-core';

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
