import { Injectable } from '@nestjs/common';
import { type AnyColumn, sql, type SQL } from 'drizzle-orm';
import { aliased, as, intText, list, money, nameOf, type TokenKinds, tokenKinds } from '../db/columns.js';
import { type Database, rowsOf } from '../db/database-connection.js';
import { InjectDb } from '../db/database.module.js';
import { modelUsage, usageStats, userModelMonths, userModelTotals, userMonthStats, users, userTotals } from '../db/schema.js';
import { anyOf, sqlList } from '../db/sql.js';
import { bucketOf, type DayRange, type Granularity, monthMasks } from '../read-model/periods.js';
import { retiredMonthsIn } from '../read-model/retired-months.js';
import { type Keyed, keyedRows, type RowOf, type TextRowOf } from '../read-model/rows.js';
import { ACTIVE_DAYS, type ActiveDaysRow, type SumsRow } from '../read-model/sums.js';
import { PER_USER_SUMS, perUserRows, splitForSums } from '../usage/stats.repository.js';

/**
 * Whom a team read counts: the members the caller may see (`ids`), and among them those whose money
 * the caller may not see (`costHidden`), whose tokens count but whose cost does not.
 */
export interface Counted {
  ids: number[];
  costHidden: number[];
}

export interface Page {
  limit: number;
  offset: number;
}

type MemberSumsRow = SumsRow & ActiveDaysRow & TextRowOf<typeof usageStats, 'userId'> & RowOf<typeof users, 'username' | 'displayName'>;

type SeriesRow = SumsRow & { bucket: string; retired: boolean; active_members: string };

type TeamModelRow = TextRowOf<typeof modelUsage, 'provider' | 'inputTokens' | 'outputTokens' | 'cacheCreationInputTokens' | 'cacheReadInputTokens' | 'cost'> & {
  key: string;
  users: string;
  cost_share: string | null;
  /** Rows in the whole list, before the page was cut. */
  total: string;
};

/** The summed columns of a per-user row. */
const SUMMED = PER_USER_SUMS;

/**
 * Sums over bare column names, the cost only over members whose money the caller sees: a hidden
 * member's money never enters a figure another reader gets.
 */
function countedSums(costHidden: number[], userId: SQL, cost: SQL = nameOf(usageStats.totalCost), costAs: SQL = cost): SQL {
  const tokens = SUMMED.filter((c) => c !== usageStats.totalCost).map((c) => sql`${intText(sql`sum(${nameOf(c)})`)} AS ${nameOf(c)}`);
  return list(...tokens, sql`${money(countedCost(costHidden, userId, cost))} AS ${costAs}`);
}

/** `sum(cost)` over the members whose money the caller sees. */
function countedCost(costHidden: number[], userId: SQL, cost: SQL): SQL {
  return costHidden.length === 0 ? sql`sum(${cost})` : sql`sum(${cost}) FILTER (WHERE NOT (${userId} = ${anyOf(costHidden, 'int')}))`;
}

/**
 * A team's figures, read per request from the per-user summary tables through their user-keyed
 * indexes, restricted to the counted members: whole months from user_month_stats and
 * user_model_months (primary keys lead with user_id), loose days from usage_stats by user_date_idx
 * (and model_usage by usage_stats_model_idx), all time from user_totals and user_model_totals. The
 * work is bounded by members × months plus members × loose days, whatever the server's size.
 */
@Injectable()
export class TeamStatsRepository {
  constructor(@InjectDb() private readonly db: Database) {}

  retiredMonths(range: DayRange | undefined): Promise<string[]> {
    return retiredMonthsIn(this.db, range);
  }

  /** The first and last day any of the members has data (undefined when none has). */
  async bounds(ids: number[]): Promise<DayRange | undefined> {
    if (ids.length === 0) return undefined;
    const t = userTotals;
    const [row] = rowsOf<{ from: string | null; to: string | null }>(
      await this.db.execute(
        sql`SELECT min(${t.firstDate})::text AS "from", max(${t.lastDate})::text AS "to" FROM ${t} WHERE ${t.userId} = ${anyOf(ids, 'int')}`,
      ),
    );
    return row?.from && row.to ? { from: row.from, to: row.to } : undefined;
  }

  /**
   * Each member's sums and active days over a range (all time: user_totals), counted as the
   * leaderboard counts them (whole months, loose days, retired months whole), members with data
   * only, most cost first and then by username: the leaderboard's order by cost.
   */
  async memberSums(
    ids: number[],
    range: DayRange | undefined,
    retired: ReadonlySet<string>,
    lastDataDay: string | undefined,
  ): Promise<Array<Keyed<MemberSumsRow>>> {
    if (ids.length === 0) return [];
    const t = userTotals;
    const rows = range
      ? perUserRows(range, lastDataDay, retired, ids)
      : sql`SELECT ${list(t.userId, t.inputTokens, t.outputTokens, t.cacheCreationInputTokens, t.cacheReadInputTokens, t.totalTokens, t.totalCost, t.activeDays)}
              FROM ${t} WHERE ${t.userId} = ${anyOf(ids, 'int')}`;
    const userId = nameOf(usageStats.userId);
    const cost = nameOf(usageStats.totalCost);
    return keyedRows<MemberSumsRow>(
      await this.db.execute(sql`
        SELECT r.${userId}::text AS ${userId}, ${users.username}, ${users.displayName},
               ${list(...SUMMED.filter((c) => c !== usageStats.totalCost).map((c) => sql`${intText(sql`sum(r.${nameOf(c)})`)} AS ${nameOf(c)}`))},
               ${money(sql`sum(r.${cost})`)} AS ${cost}, ${intText(sql`sum(r.${ACTIVE_DAYS})`)} AS ${ACTIVE_DAYS}
          FROM (${rows}) r JOIN ${users} ON ${users.id} = r.${userId} AND ${users.id} = ${anyOf(ids, 'int')}
         GROUP BY r.${userId}, ${users.username}, ${users.displayName}
         ORDER BY sum(r.${cost}) DESC, ${users.username}`),
    );
  }

  /**
   * Members active in the range and days on which any of them was, from user_month_stats' day
   * masks (each month's mask clipped to the range): exact even in retired months, whose masks stay.
   */
  async activity(ids: number[], range: DayRange | undefined): Promise<{ activeMembers: number; days: number }> {
    if (ids.length === 0) return { activeMembers: 0, days: 0 };
    const m = userMonthStats;
    const masks = range ? monthMasks(range) : undefined;
    const rows = masks
      ? sql`SELECT ${m.userId} AS user_id, ${m.month} AS month, ${m.dayMask} & b.mask AS bits
              FROM ${m} JOIN jsonb_to_recordset(${JSON.stringify(masks)}::jsonb) AS b(month date, mask int) ON b.month = ${m.month}
             WHERE ${m.userId} = ${anyOf(ids, 'int')} AND ${m.month} BETWEEN ${masks[0].month}::date AND ${masks.at(-1)!.month}::date
               AND ${m.dayMask} & b.mask <> 0`
      : sql`SELECT ${m.userId} AS user_id, ${m.month} AS month, ${m.dayMask} AS bits FROM ${m} WHERE ${m.userId} = ${anyOf(ids, 'int')}`;
    const [row] = rowsOf<{ members: string; masks: number[] | string | null }>(
      await this.db.execute(sql`
        WITH r AS MATERIALIZED (${rows})
        SELECT (SELECT count(DISTINCT user_id) FROM r)::text AS members,
               (SELECT json_agg(bits) FROM (SELECT bit_or(bits) AS bits FROM r GROUP BY month) x)::text AS masks`),
    );
    const monthBits: number[] = row.masks === null ? [] : typeof row.masks === 'string' ? (JSON.parse(row.masks) as number[]) : row.masks;
    return { activeMembers: Number(row.members), days: monthBits.reduce((sum, bits) => sum + popcount(bits), 0) };
  }

  /**
   * The members' sums and active members per day, ISO week or month. By month: whole months from
   * user_month_stats and loose days from usage_stats; by day or week, usage_stats. A retired month
   * (its days are gone) is one row of its own, whole, dated its first day (`retired`).
   */
  async series(counted: Counted, range: DayRange, granularity: Granularity, retired: ReadonlySet<string>, lastDataDay: string | undefined) {
    if (counted.ids.length === 0) return [];
    const s = usageStats;
    const m = userMonthStats;
    const ids = anyOf(counted.ids, 'int');
    const columns = (t: typeof s | typeof m) =>
      list(t.userId, t.inputTokens, t.outputTokens, t.cacheCreationInputTokens, t.cacheReadInputTokens, t.totalTokens, t.totalCost);
    const monthRows = (months: string[]) =>
      months.length === 0
        ? []
        : [
            sql`SELECT ${m.month} AS bucket, ${retired.size === 0 ? sql`false` : sql`${m.month} IN ${sqlList([...retired], '::date')}`} AS retired, ${columns(m)}
                 FROM ${m} WHERE ${m.userId} = ${ids} AND ${m.month} IN ${sqlList(months, '::date')}`,
          ];
    const dayRows = (days: DayRange[]) =>
      days.map(
        (d) => sql`SELECT ${bucketOf(granularity, s.date)} AS bucket, false AS retired, ${columns(s)}
                     FROM ${s} WHERE ${s.userId} = ${ids} AND ${s.date} BETWEEN ${d.from}::date AND ${d.to}::date`,
      );
    let parts: SQL[];
    if (granularity === 'month') {
      const { months, edges } = splitForSums(range, lastDataDay, retired);
      parts = [...monthRows(months), ...dayRows(edges)];
    } else {
      // A retired month's days are gone; what is left of them is the month whole.
      parts = [...dayRows([range]), ...monthRows([...retired])];
    }
    return keyedRows<SeriesRow>(
      await this.db.execute(sql`
        SELECT bucket::text AS bucket, retired, count(DISTINCT ${nameOf(s.userId)})::text AS active_members,
               ${countedSums(counted.costHidden, nameOf(s.userId))}
          FROM (${sql.join(parts, sql` UNION ALL `)}) r
         GROUP BY bucket, retired
         ORDER BY bucket, retired DESC`),
    );
  }

  /**
   * Per model (or provider): the members' tokens, cost (of members whose money the caller sees),
   * its share of that cost and the members who used it, most cost first (then tokens, then name:
   * GET /models' order), a page at a time. Whole months from user_model_months, loose days from
   * usage_stats and model_usage; all time from user_model_totals.
   */
  async models(
    counted: Counted,
    range: DayRange | undefined,
    by: 'model' | 'provider',
    page: Page,
    retired: ReadonlySet<string>,
    lastDataDay: string | undefined,
  ): Promise<Array<Keyed<TeamModelRow>>> {
    if (counted.ids.length === 0) return [];
    const ids = anyOf(counted.ids, 'int');
    const mu = modelUsage;
    // Every part's columns under model_usage's names (and usage_stats' user_id), so the sums read them alike.
    const columns = (userId: AnyColumn, t: ModelColumns) =>
      list(
        as(userId, usageStats.userId),
        as(t.model, mu.model),
        as(t.provider, mu.provider),
        ...tokenKinds(t).map((c, i) => as(c, tokenKinds(mu)[i])),
        as(t.cost, mu.cost),
      );
    const parts: SQL[] = [];
    if (!range) {
      const t = userModelTotals;
      parts.push(sql`SELECT ${columns(t.userId, t)} FROM ${t} WHERE ${t.userId} = ${ids}`);
    } else {
      const { months, edges } = splitForSums(range, lastDataDay, retired);
      const mm = userModelMonths;
      if (months.length > 0)
        parts.push(sql`SELECT ${columns(mm.userId, mm)} FROM ${mm} WHERE ${mm.userId} = ${ids} AND ${mm.month} IN ${sqlList(months, '::date')}`);
      const s = aliased(usageStats, 's');
      const m = aliased(modelUsage, 'm');
      for (const edge of edges) {
        parts.push(sql`
          SELECT ${columns(s.t.userId, m.t)}
            FROM ${s.from} JOIN ${m.from} ON ${m.t.usageStatsId} = ${s.t.id}
           WHERE ${s.t.userId} = ${ids} AND ${s.t.date} BETWEEN ${edge.from}::date AND ${edge.to}::date`);
      }
    }
    const key = nameOf(mu[by]);
    const cost = nameOf(mu.cost);
    const tokens = tokenKinds(mu).map(nameOf);
    const total = sql`(${sql.join(
      tokens.map((c) => sql`s.${c}`),
      sql` + `,
    )})`;
    return keyedRows<TeamModelRow>(
      await this.db.execute(sql`
        WITH sums AS (
          SELECT ${key} AS key, max(${nameOf(mu.provider)}) AS ${nameOf(mu.provider)}, count(DISTINCT ${nameOf(usageStats.userId)}) AS users,
                 ${list(...tokens.map((c) => sql`sum(${c}) AS ${c}`))},
                 coalesce(${countedCost(counted.costHidden, nameOf(usageStats.userId), cost)}, 0) AS ${cost}
            FROM (${sql.join(parts, sql` UNION ALL `)}) r
           GROUP BY ${key}
        )
        SELECT s.key, s.${nameOf(mu.provider)}, s.users::text AS users, ${list(...tokens.map((c) => sql`s.${c}::text AS ${c}`))},
               ${money(sql`s.${cost}`)} AS ${cost},
               round(s.${cost} / nullif(sum(s.${cost}) OVER (), 0), 6)::text AS cost_share,
               count(*) OVER ()::text AS total
          FROM sums s
         ORDER BY s.${cost} DESC, ${total} DESC, s.key
         LIMIT ${page.limit} OFFSET ${page.offset}`),
    );
  }
}

/** A per-model row's columns: user_model_totals, user_model_months or model_usage (whose user is its day's). */
type ModelColumns = TokenKinds & Record<'model' | 'provider' | 'cost', AnyColumn>;

/** Set bits of a 31-bit day mask. */
function popcount(bits: number): number {
  let n = 0;
  for (let v = bits >>> 0; v !== 0; v &= v - 1) n++;
  return n;
}
