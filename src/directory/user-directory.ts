import { Injectable, Module } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import { DomainError, ErrorCode } from '../common/errors.js';
import type { Database } from '../db/database-connection.js';
import { InjectDb } from '../db/database.module.js';
import { users } from '../db/schema.js';

export type UserRow = Pick<typeof users.$inferSelect, 'id' | 'username' | 'createdAt'>;

/**
 * Who a username is: the one lookup that every module answering about a user needs (users,
 * usage, ingestion), below all of them, so that none has to import another to find a user.
 */
@Injectable()
export class UserDirectory {
  constructor(@InjectDb() private readonly db: Database) {}

  /** The user by name without regard to case, or undefined. */
  async find(username: string): Promise<UserRow | undefined> {
    const [row] = await this.db
      .select({ id: users.id, username: users.username, createdAt: users.createdAt })
      .from(users)
      .where(sql`lower(${users.username}) = lower(${username})`)
      .limit(1);
    return row;
  }

  /** The user by name (any case), or 404. */
  async get(username: string): Promise<UserRow> {
    const user = await this.find(username);
    if (!user) throw new DomainError(ErrorCode.NotFound, `There is no user ${JSON.stringify(username)}.`);
    return user;
  }
}

@Module({ providers: [UserDirectory], exports: [UserDirectory] })
export class DirectoryModule {}
