import { Inject, Injectable } from '@nestjs/common';
import { and, desc, eq, isNotNull } from 'drizzle-orm';
import type { Database } from '../db/database-connection.js';
import { DB } from '../db/database.module.js';
import { backupRuns } from '../db/schema.js';

export type BackupRun = typeof backupRuns.$inferSelect;

@Injectable()
export class BackupRunsRepository {
  constructor(@Inject(DB) private readonly db: Database) {}

  /**
   * Claims a scheduled tick: true for the one replica whose insert lands, false for every other
   * (including one that gets the lock after the winner has finished).
   */
  async claimTick(db: Database, tick: Date): Promise<number | undefined> {
    const rows = await db
      .insert(backupRuns)
      .values({ scheduledFor: tick, trigger: 'scheduled' })
      .onConflictDoNothing({ target: backupRuns.scheduledFor })
      .returning({ id: backupRuns.id });
    return rows[0]?.id;
  }

  async start(db: Database): Promise<number> {
    const [row] = await db.insert(backupRuns).values({ trigger: 'manual' }).returning({ id: backupRuns.id });
    return row.id;
  }

  async succeeded(id: number, name: string, sizeBytes: number, tableSizes: Record<string, number>): Promise<void> {
    await this.db.update(backupRuns).set({ name, sizeBytes, tableSizes, succeeded: true, finishedAt: new Date() }).where(eq(backupRuns.id, id));
  }

  async failed(id: number, error: string): Promise<void> {
    await this.db.update(backupRuns).set({ succeeded: false, error, finishedAt: new Date() }).where(eq(backupRuns.id, id));
  }

  /** The last finished run, on any replica. */
  async last(): Promise<BackupRun | undefined> {
    const [row] = await this.db
      .select()
      .from(backupRuns)
      .where(isNotNull(backupRuns.finishedAt))
      .orderBy(desc(backupRuns.finishedAt), desc(backupRuns.id))
      .limit(1);
    return row;
  }

  async lastSuccessful(): Promise<BackupRun | undefined> {
    const [row] = await this.db
      .select()
      .from(backupRuns)
      .where(and(isNotNull(backupRuns.finishedAt), eq(backupRuns.succeeded, true)))
      .orderBy(desc(backupRuns.finishedAt), desc(backupRuns.id))
      .limit(1);
    return row;
  }
}
