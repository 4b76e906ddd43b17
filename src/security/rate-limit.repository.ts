import { Injectable } from '@nestjs/common';
import { and, eq, gt, sql } from 'drizzle-orm';
import { type Database, rowsOf } from '../db/database-connection.js';
import { InjectDb } from '../db/database.module.js';
import { rateLimits } from '../db/schema.js';

/** A key's count in its current window and the milliseconds until the window ends. */
export interface WindowCount {
  hits: number;
  ttlMs: number;
}

const ttlMs = sql<string>`greatest(ceil(extract(epoch FROM ${rateLimits.resetAt} - now()) * 1000), 0)::bigint`;

/**
 * Fixed-window counters in the database every replica shares (runtime.rate_limits). Each hit is one
 * upsert, atomic per key on PostgreSQL and PGlite alike, with the database's clock as the only clock,
 * so replicas agree on windows however their own clocks drift.
 */
@Injectable()
export class RateLimitRepository {
  constructor(@InjectDb() private readonly db: Database) {}

  /** Counts a hit; the first hit after a window ended starts a new window of `windowMs`. */
  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const expired = sql`${rateLimits.resetAt} <= now()`;
    const [row] = await this.db
      .insert(rateLimits)
      .values({ key, hits: 1, resetAt: sql`now() + ${windowMs} * interval '1 millisecond'` })
      .onConflictDoUpdate({
        target: rateLimits.key,
        set: {
          // Every SET expression sees the row as it was, so both test the old reset_at.
          hits: sql`CASE WHEN ${expired} THEN 1 ELSE least(${rateLimits.hits} + 1, 2147483647) END`,
          resetAt: sql`CASE WHEN ${expired} THEN excluded.reset_at ELSE ${rateLimits.resetAt} END`,
        },
      })
      .returning({ hits: rateLimits.hits, ttlMs });
    return { hits: row.hits, ttlMs: Number(row.ttlMs) };
  }

  /** The current window's count, without counting; zero when the key has no live window. */
  async read(key: string): Promise<WindowCount> {
    const [row] = await this.db
      .select({ hits: rateLimits.hits, ttlMs })
      .from(rateLimits)
      .where(and(eq(rateLimits.key, key), gt(rateLimits.resetAt, sql`now()`)));
    return row ? { hits: row.hits, ttlMs: Number(row.ttlMs) } : { hits: 0, ttlMs: 0 };
  }

  /** Deletes the rows of windows that have ended; returns how many. */
  async removeExpired(): Promise<number> {
    const [row] = rowsOf<{ n: string | number }>(
      await this.db.execute(sql`WITH gone AS (DELETE FROM ${rateLimits} WHERE ${rateLimits.resetAt} <= now() RETURNING 1) SELECT count(*) AS n FROM gone`),
    );
    return Number(row.n);
  }
}
