import { Injectable } from '@nestjs/common';
import { sql, type SQL } from 'drizzle-orm';
import { aliased, as, intText, list, money, nameOf, tokenKinds, tokenTotal } from '../db/columns.js';
import { type Database, rowsOf } from '../db/database-connection.js';
import { InjectDb } from '../db/database.module.js';
import { deviceDays, modelUsage, uploads, usageStats, userModelMonths, userModelTotals, userMonthStats, userTotals } from '../db/schema.js';
import { jsonSet } from '../db/sql.js';
import { bucketOf, type DayRange, type Granularity } from '../read-model/periods.js';
import { retiredMonthsIn } from '../read-model/retired-months.js';
import { type Keyed, keyedRows, type RowOf, type TextRowOf } from '../read-model/rows.js';
import { ACTIVE_DAYS, type ActiveDaysRow, SUM_COLUMNS, type SumsRow } from '../read-model/sums.js';

export type BucketRow = Keyed<
  SumsRow &
    ActiveDaysRow & {
      bucket: string;
      /** A retired month's row, from user_month_stats. */
      retired: boolean;
    }
>;

export type ModelBucketRow = Keyed<
  RowOf<typeof modelUsage, 'model' | 'provider'> &
    TextRowOf<typeof modelUsage, 'inputTokens' | 'outputTokens' | 'cacheCreationInputTokens' | 'cacheReadInputTokens' | 'cost'> & {
      bucket: string;
      retired: boolean;
    }
>;

/**
 * `UNION ALL SELECT … FROM <monthly table>` for the user's retired months (their days are gone, so
 * each counts whole from its monthly summary), or nothing when no month of the range is retired.
 */
function retiredRows(table: typeof userMonthStats | typeof userModelMonths, userId: number, retired: string[], columns: SQL, tail = sql``): SQL {
  if (retired.length === 0) return sql``;
  return sql`UNION ALL SELECT ${columns} FROM ${table} WHERE ${table.userId} = ${userId} AND ${table.month} IN ${jsonSet(retired, 'date')} ${tail}`;
}

/** The summed columns of a daily or monthly row (both tables name them alike), as a select list. */
const sumsOf = (t: typeof usageStats | typeof userMonthStats): SQL =>
  list(t.inputTokens, t.outputTokens, t.cacheCreationInputTokens, t.cacheReadInputTokens, t.totalTokens, t.totalCost);

@Injectable()
export class UsageRepository {
  constructor(@InjectDb() private readonly db: Database) {}

  /** The first and last day with data for a user (nulls when none). */
  async dataRange(userId: number): Promise<{ first: string | null; last: string | null }> {
    const t = userTotals;
    const [row] = rowsOf<{ first: string | null; last: string | null }>(
      await this.db.execute(sql`SELECT ${t.firstDate}::text AS first, ${t.lastDate}::text AS last FROM ${t} WHERE ${t.userId} = ${userId}`),
    );
    return { first: row?.first ?? null, last: row?.last ?? null };
  }

  /** Retired months (first days) that overlap a range. */
  retiredMonths(range: DayRange | undefined): Promise<string[]> {
    return retiredMonthsIn(this.db, range);
  }

  /**
   * A user's usage per day, ISO week or month in a range (user_date_idx). Retired months have no
   * days left: each is one row, the whole month from user_month_stats, marked `retired`.
   */
  async userBuckets(userId: number, from: string, to: string, granularity: Granularity, retired: string[] = []): Promise<BucketRow[]> {
    const s = usageStats;
    const m = userMonthStats;
    const months = retiredRows(
      m,
      userId,
      retired,
      sql`${m.month}::text, true, ${m.activeDays}::text, ${SUM_COLUMNS}`,
      sql`GROUP BY ${m.month}, ${m.activeDays}`,
    );
    return keyedRows<BucketRow>(
      await this.db.execute(sql`
        SELECT * FROM (
          SELECT ${bucketOf(granularity, s.date)}::text AS bucket, false AS retired, count(*)::text AS ${ACTIVE_DAYS}, ${SUM_COLUMNS}
            FROM ${s}
           WHERE ${s.userId} = ${userId} AND ${s.date} BETWEEN ${from}::date AND ${to}::date
           GROUP BY 1
          ${months}) b
         ORDER BY bucket, retired DESC`),
    );
  }

  /** The same buckets per model (usage_stats_model_idx); retired months from user_model_months. */
  async userModelBuckets(userId: number, from: string, to: string, granularity: Granularity, retired: string[] = []): Promise<ModelBucketRow[]> {
    const s = aliased(usageStats, 's');
    const m = aliased(modelUsage, 'm');
    const mm = userModelMonths;
    const months = retiredRows(mm, userId, retired, sql`${mm.month}::text, true, ${list(mm.model, mm.provider, ...tokenKinds(mm), mm.cost)}`);
    const [model, provider, cost] = [modelUsage.model, modelUsage.provider, modelUsage.cost];
    return keyedRows<ModelBucketRow>(
      await this.db.execute(sql`
        SELECT bucket, retired, ${nameOf(model)}, ${as(sql`max(${nameOf(provider)})`, provider)},
               ${list(...tokenKinds(modelUsage).map((c) => as(sql`sum(${nameOf(c)})::text`, c)))},
               ${as(money(sql`sum(${nameOf(cost)})`), cost)}
          FROM (SELECT ${bucketOf(granularity, s.t.date)}::text AS bucket, false AS retired, ${list(m.t.model, m.t.provider, ...tokenKinds(m.t), m.t.cost)}
                  FROM ${s.from} JOIN ${m.from} ON ${m.t.usageStatsId} = ${s.t.id}
                 WHERE ${s.t.userId} = ${userId} AND ${s.t.date} BETWEEN ${from}::date AND ${to}::date
                ${months}) x
         GROUP BY bucket, retired, ${nameOf(model)}
         ORDER BY bucket, retired DESC, sum(${nameOf(cost)}) DESC, ${nameOf(model)}`),
    );
  }

  /** Exact sums over a user's days in a range, retired months counted whole. */
  async userTotals(userId: number, from: string, to: string, retired: string[] = []): Promise<Keyed<SumsRow>> {
    const s = usageStats;
    const m = userMonthStats;
    const months = retiredRows(m, userId, retired, sumsOf(m));
    const [row] = keyedRows<SumsRow>(
      await this.db.execute(sql`
        SELECT ${SUM_COLUMNS}
          FROM (SELECT ${sumsOf(s)} FROM ${s} WHERE ${s.userId} = ${userId} AND ${s.date} BETWEEN ${from}::date AND ${to}::date
                ${months}) x`),
    );
    return row;
  }

  async allTimeTotals(userId: number): Promise<Keyed<SumsRow & ActiveDaysRow> | undefined> {
    const t = userTotals;
    const [row] = keyedRows<SumsRow & ActiveDaysRow>(
      await this.db.execute(sql`
        SELECT ${as(sql`${t.activeDays}::text`, t.activeDays)}, ${SUM_COLUMNS} FROM ${t} WHERE ${t.userId} = ${userId} GROUP BY ${t.activeDays}`),
    );
    return row;
  }

  async topModels(userId: number, limit: number) {
    const t = userModelTotals;
    return keyedRows<
      RowOf<typeof userModelTotals, 'model' | 'provider'> &
        TextRowOf<typeof userModelTotals, 'cost'> &
        TextRowOf<typeof usageStats, 'totalTokens'> & { share: string | null }
    >(
      await this.db.execute(sql`
        SELECT ${t.model}, ${t.provider}, ${as(intText(tokenTotal(t)), usageStats.totalTokens)},
               ${as(money(t.cost), t.cost)}, round(${t.cost} / nullif(sum(${t.cost}) OVER (), 0), 6)::text AS share
          FROM ${t} WHERE ${t.userId} = ${userId}
         ORDER BY ${t.cost} DESC, ${tokenTotal(t)} DESC, ${t.model}
         LIMIT ${limit}`),
    );
  }

  /** Each device with the days it reported and its last upload. */
  async devices(userId: number) {
    const d = aliased(deviceDays, 'd');
    const p = aliased(uploads, 'p');
    return keyedRows<RowOf<typeof deviceDays, 'device'> & { days: string; last_upload: string | null }>(
      await this.db.execute(sql`
        SELECT ${d.t.device}, count(*)::text AS days,
               (SELECT to_char(max(${p.t.createdAt}), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') FROM ${p.from}
                 WHERE ${p.t.userId} = ${userId} AND ${p.t.device} = ${d.t.device}) AS last_upload
          FROM ${d.from} WHERE ${d.t.userId} = ${userId}
         GROUP BY ${d.t.device} ORDER BY ${d.t.device}`),
    );
  }
}
