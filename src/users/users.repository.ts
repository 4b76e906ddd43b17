import { Injectable } from '@nestjs/common';
import { and, asc, count, eq, isNull, sql } from 'drizzle-orm';
import { type Database, rowsOf } from '../db/database-connection.js';
import { InjectDb } from '../db/database.module.js';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from '../db/sql.js';
import { apiTokens, users } from '../db/schema.js';
import type { UserRow } from '../directory/user-directory.js';

export type UserSort = 'username' | 'totalCost' | 'totalTokens' | 'lastDate';

@Injectable()
export class UsersRepository {
  constructor(@InjectDb() private readonly db: Database) {}

  /** Creates the user and their first token in one transaction; undefined when the name is taken. */
  async createWithToken(username: string, token: { name: string; hash: string; prefix: string }): Promise<UserRow | undefined> {
    try {
      return await this.db.transaction(async (tx) => {
        const [user] = await tx
          .insert(users)
          .values({ username })
          .returning({ id: users.id, username: users.username, createdAt: users.createdAt });
        await tx.insert(apiTokens).values({ userId: user!.id, name: token.name, tokenHash: token.hash, prefix: token.prefix });
        return user!;
      });
    } catch (error) {
      if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) return undefined;
      throw error;
    }
  }

  /** A page of users with their all-time totals (user_totals), filtered by a name prefix. */
  async list(q: string | undefined, sort: UserSort, limit: number, offset: number) {
    const filter = q === undefined ? sql`true` : sql`starts_with(lower(u.username), lower(${q}))`;
    const order = {
      username: sql`lower(u.username), u.username`,
      totalCost: sql`coalesce(t.total_cost, 0) DESC, lower(u.username)`,
      totalTokens: sql`coalesce(t.total_tokens, 0) DESC, lower(u.username)`,
      lastDate: sql`t.last_date DESC NULLS LAST, lower(u.username)`,
    }[sort];
    const rows = rowsOf<{
      username: string;
      created_at: string;
      first_date: string | null;
      last_date: string | null;
      active_days: number | null;
      total_tokens: string;
      total_cost: string;
    }>(
      await this.db.execute(sql`
        SELECT u.username, to_char(u.created_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at, t.first_date::text AS first_date, t.last_date::text AS last_date,
               coalesce(t.active_days, 0) AS active_days, coalesce(t.total_tokens, 0)::text AS total_tokens,
               to_char(coalesce(t.total_cost, 0), 'FM999999999999990.0000') AS total_cost
          FROM users u LEFT JOIN user_totals t ON t.user_id = u.id
         WHERE ${filter}
         ORDER BY ${order}
         LIMIT ${limit} OFFSET ${offset}`),
    );
    const [count] = rowsOf<{ n: string }>(await this.db.execute(sql`SELECT count(*)::text AS n FROM users u WHERE ${filter}`));
    return { rows, total: Number(count!.n) };
  }

  /** Deletes the user (the spec's cascades take their rows) after taking them out of the shared summaries. */
  /**
   * Adds a token unless the user already holds `cap` live ones (undefined: no cap); undefined then.
   * The user's row lock makes concurrent issues for one user count one after the other.
   */
  async addToken(userId: number, token: { name: string; hash: string; prefix: string }, cap?: number) {
    return this.db.transaction(async (tx) => {
      if (cap !== undefined) {
        await tx.execute(sql`SELECT id FROM users WHERE id = ${userId} FOR UPDATE`);
        const [live] = await tx
          .select({ n: count() })
          .from(apiTokens)
          .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)));
        if (live!.n >= cap) return undefined;
      }
      const [row] = await tx
        .insert(apiTokens)
        .values({ userId, name: token.name, tokenHash: token.hash, prefix: token.prefix })
        .returning();
      return row!;
    });
  }

  async listTokens(userId: number) {
    return this.db.select().from(apiTokens).where(eq(apiTokens.userId, userId)).orderBy(asc(apiTokens.id));
  }

  /** Revokes a live token; false when the user has no such live token. */
  async revokeToken(userId: number, tokenId: number): Promise<boolean> {
    const rows = await this.db
      .update(apiTokens)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
      .returning({ id: apiTokens.id });
    return rows.length === 1;
  }
}
