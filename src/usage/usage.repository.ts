import { Injectable } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import { type Database, rowsOf } from '../db/database-connection.js';
import { InjectDb } from '../db/database.module.js';

/** Token sums come back as text so that no driver rounds them; these turn them into numbers. */
export const toInt = (v: unknown): number => Number(v ?? 0);

interface DayRow {
  date: string;
  input_tokens: string;
  output_tokens: string;
  cache_creation_input_tokens: string;
  cache_read_input_tokens: string;
  total_tokens: string;
  total_cost: string;
}

interface ModelRow {
  date: string;
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
      await this.db.execute(sql`SELECT min(date)::text AS first, max(date)::text AS last FROM usage_stats WHERE user_id = ${userId}`),
    );
    return { first: row?.first ?? null, last: row?.last ?? null };
  }

  /** A user's days in a range (user_date_idx), each with its models (usage_stats_model_idx). */
  async userDays(userId: number, from: string, to: string): Promise<{ days: DayRow[]; models: ModelRow[] }> {
    const days = rowsOf<DayRow>(
      await this.db.execute(sql`
        SELECT date::text AS date, input_tokens::text AS input_tokens, output_tokens::text AS output_tokens,
               cache_creation_input_tokens::text AS cache_creation_input_tokens,
               cache_read_input_tokens::text AS cache_read_input_tokens, total_tokens::text AS total_tokens,
               total_cost::text AS total_cost
          FROM usage_stats
         WHERE user_id = ${userId} AND date BETWEEN ${from}::date AND ${to}::date
         ORDER BY date`),
    );
    const models = rowsOf<ModelRow>(
      await this.db.execute(sql`
        SELECT s.date::text AS date, m.model, m.provider, m.input_tokens::text AS input_tokens,
               m.output_tokens::text AS output_tokens,
               m.cache_creation_input_tokens::text AS cache_creation_input_tokens,
               m.cache_read_input_tokens::text AS cache_read_input_tokens, m.cost::text AS cost
          FROM usage_stats s
          JOIN model_usage m ON m.usage_stats_id = s.id
         WHERE s.user_id = ${userId} AND s.date BETWEEN ${from}::date AND ${to}::date
         ORDER BY s.date, m.cost DESC, m.model`),
    );
    return { days, models };
  }

  /** Exact sums over a user's days in a range: 64-bit integers and numeric, as text. */
  async userTotals(userId: number, from: string, to: string): Promise<DayRow> {
    const [row] = rowsOf<DayRow>(
      await this.db.execute(sql`
        SELECT NULL AS date,
               coalesce(sum(input_tokens), 0)::text AS input_tokens, coalesce(sum(output_tokens), 0)::text AS output_tokens,
               coalesce(sum(cache_creation_input_tokens), 0)::text AS cache_creation_input_tokens,
               coalesce(sum(cache_read_input_tokens), 0)::text AS cache_read_input_tokens,
               coalesce(sum(total_tokens), 0)::text AS total_tokens,
               to_char(coalesce(sum(total_cost), 0), 'FM999999999999990.0000') AS total_cost
          FROM usage_stats
         WHERE user_id = ${userId} AND date BETWEEN ${from}::date AND ${to}::date`),
    );
    return row!;
  }
}
