import { Injectable } from '@nestjs/common';
import { desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/database-connection.js';
import { InjectDb } from '../db/database.module.js';
import { deviceDays, uploads } from '../db/schema.js';

/** What ingestion reads about a user's uploads; every write goes through the ledger (src/ledger). */
@Injectable()
export class UploadsRepository {
  constructor(@InjectDb() private readonly db: Database) {}

  async listForUser(userId: number, limit: number, offset: number) {
    const [rows, [count]] = await Promise.all([
      this.db.select().from(uploads).where(eq(uploads.userId, userId)).orderBy(desc(uploads.id)).limit(limit).offset(offset),
      this.db
        .select({ n: sql<number>`count(*)::int` })
        .from(uploads)
        .where(eq(uploads.userId, userId)),
    ]);
    return { rows, total: Number(count.n) };
  }

  /** How many devices the user has reported from, and whether `device` is one of them. */
  async deviceCount(userId: number, device: string): Promise<{ devices: number; known: boolean }> {
    const d = deviceDays;
    const [row] = await this.db
      .select({ devices: sql<string>`count(DISTINCT ${d.device})::text`, known: sql<boolean | null>`bool_or(${d.device} = ${device})` })
      .from(d)
      .where(eq(d.userId, userId));
    return { devices: Number(row?.devices ?? 0), known: row?.known === true };
  }
}
