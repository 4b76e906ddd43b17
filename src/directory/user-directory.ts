import { Injectable, Module } from '@nestjs/common';
import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Principal } from '../auth/principal.js';
import { DomainError, ErrorCode } from '../common/errors.js';
import type { Database } from '../db/database-connection.js';
import { InjectDb } from '../db/database.module.js';
import { teamMembers, users } from '../db/schema.js';
import { type Audience, Audiences } from './audience.js';

/** The 404 for a name no one has, and for a user the caller may not see: the two cannot be told apart. */
export const notFound = (username: string) => new DomainError(ErrorCode.NotFound, `There is no user ${JSON.stringify(username)}.`);

export type UserRow = Pick<typeof users.$inferSelect, 'id' | 'username' | 'createdAt' | 'displayName'>;

/**
 * Who a username is: the one lookup that every module answering about a user needs (users,
 * usage, ingestion), below all of them, so that none has to import another to find a user.
 */
@Injectable()
export class UserDirectory {
  constructor(
    @InjectDb() private readonly db: Database,
    private readonly audiences: Audiences,
  ) {}

  /** The user by name without regard to case, or undefined. */
  async find(username: string): Promise<UserRow | undefined> {
    const [row] = await this.db
      .select({ id: users.id, username: users.username, createdAt: users.createdAt, displayName: users.displayName })
      .from(users)
      .where(sql`lower(${users.username}) = lower(${username})`)
      .limit(1);
    return row;
  }

  /** The display names of the listed users who set one. */
  async displayNames(userIds: number[]): Promise<Map<number, string>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.db
      .select({ id: users.id, displayName: users.displayName })
      .from(users)
      .where(and(inArray(users.id, userIds), isNotNull(users.displayName)));
    return new Map(rows.map((r) => [r.id, r.displayName!]));
  }

  /** A team's members (user ids): whom the team's reads count. */
  async teamMemberIds(teamId: number): Promise<number[]> {
    const rows = await this.db.select({ id: teamMembers.userId }).from(teamMembers).where(eq(teamMembers.teamId, teamId));
    return rows.map((r) => r.id);
  }

  /** The user by name (any case), or 404. */
  async get(username: string): Promise<UserRow> {
    const user = await this.find(username);
    if (!user) throw notFound(username);
    return user;
  }

  /**
   * The user a caller asks about, if the caller may see them (else 404), with what the caller may
   * see (the caller's audience, read now): every read about one user starts here.
   */
  async seenBy(caller: Principal, username: string): Promise<{ user: UserRow; audience: Audience }> {
    const audience = await this.audiences.of(caller);
    return { user: await this.getVisible(username, audience), audience };
  }

  /**
   * The user by name if the audience may see them, else the same 404 as for a name no one has: a
   * hidden user cannot be told apart from one who does not exist.
   */
  async getVisible(username: string, audience: Audience): Promise<UserRow> {
    const user = await this.find(username);
    if (!user || !audience.sees(user.id)) throw notFound(username);
    return user;
  }
}

@Module({ providers: [UserDirectory, Audiences], exports: [UserDirectory, Audiences] })
export class DirectoryModule {}
