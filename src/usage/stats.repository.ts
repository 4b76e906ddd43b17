import { Injectable } from '@nestjs/common';
import { sql, type SQL } from 'drizzle-orm';
import { aliased, as, intText, list, money, nameOf, tokenKinds, tokenTotal } from '../db/columns.js';
import { type Database, rowsOf } from '../db/database-connection.js';
import { InjectDb } from '../db/database.module.js';
import { dayStats, modelUsage, usageStats, userModelMonths, userModelTotals, userMonthStats, users, userTotals } from '../db/schema.js';
import { anyOf, sqlList } from '../db/sql.js';
import type { BucketMask } from '../models/models.repository.js';
import { Admission } from '../read-model/admission.js';
import { bucketOf, type DayRange, type Granularity, splitByMonths } from '../read-model/periods.js';
import { retiredMonthsIn } from '../read-model/retired-months.js';
import { asKey, type Keyed, keyedRows, type RowOf, type TextRowOf } from '../read-model/rows.js';
import { daysIn, liveDayStats } from '../read-model/shared-days.js';
import { ACTIVE_DAYS, activeInRange, type ActiveDaysRow, METRIC_COLUMNS, type Metric, SUM_COLUMNS, type SumsRow } from '../read-model/sums.js';
import { hiddenCounts, type HiddenCountsRow, type HiddenPart, type HiddenSets, partOf } from '../read-model/withholding.js';

type RankedRow = SumsRow &
  ActiveDaysRow &
  RowOf<typeof usageStats, 'userId'> &
  RowOf<typeof users, 'username'> & {
    rank: string;
    /** Users in the whole ranking, before the page was cut. */
    total: string;
  };

export type LeaderboardRow = Keyed<RankedRow>;

/** The first day of the month a day belongs to. */
const monthOf = (day: string) => `${day.slice(0, 7)}-01`;

/** What a per-user row carries, in this order, from usage_stats or user_month_stats (named alike). */
const perUserColumns = (t: typeof usageStats | typeof userMonthStats) =>
  list(t.userId, t.inputTokens, t.outputTokens, t.cacheCreationInputTokens, t.cacheReadInputTokens, t.totalTokens, t.totalCost);

/** The summed columns of a per-user row (usage_stats, user_month_stats and user_totals name them alike). */
export const PER_USER_SUMS = [
  usageStats.inputTokens,
  usageStats.outputTokens,
  usageStats.cacheCreationInputTokens,
  usageStats.cacheReadInputTokens,
  usageStats.totalTokens,
  usageStats.totalCost,
];

/** The names of those columns, for the queries that read them back from a derived table. */
const PER_USER = PER_USER_SUMS.map(nameOf);

/**
 * A range as per-user reads split it: whole months (read from monthly summaries) and loose days
 * (read from daily rows). Loose days in a retired month are gone, so that month is among the whole
 * months (the caller says so with granularity 'month'). Team reads split their models the same way.
 */
export function splitForSums(range: DayRange, lastDataDay: string | undefined, retired: ReadonlySet<string>): { months: string[]; edges: DayRange[] } {
  const split = splitByMonths(range, lastDataDay);
  const widened = split.edges.filter((e) => retired.has(monthOf(e.from))).map((e) => monthOf(e.from));
  return { months: [...new Set([...split.months, ...widened])], edges: split.edges.filter((e) => !retired.has(monthOf(e.from))) };
}

/**
 * Per-user rows over a range: whole months from user_month_stats, loose days from usage_stats
 * (covering index on date; with `userIds`, user_date_idx); `all` is user_totals. Retired months
 * count whole (splitForSums).
 */
export function perUserRows(range: DayRange, lastDataDay: string | undefined, retired: ReadonlySet<string>, userIds?: number[]): SQL {
  const { months, edges } = splitForSums(range, lastDataDay, retired);
  const m = userMonthStats;
  const s = usageStats;
  // One array parameter, not a list of values: the planner then reads the listed users' rows through the
  // user-keyed indexes (primary key, user_date_idx), where with a long visible list it chose the month or
  // date index and filtered every user's rows (a team's thousands of members).
  const only = (column: typeof m.userId | typeof s.userId) => (userIds ? sql`AND ${column} = ${anyOf(userIds, 'int')}` : sql``);
  const parts: SQL[] = [];
  if (months.length) {
    parts.push(sql`SELECT ${perUserColumns(m)}, ${m.activeDays} FROM ${m} WHERE ${m.month} IN ${sqlList(months, '::date')} ${only(m.userId)}`);
  }
  for (const edge of edges) {
    parts.push(
      sql`SELECT ${perUserColumns(s)}, 1 AS ${ACTIVE_DAYS} FROM ${s} WHERE ${s.date} BETWEEN ${edge.from}::date AND ${edge.to}::date ${only(s.userId)}`,
    );
  }
  return sql.join(parts, sql` UNION ALL `);
}

@Injectable()
export class StatsRepository {
  constructor(@InjectDb() private readonly db: Database) {}

  /** Retired months (first days) that overlap a range, or all of them. */
  retiredMonths(range: DayRange | undefined): Promise<string[]> {
    return retiredMonthsIn(this.db, range);
  }

  /** Users ranked by a metric over a range; ties share a rank and are ordered by username. */
  async leaderboard(
    range: DayRange | undefined,
    metric: Metric,
    limit: number,
    offset: number,
    retired: ReadonlySet<string> = new Set(),
    admission: Admission = Admission.EVERYONE,
  ): Promise<LeaderboardRow[]> {
    const userId = nameOf(usageStats.userId);
    const activeDays = ACTIVE_DAYS;
    const perUser = await this.perUser(range, retired, admission);
    const [input, output, cacheCreation, cacheRead, total, cost] = PER_USER;
    const p = (c: SQL) => sql`p.${c}`;
    return keyedRows<RankedRow>(
      await this.db.execute(sql`
        WITH per_user AS (${perUser}), ranked AS (
          SELECT p.*, ${users.username}, rank() OVER (ORDER BY ${p(nameOf(METRIC_COLUMNS[metric]))} DESC) AS position, count(*) OVER () AS total
            FROM per_user p JOIN ${users} ON ${users.id} = ${p(userId)}
        )
        SELECT ${userId}, ${nameOf(users.username)}, position::text AS rank, total::text AS total, ${activeDays}::text AS ${activeDays},
               ${sql.join(
                 [input, output, cacheCreation, cacheRead, total].map((c) => sql`${c}::text AS ${c}`),
                 sql`, `,
               )},
               ${money(cost)} AS ${cost}
          FROM ranked
         ORDER BY position, ${nameOf(users.username)}
         LIMIT ${limit} OFFSET ${offset}`),
    );
  }

  /**
   * Each admitted user's sums and active days over a range (all time: user_totals), as the
   * leaderboard ranks them.
   */
  private async perUser(range: DayRange | undefined, retired: ReadonlySet<string>, admission: Admission): Promise<SQL> {
    const rows = await this.everyUser(range, retired);
    return admission.everyone ? rows : sql`SELECT * FROM (${rows}) a WHERE ${admission.sql(sql`a.${nameOf(usageStats.userId)}`)}`;
  }

  private async everyUser(range: DayRange | undefined, retired: ReadonlySet<string>): Promise<SQL> {
    const t = userTotals;
    if (!range) {
      return sql`SELECT ${list(t.userId, t.inputTokens, t.outputTokens, t.cacheCreationInputTokens, t.cacheReadInputTokens, t.totalTokens, t.totalCost, t.activeDays)} FROM ${t}`;
    }
    const userId = nameOf(usageStats.userId);
    return sql`SELECT ${userId}, ${sql.join(
      [...PER_USER, ACTIVE_DAYS].map((c) => sql`sum(${c}) AS ${c}`),
      sql`, `,
    )}
                 FROM (${perUserRows(range, (await this.dataBounds())?.to, retired)}) rows
                GROUP BY ${userId}`;
  }

  /**
   * The listed users' sums and active days over a range, counted as the leaderboard counts them
   * (whole months, loose days, retired months whole; all time from user_totals), in one query:
   * the token fields of a page ranked by something else (an activity metric).
   */
  async pageTotals(
    userIds: number[],
    range: DayRange | undefined,
    retired: ReadonlySet<string>,
  ): Promise<Array<Keyed<SumsRow & ActiveDaysRow & { user_id: string }>>> {
    if (userIds.length === 0) return [];
    const t = userTotals;
    const userId = nameOf(usageStats.userId);
    const rows = range
      ? perUserRows(range, (await this.dataBounds())?.to, retired, userIds)
      : sql`SELECT ${list(t.userId, t.inputTokens, t.outputTokens, t.cacheCreationInputTokens, t.cacheReadInputTokens, t.totalTokens, t.totalCost, t.activeDays)}
              FROM ${t} WHERE ${t.userId} IN ${sqlList(userIds, '::int')}`;
    return keyedRows<SumsRow & ActiveDaysRow & { user_id: string }>(
      await this.db.execute(sql`
        SELECT ${userId}::text AS ${userId}, ${SUM_COLUMNS}, ${intText(sql`sum(${ACTIVE_DAYS})`)} AS ${ACTIVE_DAYS}
          FROM (${rows}) rows
         GROUP BY ${userId}`),
    );
  }

  /**
   * One user's place in the leaderboard of a range: users ranked, the user's value (text, null
   * without rows in the range) and how many users have strictly more, so that the rank, with the
   * leaderboard's tie rule, is that count plus one.
   */
  async rankOf(range: DayRange | undefined, metric: Metric, userId: number, retired: ReadonlySet<string> = new Set(), admission = Admission.EVERYONE) {
    const column = nameOf(METRIC_COLUMNS[metric]);
    const value = metric === 'cost' ? money(sql`v`) : sql`v::text`;
    const [row] = rowsOf<{ total: string; value: string | null; ahead: string }>(
      await this.db.execute(sql`
        WITH per_user AS (${await this.perUser(range, retired, admission)}),
             me AS (SELECT ${column} AS v FROM per_user WHERE ${nameOf(usageStats.userId)} = ${userId})
        SELECT (SELECT count(*) FROM per_user)::text AS total,
               (SELECT ${value} FROM me) AS value,
               (SELECT count(*) FROM per_user p, me WHERE p.${column} > me.v)::text AS ahead`),
    );
    return { total: Number(row.total), value: row.value, ahead: Number(row.ahead) };
  }

  /**
   * The listed users' daily values of a metric in a range (user_date_idx), one row per user and day
   * with data: tokens as integer text, cost with four places.
   */
  async dailyValues(userIds: number[], range: DayRange, metric: Metric) {
    if (userIds.length === 0) return [];
    const s = usageStats;
    const column = METRIC_COLUMNS[metric];
    return rowsOf<Pick<typeof usageStats.$inferSelect, 'userId'> & { day: string; value: string }>(
      await this.db.execute(sql`
        SELECT ${asKey(usageStats, 'userId', s.userId)}, ${s.date}::text AS day, ${metric === 'cost' ? money(column) : intText(column)} AS value
          FROM ${s}
         WHERE ${s.userId} IN ${sqlList(userIds, '::int')} AND ${s.date} BETWEEN ${range.from}::date AND ${range.to}::date`),
    );
  }

  /** Every user's sums per day, ISO week or month of a range, from day_stats (and its deltas); buckets with data only. */
  async series(range: DayRange, granularity: Granularity) {
    const d = dayStats;
    return keyedRows<SumsRow & TextRowOf<typeof dayStats, 'activeUsers'> & { bucket: string }>(
      await this.db.execute(sql`
        SELECT ${bucketOf(granularity, d.date)}::text AS bucket, ${as(intText(sql`sum(${d.activeUsers})`), d.activeUsers)}, ${SUM_COLUMNS}
          FROM ${liveDayStats(daysIn(range))}
         GROUP BY 1 ORDER BY 1`),
    );
  }

  /** Distinct users active in each bucket, from user_month_stats' day masks. */
  async usersPerBucket(masks: BucketMask[]): Promise<Map<string, number>> {
    if (masks.length === 0) return new Map();
    const m = userMonthStats;
    const rows = rowsOf<{ bucket: string; users: string }>(
      await this.db.execute(sql`
        SELECT b.bucket, count(DISTINCT ${m.userId})::text AS users
          FROM jsonb_to_recordset(${JSON.stringify(masks)}::jsonb) AS b(bucket text, month date, mask int)
          JOIN ${m} ON ${m.month} = b.month AND ${m.dayMask} & b.mask <> 0
         GROUP BY b.bucket`),
    );
    return new Map(rows.map((r) => [r.bucket, Number(r.users)]));
  }

  /**
   * Every user's contributors per bucket that the caller may not see (docs/privacy.md), from
   * user_month_stats' day masks: only the rows of the users whose money is hidden (the primary key's lead).
   */
  async hiddenPerBucket(masks: BucketMask[], hidden: HiddenSets): Promise<Map<string, HiddenPart>> {
    if (masks.length === 0 || hidden.costHidden.length === 0) return new Map();
    const m = userMonthStats;
    const rows = keyedRows<HiddenCountsRow & { bucket: string }>(
      await this.db.execute(sql`
        SELECT b.bucket, ${hiddenCounts(m.userId, m.totalTokens, m.totalCost, hidden)}
          FROM jsonb_to_recordset(${JSON.stringify(masks)}::jsonb) AS b(bucket text, month date, mask int)
          JOIN ${m} ON ${m.userId} = ${anyOf(hidden.costHidden, 'int')} AND ${m.month} = b.month AND ${m.dayMask} & b.mask <> 0
         GROUP BY b.bucket`),
    );
    return new Map(rows.map((r) => [r.bucket, partOf(r)]));
  }

  /** The range's contributors (all time: user_totals) that the caller may not see: the summary's part. */
  async hiddenContributors(range: DayRange | undefined, hidden: HiddenSets): Promise<HiddenPart> {
    if (hidden.costHidden.length === 0) return { hidden: 0, costHidden: 0 };
    const t = range ? userMonthStats : userTotals;
    const inRange = range ? sql`AND (${activeInRange(range, userMonthStats)})` : sql``;
    const [row] = keyedRows<HiddenCountsRow>(
      await this.db.execute(sql`
        SELECT ${hiddenCounts(t.userId, t.totalTokens, t.totalCost, hidden)}
          FROM ${t} WHERE ${t.userId} = ${anyOf(hidden.costHidden, 'int')} ${inRange}`),
    );
    return partOf(row);
  }

  /** How many users have data in the range (the leaderboard's total when the page is empty). */
  async activeUsers(range: DayRange | undefined, admission: Admission = Admission.EVERYONE): Promise<number> {
    if (!range) {
      const t = userTotals;
      return Number(rowsOf<{ n: string }>(await this.db.execute(sql`SELECT count(*)::text AS n FROM ${t} WHERE ${admission.sql(sql`${t.userId}`)}`))[0].n);
    }
    const m = userMonthStats;
    const [row] = rowsOf<{ n: string }>(
      await this.db.execute(
        sql`SELECT count(DISTINCT ${m.userId})::text AS n FROM ${m} WHERE ${activeInRange(range, m)} AND ${admission.sql(sql`${m.userId}`)}`,
      ),
    );
    return Number(row.n);
  }

  /**
   * Each listed user's model with the highest cost in the range (then most tokens, then name).
   * Retired months (whole, as the leaderboard counts them) come from user_model_months' sums.
   */
  async topModels(userIds: number[], range: DayRange | undefined, retired: ReadonlySet<string> = new Set()): Promise<Map<number, string>> {
    if (userIds.length === 0) return new Map();
    const ids = sqlList(userIds, '::int');
    const mm = userModelMonths;
    const retiredRows =
      retired.size === 0
        ? sql``
        : sql`UNION ALL
              SELECT ${mm.userId}, ${mm.model}, ${mm.cost}, ${tokenTotal(mm)}
                FROM ${mm} WHERE ${mm.userId} IN ${ids} AND ${mm.month} IN ${sqlList([...retired], '::date')}`;
    const s = aliased(usageStats, 's');
    const m = aliased(modelUsage, 'm');
    const [userId, model, cost] = [nameOf(usageStats.userId), nameOf(modelUsage.model), nameOf(modelUsage.cost)];
    const t = userModelTotals;
    const rows = rowsOf<Pick<typeof usageStats.$inferSelect, 'userId'> & Pick<typeof modelUsage.$inferSelect, 'model'>>(
      await this.db.execute(
        range
          ? sql`SELECT DISTINCT ON (${userId}) ${asKey(usageStats, 'userId', userId)}, ${model}
                  FROM (SELECT ${s.t.userId}, ${m.t.model}, ${m.t.cost}, ${tokenTotal(m.t)} AS tokens
                          FROM ${s.from} JOIN ${m.from} ON ${m.t.usageStatsId} = ${s.t.id}
                         WHERE ${s.t.userId} IN ${ids} AND ${s.t.date} BETWEEN ${range.from}::date AND ${range.to}::date
                        ${retiredRows}) x
                 GROUP BY ${userId}, ${model}
                 ORDER BY ${userId}, sum(${cost}) DESC, sum(tokens) DESC, ${model}`
          : sql`SELECT DISTINCT ON (${t.userId}) ${asKey(userModelTotals, 'userId', t.userId)}, ${t.model} FROM ${t}
                 WHERE ${t.userId} IN ${ids}
                 ORDER BY ${t.userId}, ${t.cost} DESC, ${tokenTotal(t)} DESC, ${t.model}`,
      ),
    );
    return new Map(rows.map((r) => [Number(r.userId), r.model]));
  }

  /** Totals over every user in a range, from day_stats (with the deltas not folded in yet). */
  async totals(range: DayRange | undefined): Promise<Keyed<SumsRow & { days: string }>> {
    const [row] = keyedRows<SumsRow & { days: string }>(
      await this.db.execute(sql`SELECT count(*)::text AS days, ${SUM_COLUMNS} FROM ${liveDayStats(daysIn(range))}`),
    );
    return row;
  }

  /** The first and last day with data over every user. */
  async dataBounds(): Promise<DayRange | undefined> {
    const d = dayStats;
    const [row] = rowsOf<{ from: string | null; to: string | null }>(
      await this.db.execute(sql`SELECT min(${d.date})::text AS "from", max(${d.date})::text AS "to" FROM ${liveDayStats()}`),
    );
    return row?.from && row.to ? { from: row.from, to: row.to } : undefined;
  }

  async userCount(): Promise<number> {
    return Number(rowsOf<{ n: string }>(await this.db.execute(sql`SELECT count(*)::text AS n FROM ${users}`))[0].n);
  }

  /** The spec's "weekly stats": every user's days from `from` on, newest first, then by username. */
  async recentDays(from: string, limit: number, offset: number, admission: Admission) {
    const s = usageStats;
    const admitted = admission.sql(sql`${s.userId}`);
    const [rows, [count]] = [
      keyedRows<RowOf<typeof users, 'username'> & RowOf<typeof usageStats, 'userId'> & TextRowOf<typeof usageStats, 'date' | 'totalCost' | 'totalTokens'>>(
        await this.db.execute(sql`
          SELECT ${s.userId}, ${users.username}, ${as(sql`${s.date}::text`, s.date)}, ${as(money(s.totalCost), s.totalCost)},
                 ${as(sql`${s.totalTokens}::text`, s.totalTokens)}
            FROM ${s} JOIN ${users} ON ${users.id} = ${s.userId}
           WHERE ${s.date} >= ${from}::date AND ${admitted}
           ORDER BY ${s.date} DESC, ${users.username}
           LIMIT ${limit} OFFSET ${offset}`),
      ),
      rowsOf<{ n: string }>(await this.db.execute(sql`SELECT count(*)::text AS n FROM ${s} WHERE ${s.date} >= ${from}::date AND ${admitted}`)),
    ];
    return { rows, total: Number(count.n) };
  }

  /**
   * A page of every user's daily rows in a range, in (date, user) order after `after`: keyset
   * pagination over the covering index, so page 1000 costs what page 1 does.
   */
  async exportPage(range: DayRange, userId: number | undefined, after: { date: string; userId: number } | undefined, limit: number, admission: Admission) {
    const s = usageStats;
    const user = userId === undefined ? sql`` : sql`AND ${s.userId} = ${userId}`;
    const cursor = after ? sql`AND (${s.date}, ${s.userId}) > (${after.date}::date, ${after.userId})` : sql``;
    return keyedRows<SumsRow & TextRowOf<typeof usageStats, 'date'> & RowOf<typeof usageStats, 'userId'> & RowOf<typeof users, 'username'>>(
      await this.db.execute(sql`
        SELECT ${as(sql`${s.date}::text`, s.date)}, ${s.userId}, ${users.username},
               ${list(...[...tokenKinds(s), s.totalTokens].map((c) => as(intText(c), c)))},
               ${as(money(s.totalCost), s.totalCost)}
          FROM ${s} JOIN ${users} ON ${users.id} = ${s.userId}
         WHERE ${s.date} BETWEEN ${range.from}::date AND ${range.to}::date ${user} ${cursor} AND ${admission.sql(sql`${s.userId}`)}
         ORDER BY ${s.date}, ${s.userId}
         LIMIT ${limit}`),
    );
  }
}
