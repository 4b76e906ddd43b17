import { Injectable } from '@nestjs/common';
import { type SQL, sql } from 'drizzle-orm';
import { tokenTotal } from '../db/columns.js';
import { type Database, rowsOf } from '../db/database-connection.js';
import { InjectDb } from '../db/database.module.js';
import { deviceDays, telemetryDayModels, telemetryReceipts, uploads } from '../db/schema.js';
import { sqlList } from '../db/sql.js';
import { MAX_SOURCE_DEVICES, RECEIVING_MINUTES } from './sources.schemas.js';

/** A timestamp column as ISO 8601 text (timestamps are UTC: the connections run with timezone=UTC). */
const iso = (expr: SQL) => sql`to_char(${expr}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** What reported a user's days, and what the telemetry receiver got: reads only (the ledger writes these tables). */
@Injectable()
export class SourcesRepository {
  constructor(@InjectDb() private readonly db: Database) {}

  /**
   * The user's devices (any that uploaded, has a day in the device ledger or sent telemetry), by
   * name, at most MAX_SOURCE_DEVICES, each with its last upload and last telemetry batch.
   */
  async devices(userId: number) {
    const [dd, up, tr] = [deviceDays, uploads, telemetryReceipts];
    // Each table read once for the user (its user_id index), grouped by device, then joined by name.
    return rowsOf<{ device: string; last_upload_at: string | null; last_telemetry_at: string | null }>(
      await this.db.execute(sql`
        WITH uploaded AS (SELECT ${up.device} AS device, max(${up.createdAt}) AS at FROM ${up} WHERE ${up.userId} = ${userId} GROUP BY 1),
             sent AS (SELECT ${tr.device} AS device, max(${tr.lastAt}) AS at FROM ${tr} WHERE ${tr.userId} = ${userId} GROUP BY 1),
             names AS (
               SELECT ${dd.device} AS device FROM ${dd} WHERE ${dd.userId} = ${userId}
               UNION SELECT device FROM uploaded
               UNION SELECT device FROM sent
               ORDER BY 1 LIMIT ${MAX_SOURCE_DEVICES}
             )
        SELECT n.device, ${iso(sql`u.at`)} AS last_upload_at, ${iso(sql`s.at`)} AS last_telemetry_at
          FROM names n LEFT JOIN uploaded u ON u.device = n.device LEFT JOIN sent s ON s.device = n.device
         ORDER BY n.device`),
    );
  }

  /**
   * Per device and day of a range with a slice in the device ledger or telemetry: the slice's
   * source and tokens, and telemetry's own token sum (device_days_user_date_idx; the primary key of
   * telemetry_day_models), for the listed devices.
   */
  async days(userId: number, devices: string[], range: { from: string; to: string }) {
    if (devices.length === 0) return [];
    const [dd, t] = [deviceDays, telemetryDayModels];
    return rowsOf<{ device: string; date: string; source: string | null; upload_tokens: string | null; telemetry_tokens: string | null }>(
      await this.db.execute(sql`
        WITH slices AS (
          SELECT ${dd.device} AS device, ${dd.date} AS date, ${dd.source} AS source, ${dd.totalTokens} AS tokens FROM ${dd}
           WHERE ${dd.userId} = ${userId} AND ${dd.date} BETWEEN ${range.from}::date AND ${range.to}::date AND ${dd.device} IN ${sqlList(devices)}
        ), telemetry AS (
          SELECT ${t.device} AS device, ${t.date} AS date, sum(${tokenTotal(t)}) AS tokens FROM ${t}
           WHERE ${t.userId} = ${userId} AND ${t.date} BETWEEN ${range.from}::date AND ${range.to}::date AND ${t.device} IN ${sqlList(devices)}
           GROUP BY ${t.device}, ${t.date}
        )
        SELECT coalesce(s.device, x.device) AS device, coalesce(s.date, x.date)::text AS date, s.source,
               CASE WHEN s.source = 'upload' THEN s.tokens::text END AS upload_tokens, x.tokens::text AS telemetry_tokens
          FROM slices s FULL JOIN telemetry x ON x.device = s.device AND x.date = s.date
         ORDER BY 1, 2`),
    );
  }

  /** The user's telemetry receipts, per device and signal, and whether any batch arrived in the last RECEIVING_MINUTES. */
  async receipts(userId: number) {
    const tr = telemetryReceipts;
    const rows = await this.db
      .select()
      .from(tr)
      .where(sql`${tr.userId} = ${userId}`)
      .orderBy(tr.device, tr.signal)
      // The ledger records a receipt for every device a batch named, even ones past its device cap: bounded here.
      .limit(MAX_SOURCE_DEVICES * 2);
    const [recent] = rowsOf<{ receiving: boolean | null }>(
      await this.db.execute(
        sql`SELECT bool_or(${tr.lastAt} > localtimestamp - make_interval(mins => ${RECEIVING_MINUTES})) AS receiving FROM ${tr} WHERE ${tr.userId} = ${userId}`,
      ),
    );
    return { rows, receiving: recent?.receiving === true };
  }
}
