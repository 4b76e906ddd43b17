import { Injectable } from '@nestjs/common';
import { type AnyColumn, sql } from 'drizzle-orm';
import { nameOf } from '../db/columns.js';
import { type Database, rowsOf } from '../db/database-connection.js';
import { deviceDays, retiredMonths, usageStats } from '../db/schema.js';
import type { TextRowOf } from '../read-model/rows.js';

const monthOf = (date: AnyColumn) => sql`date_trunc('month', ${date})::date`;

/** What retention reads to decide; the deletions are the ledger's (src/ledger/retirement.ts). */
@Injectable()
export class RetentionRepository {
  /** Months (first days) with daily rows before `before` (a month's first day) that are not retired. */
  async monthsToRetire(db: Database, before: string): Promise<string[]> {
    const month = nameOf(retiredMonths.month);
    const rows = rowsOf<TextRowOf<typeof retiredMonths, 'month'>>(
      await db.execute(sql`
        SELECT DISTINCT ${month}::text AS ${month} FROM (
          SELECT ${monthOf(usageStats.date)} AS ${month} FROM ${usageStats} WHERE ${usageStats.date} < ${before}::date
          UNION
          SELECT ${monthOf(deviceDays.date)} FROM ${deviceDays} WHERE ${deviceDays.date} < ${before}::date) m
         WHERE ${month} NOT IN (SELECT ${retiredMonths.month} FROM ${retiredMonths})
         ORDER BY ${month}`),
    );
    return rows.map((r) => r.month);
  }
}
