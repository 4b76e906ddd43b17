import { Injectable } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import { type Database, rowsOf } from '../db/database-connection.js';

/** What retention reads to decide; the deletions are the ledger's (src/ledger/retirement.ts). */
@Injectable()
export class RetentionRepository {
  /** Months (first days) with daily rows before `before` (a month's first day) that are not retired. */
  async monthsToRetire(db: Database, before: string): Promise<string[]> {
    const rows = rowsOf<{ month: string }>(
      await db.execute(sql`
        SELECT DISTINCT month::text AS month FROM (
          SELECT date_trunc('month', date)::date AS month FROM usage_stats WHERE date < ${before}::date
          UNION
          SELECT date_trunc('month', date)::date FROM device_days WHERE date < ${before}::date) m
         WHERE month NOT IN (SELECT month FROM retired_months)
         ORDER BY month`),
    );
    return rows.map((r) => r.month);
  }
}
