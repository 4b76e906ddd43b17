import { Injectable } from '@nestjs/common';
import { and, asc, count, eq, isNull, sql } from 'drizzle-orm';
import { aliased, as, intText, money } from '../db/columns.js';
import { type Database, rowsOf, transaction } from '../db/database-connection.js';
import { InjectDb } from '../db/database.module.js';
import { apiTokens, users, userTotals } from '../db/schema.js';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from '../db/sql.js';
import type { UserRow } from '../directory/user-directory.js';
import type { Admission } from '../read-model/admission.js';
import { type Keyed, keyedRows, type RowOf, type TextRowOf } from '../read-model/rows.js';

export type UserSort = 'username' | 'totalCost' | 'totalTokens' | 'lastDate';

type Nullable<T> = { [K in keyof T]: T[K] | null };

/** A user in the list: their all-time totals (user_totals) as text, dates null before their first upload. */
type RawUserListRow = RowOf<typeof users, 'id' | 'username' | 'displayName'> &
  TextRowOf<typeof users, 'createdAt'> &
  Nullable<TextRowOf<typeof userTotals, 'firstDate' | 'lastDate'>> &
  RowOf<typeof userTotals, 'activeDays'> &
  TextRowOf<typeof userTotals, 'totalTokens' | 'totalCost'>;

export type UserListRow = Keyed<RawUserListRow>;

@Injectable()
export class UsersRepository {
  constructor(@InjectDb() private readonly db: Database) {}

  /**
   * Creates the user and their first token in one transaction; undefined when the name is taken.
   * `then` runs last in the same transaction (joining a team by invite); when it throws, nothing is stored.
   */
  async createWithToken(
    username: string,
    privacy: { visibility: string; showCost: boolean },
    token: { name: string; hash: string; prefix: string },
    then?: (tx: Database, userId: number) => Promise<void>,
  ): Promise<UserRow | undefined> {
    try {
      return await transaction(this.db, async (tx) => {
        const [user] = await tx
          .insert(users)
          .values({ username, ...privacy })
          .returning({ id: users.id, username: users.username, createdAt: users.createdAt, displayName: users.displayName });
        await tx.insert(apiTokens).values({ userId: user.id, name: token.name, tokenHash: token.hash, prefix: token.prefix });
        await then?.(tx, user.id);
        return user;
      });
    } catch (error) {
      if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) return undefined;
      throw error;
    }
  }

  /** A page of users with their all-time totals (user_totals), filtered by a name prefix. */
  async list(q: string | undefined, sort: UserSort, limit: number, offset: number, admission: Admission): Promise<{ rows: UserListRow[]; total: number }> {
    const { t: u, from: fromUsers } = aliased(users, 'u');
    const { t, from: fromTotals } = aliased(userTotals, 't');
    const filter = sql`${q === undefined ? sql`true` : sql`starts_with(lower(${u.username}), lower(${q}))`} AND ${admission.sql(sql`${u.id}`)}`;
    const order = {
      username: sql`lower(${u.username}), ${u.username}`,
      totalCost: sql`coalesce(${t.totalCost}, 0) DESC, lower(${u.username})`,
      totalTokens: sql`coalesce(${t.totalTokens}, 0) DESC, lower(${u.username})`,
      lastDate: sql`${t.lastDate} DESC NULLS LAST, lower(${u.username})`,
    }[sort];
    const rows = keyedRows<RawUserListRow>(
      await this.db.execute(sql`
        SELECT ${as(sql`${u.id}`, u.id)}, ${u.username}, ${as(sql`${u.displayName}`, u.displayName)}, ${as(sql`to_char(${u.createdAt}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`, u.createdAt)},
               ${as(sql`${t.firstDate}::text`, t.firstDate)}, ${as(sql`${t.lastDate}::text`, t.lastDate)},
               ${as(sql`coalesce(${t.activeDays}, 0)`, t.activeDays)}, ${as(intText(t.totalTokens), t.totalTokens)},
               ${as(money(t.totalCost), t.totalCost)}
          FROM ${fromUsers} LEFT JOIN ${fromTotals} ON ${t.userId} = ${u.id}
         WHERE ${filter}
         ORDER BY ${order}
         LIMIT ${limit} OFFSET ${offset}`),
    );
    const [count] = rowsOf<{ n: string }>(await this.db.execute(sql`SELECT count(*)::text AS n FROM ${fromUsers} WHERE ${filter}`));
    return { rows, total: Number(count.n) };
  }

  /**
   * Adds a token unless the user already holds `cap` live ones (undefined: no cap); undefined then.
   * The user's row lock makes concurrent issues for one user count one after the other.
   */
  async addToken(userId: number, token: { name: string; hash: string; prefix: string }, cap?: number) {
    return this.db.transaction(async (tx) => {
      if (cap !== undefined) {
        await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update');
        const [live] = await tx
          .select({ n: count() })
          .from(apiTokens)
          .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)));
        if (live.n >= cap) return undefined;
      }
      const [row] = await tx.insert(apiTokens).values({ userId, name: token.name, tokenHash: token.hash, prefix: token.prefix }).returning();
      return row;
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

  async privacy(userId: number) {
    const [row] = await this.db
      .select({ username: users.username, visibility: users.visibility, showCost: users.showCost, displayName: users.displayName })
      .from(users)
      .where(eq(users.id, userId));
    return row;
  }

  async setPrivacy(userId: number, changes: { visibility?: string; showCost?: boolean; displayName?: string | null }) {
    if (Object.keys(changes).length > 0)
      await this.db
        .update(users)
        .set({ ...changes, updatedAt: sql`now()` })
        .where(eq(users.id, userId));
    return this.privacy(userId);
  }
}
