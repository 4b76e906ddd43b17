import { Injectable } from '@nestjs/common';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/database-connection.js';
import { InjectDb } from '../db/database.module.js';
import { apiTokens, users } from '../db/schema.js';

@Injectable()
export class AuthRepository {
  constructor(@InjectDb() private readonly db: Database) {}

  /** The live (not revoked) token with this hash, and its user. */
  async findActiveToken(tokenHash: string): Promise<{ tokenId: number; userId: number; username: string } | undefined> {
    const [row] = await this.db
      .select({ tokenId: apiTokens.id, userId: users.id, username: users.username })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)))
      .limit(1);
    return row;
  }

  /** Records use, at most once a minute per token, so reads do not turn into a write each. */
  async touch(tokenId: number): Promise<void> {
    await this.db
      .update(apiTokens)
      .set({ lastUsedAt: sql`now()` })
      .where(and(eq(apiTokens.id, tokenId), sql`(${apiTokens.lastUsedAt} IS NULL OR ${apiTokens.lastUsedAt} < now() - interval '1 minute')`));
  }
}
