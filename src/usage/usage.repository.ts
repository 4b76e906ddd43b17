import { Injectable } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import { type Database, rowsOf } from '../db/database-connection.js';
import { InjectDb } from '../db/database.module.js';
import { jsonSet } from '../db/sql.js';
import { bucketOf, type Granularity } from '../read-model/periods.js';
import { money, SUM_COLUMNS, type SumsRow } from './stats.repository.js';



export interface BucketRow extends SumsRow {
  bucket: string;
  active_days: string;
  /** A retired month's row, from user_month_stats. */
  retired?: boolean;
}


export interface ModelBucketRow {
  bucket: string;
  retired: boolean;
  model: string;
  provider: string;
  input_tokens: string;
  output_tokens: string;
  cache_creation_input_tokens: string;
  cache_read_input_tokens: string;
  cost: string;
}

@Injectable()
export class UsageRepository {
  constructor(@InjectDb() private readonly db: Database) {}

  /** The first and last day with data for a user (nulls when none). */
  async dataRange(userId: number): Promise<{ first: string | null; last: string | null }> {
    const [row] = rowsOf<{ first: string | null; last: string | null }>(
      await this.db.execute(sql`SELECT first_date::text AS first, last_date::text AS last FROM user_totals WHERE user_id = ${userId}`),
    );
    return { first: row?.first ?? null, last: row?.last ?? null };
  }

  /** Retired months (first days) that overlap a range. */
  async retiredMonths(from: string, to: string): Promise<string[]> {
    const rows = rowsOf<{ month: string }>(
      await this.db.execute(sql`
        SELECT month::text AS month FROM retired_months
         WHERE month BETWEEN date_trunc('month', ${from}::date)::date AND ${to}::date ORDER BY month`),
    );
    return rows.map((r) => r.month);
  }

  /**
   * A user's usage per day, ISO week or month in a range (user_date_idx). Retired months have no
   * days left: each is one row, the whole month from user_month_stats, marked `retired`.
   */
  async userBuckets(userId: number, from: string, to: string, granularity: Granularity, retired: string[] = []): Promise<BucketRow[]> {
    const bucket = bucketOf(granularity, 's.date');
    const months =
      retired.length === 0
        ? sql``
        : sql`UNION ALL
              SELECT month::text, true, active_days::text, ${SUM_COLUMNS}
                FROM user_month_stats WHERE user_id = ${userId} AND month IN ${jsonSet(retired, 'date')}
               GROUP BY month, active_days`;
    return rowsOf<BucketRow>(
      await this.db.execute(sql`
        SELECT * FROM (
          SELECT ${bucket}::text AS bucket, false AS retired, count(*)::text AS active_days, ${SUM_COLUMNS}
            FROM usage_stats s
           WHERE s.user_id = ${userId} AND s.date BETWEEN ${from}::date AND ${to}::date
           GROUP BY 1
          ${months}) b
         ORDER BY bucket, retired DESC`),
    );
  }

  /** The same buckets per model (usage_stats_model_idx); retired months from user_model_months. */
  async userModelBuckets(userId: number, from: string, to: string, granularity: Granularity, retired: string[] = []): Promise<ModelBucketRow[]> {
    const bucket = bucketOf(granularity, 's.date');
    const months =
      retired.length === 0
        ? sql``
        : sql`UNION ALL
              SELECT month::text, true, model, provider, input_tokens, output_tokens, cache_creation_input_tokens,
                     cache_read_input_tokens, cost
                FROM user_model_months WHERE user_id = ${userId} AND month IN ${jsonSet(retired, 'date')}`;
    return rowsOf<ModelBucketRow>(
      await this.db.execute(sql`
        SELECT bucket, retired, model, max(provider) AS provider,
               sum(input_tokens)::text AS input_tokens, sum(output_tokens)::text AS output_tokens,
               sum(cache_creation_input_tokens)::text AS cache_creation_input_tokens,
               sum(cache_read_input_tokens)::text AS cache_read_input_tokens, ${sql.raw(money('sum(cost)'))} AS cost
          FROM (SELECT ${bucket}::text AS bucket, false AS retired, m.model, m.provider, m.input_tokens, m.output_tokens,
                       m.cache_creation_input_tokens, m.cache_read_input_tokens, m.cost
                  FROM usage_stats s JOIN model_usage m ON m.usage_stats_id = s.id
                 WHERE s.user_id = ${userId} AND s.date BETWEEN ${from}::date AND ${to}::date
                ${months}) x
         GROUP BY bucket, retired, model
         ORDER BY bucket, retired DESC, sum(cost) DESC, model`),
    );
  }

  /** Exact sums over a user's days in a range, retired months counted whole. */
  async userTotals(userId: number, from: string, to: string, retired: string[] = []): Promise<SumsRow> {
    const months =
      retired.length === 0
        ? sql``
        : sql`UNION ALL
              SELECT input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, total_tokens, total_cost
                FROM user_month_stats WHERE user_id = ${userId} AND month IN ${jsonSet(retired, 'date')}`;
    const [row] = rowsOf<SumsRow>(
      await this.db.execute(sql`
        SELECT ${SUM_COLUMNS}
          FROM (SELECT input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, total_tokens, total_cost
                  FROM usage_stats WHERE user_id = ${userId} AND date BETWEEN ${from}::date AND ${to}::date
                ${months}) x`),
    );
    return row!;
  }

  async allTimeTotals(userId: number): Promise<(SumsRow & { active_days: string }) | undefined> {
    const [row] = rowsOf<SumsRow & { active_days: string }>(
      await this.db.execute(sql`
        SELECT active_days::text AS active_days, ${SUM_COLUMNS} FROM user_totals WHERE user_id = ${userId} GROUP BY active_days`),
    );
    return row;
  }

  async topModels(userId: number, limit: number) {
    return rowsOf<{ model: string; provider: string; total_tokens: string; cost: string; share: string | null }>(
      await this.db.execute(sql`
        SELECT model, provider, (input_tokens + output_tokens + cache_creation_input_tokens + cache_read_input_tokens)::text AS total_tokens,
               ${sql.raw(money('cost'))} AS cost, round(cost / nullif(sum(cost) OVER (), 0), 6)::text AS share
          FROM user_model_totals WHERE user_id = ${userId}
         ORDER BY cost DESC, input_tokens + output_tokens + cache_creation_input_tokens + cache_read_input_tokens DESC, model
         LIMIT ${limit}`),
    );
  }

  /** Each device with the days it reported and its last upload. */
  async devices(userId: number) {
    return rowsOf<{ device: string; days: string; last_upload: string | null }>(
      await this.db.execute(sql`
        SELECT d.device, count(*)::text AS days,
               (SELECT to_char(max(p.created_at), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') FROM uploads p
                 WHERE p.user_id = ${userId} AND p.device = d.device) AS last_upload
          FROM device_days d WHERE d.user_id = ${userId}
         GROUP BY d.device ORDER BY d.device`),
    );
  }
}
