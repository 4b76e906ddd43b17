import { Injectable } from '@nestjs/common';
import { type SQL, sql } from 'drizzle-orm';
import { type Database, rowsOf } from '../db/database-connection.js';
import { InjectDb } from '../db/database.module.js';
import { activityDays, activityMonths, retiredMonths, users } from '../db/schema.js';
import { anyOf, sqlList } from '../db/sql.js';
import type { ActivityMetric } from '../ledger/telemetry-ledger.js';
import { Admission } from '../read-model/admission.js';
import { bucketOf, type DayRange, type Granularity, splitByMonths } from '../read-model/periods.js';
import { retiredMonthsIn } from '../read-model/retired-months.js';
import type { ActivityRankMetric } from '../read-model/sums.js';
import { MAX_ACTIVITY_KEYS } from './activity.schemas.js';

/**
 * Reads of telemetry's activity (activity_days per user, day, metric and key; activity_months per
 * user, month and metric, summed over keys). Values are numeric(24,6): counts leave SQL rounded to
 * whole numbers, active time to at most three decimals, both as text.
 */

/** The stored metric each ranked one sums (activeTime: both keys, user and cli). */
const STORED: Record<ActivityRankMetric, ActivityMetric> = {
  sessions: 'sessions',
  linesAdded: 'linesAdded',
  commits: 'commits',
  pullRequests: 'pullRequests',
  activeTime: 'activeTime',
};

/** A sum as the API ranks and prints it: counts whole, seconds to three places. */
const rounded = (metric: ActivityMetric, sum: SQL): SQL => (metric === 'activeTime' ? sql`round(${sum}, 3)` : sql`round(${sum})`);

/** A rounded value as text without trailing zeros ('12', '754.113', '0.5'). */
const text = (value: SQL): SQL => sql`trim_scale(${value})::text`;

/** The first day of the month a day belongs to. */
const monthOf = (day: string) => `${day.slice(0, 7)}-01`;

/**
 * Rows of (user_id, value) of some metrics over a range: whole months from activity_months, loose
 * days from activity_days. Loose days in a retired month are gone: that month counts whole, as the
 * token leaderboards count it (the caller says so with granularity 'month').
 */
function rowsIn(
  metrics: ActivityMetric[],
  range: DayRange | undefined,
  lastDataDay: string | undefined,
  retired: ReadonlySet<string>,
  userIds?: number[],
): SQL {
  const [a, m] = [activityDays, activityMonths];
  const only = (column: typeof a.metric | typeof m.metric) => sql`${column} IN ${sqlList(metrics)}`;
  const usersOf = (column: typeof a.userId | typeof m.userId) => (userIds ? sql`AND ${column} IN ${sqlList(userIds, '::int')}` : sql``);
  if (!range) return sql`SELECT ${m.userId} AS user_id, ${m.metric} AS metric, ${m.value} AS value FROM ${m} WHERE ${only(m.metric)} ${usersOf(m.userId)}`;
  const split = splitByMonths(range, lastDataDay);
  const months = [...new Set([...split.months, ...split.edges.filter((e) => retired.has(monthOf(e.from))).map((e) => monthOf(e.from))])];
  const edges = split.edges.filter((e) => !retired.has(monthOf(e.from)));
  const parts: SQL[] = [];
  if (months.length > 0) {
    parts.push(sql`SELECT ${m.userId} AS user_id, ${m.metric} AS metric, ${m.value} AS value FROM ${m}
                    WHERE ${only(m.metric)} AND ${m.month} IN ${sqlList(months, '::date')} ${usersOf(m.userId)}`);
  }
  for (const edge of edges) {
    parts.push(sql`SELECT ${a.userId} AS user_id, ${a.metric} AS metric, ${a.value} AS value FROM ${a}
                    WHERE ${only(a.metric)} AND ${a.date} BETWEEN ${edge.from}::date AND ${edge.to}::date ${usersOf(a.userId)}`);
  }
  return parts.length > 0 ? sql.join(parts, sql` UNION ALL `) : sql`SELECT NULL::int AS user_id, NULL::text AS metric, NULL::numeric AS value WHERE false`;
}

/**
 * One user's rows (date, metric, key, value) in a range: days from activity_days, and each retired
 * month of the range whole from activity_months, dated its first day (its days are gone).
 */
function userRows(userId: number, range: DayRange, retired: readonly string[]): SQL {
  const [a, m] = [activityDays, activityMonths];
  const days = sql`SELECT ${a.date} AS date, ${a.metric} AS metric, ${a.key} AS key, ${a.value} AS value FROM ${a}
                    WHERE ${a.userId} = ${userId} AND ${a.date} BETWEEN ${range.from}::date AND ${range.to}::date`;
  if (retired.length === 0) return days;
  return sql`${days} UNION ALL
             SELECT ${m.month}, ${m.metric}, ${m.key}, ${m.value} FROM ${m} WHERE ${m.userId} = ${userId} AND ${m.month} IN ${sqlList([...retired], '::date')}`;
}

export interface ActivityRankRow {
  userId: number;
  username: string;
  rank: number;
  value: string;
}

/** Per-user rows (with a user_id column) restricted to the users an admission lets a ranking list. */
const admitted = (rows: SQL, admission: Admission): SQL => (admission.everyone ? rows : sql`SELECT * FROM (${rows}) a WHERE ${admission.sql(sql`a.user_id`)}`);

@Injectable()
export class ActivityRepository {
  constructor(@InjectDb() private readonly db: Database) {}

  /**
   * A user's activity in a range, per bucket and over the whole range (bucket null), per stored
   * metric and, for active time, key (user, cli); other metrics are summed over their keys.
   */
  async userSums(userId: number, range: DayRange, granularity: Granularity, retired: readonly string[]) {
    const date = sql`r.date`;
    return rowsOf<{ bucket: string | null; metric: string; part: string; value: string }>(
      await this.db.execute(sql`
        SELECT bucket, metric, part,
               ${text(sql`CASE WHEN metric = 'activeTime' THEN round(sum(value), 3) ELSE round(sum(value)) END`)} AS value
          FROM (SELECT ${bucketOf(granularity, date)}::text AS bucket, metric,
                       CASE WHEN metric = 'activeTime' THEN key ELSE '' END AS part, value
                  FROM (${userRows(userId, range, retired)}) r) x
         GROUP BY GROUPING SETS ((bucket, metric, part), (metric, part))
         ORDER BY bucket NULLS FIRST, metric, part`),
    );
  }

  /**
   * Per key (`tool|language` for edit decisions, the model for API requests and errors), a pair of
   * metrics' sums over a range: the MAX_ACTIVITY_KEYS keys with the most, then by key's first part and key.
   */
  async keyedPairs(userId: number, range: DayRange, retired: readonly string[], first: ActivityMetric, second: ActivityMetric, order: 'both' | 'first') {
    const sumOf = (metric: ActivityMetric) => sql`round(coalesce(sum(value) FILTER (WHERE metric = ${metric}), 0))`;
    const weight = order === 'both' ? sql`round(sum(value))` : sumOf(first);
    return rowsOf<{ key: string; first: string; second: string }>(
      await this.db.execute(sql`
        SELECT key, ${text(sumOf(first))} AS first, ${text(sumOf(second))} AS second
          FROM (${userRows(userId, range, retired)}) r
         WHERE metric IN (${first}, ${second})
         GROUP BY key
         ORDER BY ${weight} DESC, split_part(key, '|', 1), key
         LIMIT ${MAX_ACTIVITY_KEYS}`),
    );
  }

  /**
   * The first and last day with activity of some metrics (nulls without any): a lookup per metric in
   * activity_days_metric_date_idx, and where retention retired the first months, their first days
   * (only months are left of them).
   */
  async bounds(metrics: ActivityMetric[]): Promise<{ from: string | null; to: string | null }> {
    const [a, m, r] = [activityDays, activityMonths, retiredMonths];
    const [row] = rowsOf<{ from: string | null; to: string | null }>(
      await this.db.execute(sql`
        SELECT min(b.first)::text AS "from", max(b.last)::text AS "to"
          FROM (SELECT x.first, x.last
                  FROM jsonb_array_elements_text(${JSON.stringify(metrics)}::jsonb) AS k(metric)
                  CROSS JOIN LATERAL (SELECT min(${a.date}) AS first, max(${a.date}) AS last FROM ${a} WHERE ${a.metric} = k.metric) x
                UNION ALL
                SELECT min(${m.month}), max((${m.month} + interval '1 month' - interval '1 day')::date)
                  FROM ${m} JOIN ${r} ON ${r.month} = ${m.month}
                 WHERE ${m.metric} IN ${sqlList(metrics)}) b`),
    );
    return { from: row?.from ?? null, to: row?.to ?? null };
  }

  /** Each user's value of a ranked metric over a range, non-zero only: `per_user(user_id, v)`. */
  private async perUser(metric: ActivityRankMetric, range: DayRange | undefined, retired: ReadonlySet<string>): Promise<SQL> {
    const stored = STORED[metric];
    const last = range ? (await this.bounds([stored])).to : null;
    return sql`SELECT user_id, ${rounded(stored, sql`sum(value)`)} AS v
                 FROM (${rowsIn([stored], range, last ?? undefined, retired)}) rows
                GROUP BY user_id
               HAVING ${rounded(stored, sql`sum(value)`)} > 0`;
  }

  /** Users ranked by an activity metric over a range (undefined: all time): ties share a rank and are ordered by username. */
  async leaderboard(
    metric: ActivityRankMetric,
    range: DayRange | undefined,
    limit: number,
    offset: number,
    retired: ReadonlySet<string> = new Set(),
    admission: Admission = Admission.EVERYONE,
  ): Promise<{ total: number; rows: ActivityRankRow[] }> {
    const perUser = admitted(await this.perUser(metric, range, retired), admission);
    const rows = rowsOf<{ user_id: number | string; username: string; rank: string; total: string; value: string }>(
      await this.db.execute(sql`
        WITH per_user AS (${perUser}), ranked AS (
          SELECT p.user_id, ${users.username} AS username, p.v, rank() OVER (ORDER BY p.v DESC) AS position, count(*) OVER () AS total
            FROM per_user p JOIN ${users} ON ${users.id} = p.user_id
        )
        SELECT user_id, username, position::text AS rank, total::text AS total, ${text(sql`v`)} AS value
          FROM ranked
         ORDER BY position, username
         LIMIT ${limit} OFFSET ${offset}`),
    );
    const total = rows[0]
      ? Number(rows[0].total)
      : Number(rowsOf<{ n: string }>(await this.db.execute(sql`SELECT count(*)::text AS n FROM (${perUser}) p`))[0].n);
    return { total, rows: rows.map((r) => ({ userId: Number(r.user_id), username: r.username, rank: Number(r.rank), value: r.value })) };
  }

  /** One user's place: users ranked, the user's value (null without activity) and the users with strictly more. */
  async rankOf(
    metric: ActivityRankMetric,
    range: DayRange | undefined,
    userId: number,
    retired: ReadonlySet<string> = new Set(),
    admission = Admission.EVERYONE,
  ) {
    const [row] = rowsOf<{ total: string; value: string | null; ahead: string }>(
      await this.db.execute(sql`
        WITH per_user AS (${admitted(await this.perUser(metric, range, retired), admission)}),
             me AS (SELECT v FROM per_user WHERE user_id = ${userId})
        SELECT (SELECT count(*) FROM per_user)::text AS total,
               (SELECT ${text(sql`v`)} FROM me) AS value,
               (SELECT count(*) FROM per_user p, me WHERE p.v > me.v)::text AS ahead`),
    );
    return { total: Number(row.total), value: row.value, ahead: Number(row.ahead) };
  }

  /** The retired months (first days) that overlap a range. */
  retiredMonths(range: DayRange): Promise<string[]> {
    return retiredMonthsIn(this.db, range);
  }

  /** The listed users' value of a ranked metric on each day of a range with activity (activity_days_metric_date_idx). */
  async dailyValues(userIds: number[], range: DayRange, metric: ActivityRankMetric) {
    if (userIds.length === 0) return [];
    const a = activityDays;
    const stored = STORED[metric];
    return rowsOf<{ user_id: number | string; day: string; value: string }>(
      await this.db.execute(sql`
        SELECT ${a.userId} AS user_id, ${a.date}::text AS day, ${text(rounded(stored, sql`sum(${a.value})`))} AS value
          FROM ${a}
         WHERE ${a.metric} = ${stored} AND ${a.date} BETWEEN ${range.from}::date AND ${range.to}::date AND ${a.userId} IN ${sqlList(userIds, '::int')}
         GROUP BY ${a.userId}, ${a.date}`),
    ).map((r) => ({ userId: Number(r.user_id), day: r.day, value: r.value }));
  }

  /**
   * Every user's activity over a range (all time: activity_months), per metric, and the distinct
   * users with any. With `hidden` users, also how many of them have something in each metric: the
   * hidden part of each sum (docs/privacy.md, "Community totals"), from the same per-user sums.
   */
  async summary(
    metrics: ActivityMetric[],
    range: DayRange | undefined,
    retired: ReadonlySet<string> = new Set(),
    hidden: number[] = [],
  ): Promise<{ users: number; sums: Map<string, string>; hidden: Map<string, number> }> {
    const last = range ? (await this.bounds(metrics)).to : null;
    // One pass: sums per metric and per user (a user's row has no metric); the users are those
    // rows with something in them. With hidden users, per metric and user instead of per metric
    // (a metric's sum adds its users', exactly: numeric), so each metric's hidden users are counted.
    const withHidden = hidden.length > 0;
    const hiddenCount = withHidden ? sql`count(*) FILTER (WHERE metric IS NOT NULL AND s > 0 AND user_id = ${anyOf(hidden, 'int')})` : sql`0`;
    const rows = rowsOf<{ metric: string | null; value: string; users: string; hidden: string }>(
      await this.db.execute(sql`
        SELECT metric, ${text(sql`CASE WHEN metric = 'activeTime' THEN round(sum(s), 3) ELSE round(sum(s)) END`)} AS value,
               count(*) FILTER (WHERE metric IS NULL AND s > 0)::text AS users, ${hiddenCount}::text AS hidden
          FROM (SELECT user_id, metric, sum(value) AS s FROM (${rowsIn(metrics, range, last ?? undefined, retired)}) rows
                 GROUP BY GROUPING SETS (${withHidden ? sql`(metric, user_id)` : sql`(metric)`}, (user_id))) sums
         GROUP BY metric`),
    );
    const perMetric = rows.filter((r) => r.metric !== null);
    return {
      users: Number(rows.find((r) => r.metric === null)?.users ?? 0),
      sums: new Map(perMetric.map((r) => [r.metric!, r.value])),
      hidden: new Map(perMetric.map((r) => [r.metric!, Number(r.hidden)])),
    };
  }
}
