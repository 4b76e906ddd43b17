import { sql } from 'drizzle-orm';
import type { Database } from '../db/database-connection.js';
import { rowsOf } from '../db/database-connection.js';
import { retiredMonths as retired } from '../db/schema.js';
import type { DayRange } from './periods.js';

/**
 * The retired months (their first days, in order) that overlap a range, or all of them: the one
 * reading of retired_months for every answer that must count such months whole.
 */
export async function retiredMonthsIn(db: Database, range: DayRange | undefined): Promise<string[]> {
  const where = range ? sql`WHERE ${retired.month} BETWEEN date_trunc('month', ${range.from}::date)::date AND ${range.to}::date` : sql``;
  const rows = rowsOf<{ month: string }>(await db.execute(sql`SELECT ${retired.month}::text AS month FROM ${retired} ${where} ORDER BY 1`));
  return rows.map((r) => r.month);
}
