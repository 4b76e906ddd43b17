import { Injectable } from '@nestjs/common';
import { sql, type SQL } from 'drizzle-orm';
import { type Database, rowsOf } from '../db/database-connection.js';
import { InjectDb } from '../db/database.module.js';
import { sqlList } from '../db/sql.js';
import { type DayRange, monthMasks, splitByMonths } from '../read-model/periods.js';

export const METRICS = ['cost', 'tokens', 'input', 'output', 'cacheCreation', 'cacheRead'] as const;
export type Metric = (typeof METRICS)[number];

const METRIC_COLUMN: Record<Metric, string> = {
  cost: 'total_cost',
  tokens: 'total_tokens',
  input: 'input_tokens',
  output: 'output_tokens',
  cacheCreation: 'cache_creation_input_tokens',
  cacheRead: 'cache_read_input_tokens',
};

/** Sums as text, so that 64-bit integers and numerics reach JavaScript unrounded. */
export interface SumsRow {
  input_tokens: string;
  output_tokens: string;
  cache_creation_input_tokens: string;
  cache_read_input_tokens: string;
  total_tokens: string;
  total_cost: string;
}

export interface LeaderboardRow extends SumsRow {
  user_id: number;
  username: string;
  rank: string;
  active_days: string;
  total: string;
}

/** Money as a decimal string with exactly four places. */
export const money = (expr: string) => `to_char(coalesce(${expr}, 0), 'FM999999999999990.0000')`;
const int = (expr: string) => `coalesce(${expr}, 0)::text`;

export const SUM_COLUMNS = sql.raw(`
  ${int('sum(input_tokens)')} AS input_tokens, ${int('sum(output_tokens)')} AS output_tokens,
  ${int('sum(cache_creation_input_tokens)')} AS cache_creation_input_tokens,
  ${int('sum(cache_read_input_tokens)')} AS cache_read_input_tokens,
  ${int('sum(total_tokens)')} AS total_tokens, ${money('sum(total_cost)')} AS total_cost`);


/** `(month = … AND day_mask & … <> 0) OR …`: rows active on some day of the range. */
export const activeInRange = (range: DayRange, alias = '') =>
  sql.join(
    monthMasks(range).map(({ month, mask }) => sql`(${sql.raw(alias)}month = ${month}::date AND ${sql.raw(alias)}day_mask & ${mask} <> 0)`),
    sql` OR `,
  );

/** The first day of the month a day belongs to. */
const monthOf = (day: string) => `${day.slice(0, 7)}-01`;

/**
 * Per-user rows over a range: whole months from user_month_stats, loose days from usage_stats
 * (covering index on date); `all` is user_totals. Loose days in a retired month are gone, so that
 * month is answered whole from user_month_stats (the caller says so with granularity 'month').
 */
function perUserRows(range: DayRange, lastDataDay: string | undefined, retired: ReadonlySet<string>): SQL {
  const split = splitByMonths(range, lastDataDay);
  const widened = split.edges.filter((e) => retired.has(monthOf(e.from))).map((e) => monthOf(e.from));
  const months = [...new Set([...split.months, ...widened])];
  const edges = split.edges.filter((e) => !retired.has(monthOf(e.from)));
  const parts: SQL[] = [];
  if (months.length) {
    parts.push(sql`SELECT user_id, input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens,
                          total_tokens, total_cost, active_days FROM user_month_stats WHERE month IN ${sqlList(months, '::date')}`);
  }
  for (const edge of edges) {
    parts.push(sql`SELECT user_id, input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens,
                          total_tokens, total_cost, 1 AS active_days FROM usage_stats WHERE date BETWEEN ${edge.from}::date AND ${edge.to}::date`);
  }
  return sql.join(parts, sql` UNION ALL `);
}

@Injectable()
export class StatsRepository {
  constructor(@InjectDb() private readonly db: Database) {}

  /** Users ranked by a metric over a range; ties share a rank and are ordered by username. */
  /** Retired months (first days) that overlap a range, or all of them. */
  async retiredMonths(range: DayRange | undefined): Promise<Set<string>> {
    const where = range ? sql`WHERE month BETWEEN ${monthOf(range.from)}::date AND ${range.to}::date` : sql``;
    const rows = rowsOf<{ month: string }>(await this.db.execute(sql`SELECT month::text AS month FROM retired_months ${where}`));
    return new Set(rows.map((r) => r.month));
  }

  async leaderboard(range: DayRange | undefined, metric: Metric, limit: number, offset: number, retired: ReadonlySet<string> = new Set()): Promise<LeaderboardRow[]> {
    const column = sql.raw(METRIC_COLUMN[metric]);
    const perUser = range
      ? sql`SELECT user_id, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
                   sum(cache_creation_input_tokens) AS cache_creation_input_tokens,
                   sum(cache_read_input_tokens) AS cache_read_input_tokens, sum(total_tokens) AS total_tokens,
                   sum(total_cost) AS total_cost, sum(active_days) AS active_days
              FROM (${perUserRows(range, (await this.dataBounds())?.to, retired)}) rows
             GROUP BY user_id`
      : sql`SELECT user_id, input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens,
                   total_tokens, total_cost, active_days FROM user_totals`;
    return rowsOf<LeaderboardRow>(
      await this.db.execute(sql`
        WITH per_user AS (${perUser}), ranked AS (
          SELECT p.*, u.username, rank() OVER (ORDER BY p.${column} DESC) AS position, count(*) OVER () AS total
            FROM per_user p JOIN users u ON u.id = p.user_id
        )
        SELECT user_id, username, position::text AS rank, total::text AS total, active_days::text AS active_days,
               input_tokens::text AS input_tokens, output_tokens::text AS output_tokens,
               cache_creation_input_tokens::text AS cache_creation_input_tokens,
               cache_read_input_tokens::text AS cache_read_input_tokens, total_tokens::text AS total_tokens,
               ${sql.raw(money('total_cost'))} AS total_cost
          FROM ranked
         ORDER BY position, username
         LIMIT ${limit} OFFSET ${offset}`),
    );
  }

  /** How many users have data in the range (the leaderboard's total when the page is empty). */
  async activeUsers(range: DayRange | undefined): Promise<number> {
    if (!range) return Number(rowsOf<{ n: string }>(await this.db.execute(sql`SELECT count(*)::text AS n FROM user_totals`))[0]!.n);
    const [row] = rowsOf<{ n: string }>(
      await this.db.execute(sql`SELECT count(DISTINCT user_id)::text AS n FROM user_month_stats WHERE ${activeInRange(range)}`),
    );
    return Number(row!.n);
  }

  /**
   * Each listed user's model with the highest cost in the range (then most tokens, then name).
   * Retired months (whole, as the leaderboard counts them) come from user_model_months' sums.
   */
  async topModels(userIds: number[], range: DayRange | undefined, retired: ReadonlySet<string> = new Set()): Promise<Map<number, string>> {
    if (userIds.length === 0) return new Map();
    const ids = sqlList(userIds, '::int');
    const retiredRows =
      retired.size === 0
        ? sql``
        : sql`UNION ALL
              SELECT user_id, model, cost, input_tokens + output_tokens + cache_creation_input_tokens + cache_read_input_tokens
                FROM user_model_months WHERE user_id IN ${ids} AND month IN ${sqlList([...retired], '::date')}`;
    const rows = rowsOf<{ user_id: number; model: string }>(
      await this.db.execute(
        range
          ? sql`SELECT DISTINCT ON (user_id) user_id, model
                  FROM (SELECT s.user_id, m.model, m.cost,
                               m.input_tokens + m.output_tokens + m.cache_creation_input_tokens + m.cache_read_input_tokens AS tokens
                          FROM usage_stats s JOIN model_usage m ON m.usage_stats_id = s.id
                         WHERE s.user_id IN ${ids} AND s.date BETWEEN ${range.from}::date AND ${range.to}::date
                        ${retiredRows}) x
                 GROUP BY user_id, model
                 ORDER BY user_id, sum(cost) DESC, sum(tokens) DESC, model`
          : sql`SELECT DISTINCT ON (user_id) user_id, model FROM user_model_totals
                 WHERE user_id IN ${ids}
                 ORDER BY user_id, cost DESC, input_tokens + output_tokens + cache_creation_input_tokens + cache_read_input_tokens DESC, model`,
      ),
    );
    return new Map(rows.map((r) => [Number(r.user_id), r.model]));
  }

  /** Totals over every user in a range, from day_stats. */
  async totals(range: DayRange | undefined): Promise<SumsRow & { days: string }> {
    const where = range ? sql`WHERE date BETWEEN ${range.from}::date AND ${range.to}::date` : sql``;
    const [row] = rowsOf<SumsRow & { days: string }>(
      await this.db.execute(sql`SELECT count(*)::text AS days, ${SUM_COLUMNS} FROM day_stats ${where}`),
    );
    return row!;
  }

  /** The first and last day with data over every user. */
  async dataBounds(): Promise<DayRange | undefined> {
    const [row] = rowsOf<{ from: string | null; to: string | null }>(
      await this.db.execute(sql`SELECT min(date)::text AS "from", max(date)::text AS "to" FROM day_stats`),
    );
    return row?.from && row.to ? { from: row.from, to: row.to } : undefined;
  }

  async userCount(): Promise<number> {
    return Number(rowsOf<{ n: string }>(await this.db.execute(sql`SELECT count(*)::text AS n FROM users`))[0]!.n);
  }

  /** The spec's "weekly stats": every user's days from `from` on, newest first, then by username. */
  async recentDays(from: string, limit: number, offset: number) {
    const [rows, [count]] = [
      rowsOf<{ username: string; date: string; total_cost: string; total_tokens: string }>(
        await this.db.execute(sql`
          SELECT u.username, s.date::text AS date, ${sql.raw(money('s.total_cost'))} AS total_cost, s.total_tokens::text AS total_tokens
            FROM usage_stats s JOIN users u ON u.id = s.user_id
           WHERE s.date >= ${from}::date
           ORDER BY s.date DESC, u.username
           LIMIT ${limit} OFFSET ${offset}`),
      ),
      rowsOf<{ n: string }>(await this.db.execute(sql`SELECT count(*)::text AS n FROM usage_stats WHERE date >= ${from}::date`)),
    ];
    return { rows, total: Number(count!.n) };
  }

  /**
   * A page of every user's daily rows in a range, in (date, user) order after `after`: keyset
   * pagination over the covering index, so page 1000 costs what page 1 does.
   */
  async exportPage(range: DayRange, userId: number | undefined, after: { date: string; userId: number } | undefined, limit: number) {
    const user = userId === undefined ? sql`` : sql`AND s.user_id = ${userId}`;
    const cursor = after ? sql`AND (s.date, s.user_id) > (${after.date}::date, ${after.userId})` : sql``;
    return rowsOf<SumsRow & { date: string; user_id: number; username: string }>(
      await this.db.execute(sql`
        SELECT s.date::text AS date, s.user_id, u.username, s.input_tokens::text AS input_tokens,
               s.output_tokens::text AS output_tokens, s.cache_creation_input_tokens::text AS cache_creation_input_tokens,
               s.cache_read_input_tokens::text AS cache_read_input_tokens, s.total_tokens::text AS total_tokens,
               ${sql.raw(money('s.total_cost'))} AS total_cost
          FROM usage_stats s JOIN users u ON u.id = s.user_id
         WHERE s.date BETWEEN ${range.from}::date AND ${range.to}::date ${user} ${cursor}
         ORDER BY s.date, s.user_id
         LIMIT ${limit}`),
    );
  }
}
