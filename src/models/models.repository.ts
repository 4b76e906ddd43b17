import { Injectable } from '@nestjs/common';
import { sql, type SQL } from 'drizzle-orm';
import { type Database, rowsOf } from '../db/database-connection.js';
import { InjectDb } from '../db/database.module.js';
import { bucketOf, type DayRange, type Granularity, monthMasks } from '../read-model/periods.js';
import { activeInRange, money } from '../usage/stats.repository.js';

export interface ModelSumsRow {
  key: string;
  provider: string;
  active_days: string;
  users: string;
  input_tokens: string;
  output_tokens: string;
  cache_creation_input_tokens: string;
  cache_read_input_tokens: string;
  total_tokens: string;
  cost: string;
  cost_share: string | null;
  /** Rows in the whole answer, before the page was cut. */
  total: string;
}

export interface Page {
  limit: number;
  offset: number;
}


/** (bucket, month, mask) rows: which days of which month belong to each bucket of a range. */
export function bucketMasks(range: DayRange, buckets: Array<{ bucket: string; range: DayRange }>): Array<{ bucket: string; month: string; mask: number }> {
  return buckets.flatMap(({ bucket, range: r }) => {
    const from = r.from > range.from ? r.from : range.from;
    const to = r.to < range.to ? r.to : range.to;
    return from <= to ? monthMasks({ from, to }).map((m) => ({ bucket, ...m })) : [];
  });
}

@Injectable()
export class ModelsRepository {
  constructor(@InjectDb() private readonly db: Database) {}

  /**
   * Per model (or per provider) over a range: token and cost sums and active days from
   * model_day_stats, distinct users from user_model_months' day masks, most cost first.
   */
  async breakdown(range: DayRange | undefined, by: 'model' | 'provider', page: Page, onlyModel?: string): Promise<ModelSumsRow[]> {
    const key = sql.raw(by);
    const dateFilter = range ? sql`date BETWEEN ${range.from}::date AND ${range.to}::date` : sql`true`;
    const modelFilter = onlyModel === undefined ? sql`true` : sql`model = ${onlyModel}`;
    const users: SQL = range
      ? sql`SELECT umm.${key} AS key, count(DISTINCT umm.user_id) AS users
              FROM user_model_months umm
             WHERE (${activeInRange(range, 'umm.')}) AND ${modelFilter}
             GROUP BY umm.${key}`
      : sql`SELECT ${key} AS key, count(DISTINCT user_id) AS users FROM user_model_totals WHERE ${modelFilter} GROUP BY ${key}`;
    return rowsOf<ModelSumsRow>(
      await this.db.execute(sql`
        WITH sums AS (
          SELECT ${key} AS key, max(provider) AS provider, count(DISTINCT date) AS active_days,
                 sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
                 sum(cache_creation_input_tokens) AS cache_creation_input_tokens,
                 sum(cache_read_input_tokens) AS cache_read_input_tokens, sum(cost) AS cost
            FROM model_day_stats WHERE ${dateFilter} AND ${modelFilter}
           GROUP BY ${key}
        ), users AS (${users})
        SELECT s.key, s.provider, s.active_days::text AS active_days, coalesce(u.users, 0)::text AS users,
               s.input_tokens::text AS input_tokens, s.output_tokens::text AS output_tokens,
               s.cache_creation_input_tokens::text AS cache_creation_input_tokens,
               s.cache_read_input_tokens::text AS cache_read_input_tokens,
               (s.input_tokens + s.output_tokens + s.cache_creation_input_tokens + s.cache_read_input_tokens)::text AS total_tokens,
               ${sql.raw(money('s.cost'))} AS cost,
               round(s.cost / nullif(sum(s.cost) OVER (), 0), 6)::text AS cost_share,
               count(*) OVER ()::text AS total
          FROM sums s LEFT JOIN users u ON u.key = s.key
         ORDER BY s.cost DESC, s.input_tokens + s.output_tokens + s.cache_creation_input_tokens + s.cache_read_input_tokens DESC, s.key
         LIMIT ${page.limit} OFFSET ${page.offset}`),
    );
  }

  async modelBounds(model: string): Promise<DayRange> {
    const [row] = rowsOf<{ from: string; to: string }>(
      await this.db.execute(sql`SELECT min(date)::text AS "from", max(date)::text AS "to" FROM model_day_stats WHERE model = ${model}`),
    );
    return row!;
  }

  /** One model per day, ISO week or month over a range, with distinct users per bucket. */
  async series(model: string, range: DayRange, granularity: Granularity) {
    const bucket = bucketOf(granularity, 'date');
    const sums = rowsOf<{ bucket: string; active_days: string } & Omit<ModelSumsRow, 'key' | 'users' | 'cost_share' | 'active_days'>>(
      await this.db.execute(sql`
        SELECT ${bucket}::text AS bucket, max(provider) AS provider, count(*)::text AS active_days,
               sum(input_tokens)::text AS input_tokens, sum(output_tokens)::text AS output_tokens,
               sum(cache_creation_input_tokens)::text AS cache_creation_input_tokens,
               sum(cache_read_input_tokens)::text AS cache_read_input_tokens,
               sum(input_tokens + output_tokens + cache_creation_input_tokens + cache_read_input_tokens)::text AS total_tokens,
               ${sql.raw(money('sum(cost)'))} AS cost
          FROM model_day_stats
         WHERE model = ${model} AND date BETWEEN ${range.from}::date AND ${range.to}::date
         GROUP BY 1 ORDER BY 1`),
    );
    return sums;
  }

  /** Distinct users of a model per bucket, from month masks. */
  async usersPerBucket(model: string, masks: Array<{ bucket: string; month: string; mask: number }>): Promise<Map<string, number>> {
    if (masks.length === 0) return new Map();
    const rows = rowsOf<{ bucket: string; users: string }>(
      await this.db.execute(sql`
        SELECT b.bucket, count(DISTINCT umm.user_id)::text AS users
          FROM jsonb_to_recordset(${JSON.stringify(masks)}::jsonb) AS b(bucket text, month date, mask int)
          JOIN user_model_months umm ON umm.model = ${model} AND umm.month = b.month AND umm.day_mask & b.mask <> 0
         GROUP BY b.bucket`),
    );
    return new Map(rows.map((r) => [r.bucket, Number(r.users)]));
  }
}
