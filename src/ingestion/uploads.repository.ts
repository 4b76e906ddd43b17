import { Injectable } from '@nestjs/common';
import { desc, eq, sql } from 'drizzle-orm';
import { type Database, rowsOf } from '../db/database-connection.js';
import { InjectDb } from '../db/database.module.js';
import { deviceDays, telemetryReceipts, uploads } from '../db/schema.js';

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

  /** How many devices the user has reported from (uploads or telemetry), and whether `device` is one of them. */
  async deviceCount(userId: number, device: string): Promise<{ devices: number; known: boolean }> {
    const [d, t] = [deviceDays, telemetryReceipts];
    const [row] = rowsOf<{ devices: string; known: boolean | null }>(
      await this.db.execute(sql`
        SELECT count(*)::text AS devices, bool_or(x.device = ${device}) AS known
          FROM (SELECT ${d.device} AS device FROM ${d} WHERE ${d.userId} = ${userId}
                UNION SELECT ${t.device} FROM ${t} WHERE ${t.userId} = ${userId}) x`),
    );
    return { devices: Number(row?.devices ?? 0), known: row?.known === true };
  }
}
