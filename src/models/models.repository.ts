import { Injectable } from '@nestjs/common';
import { type AnyColumn, sql, type SQL } from 'drizzle-orm';
import { aliased, as, intText, list, money, nameOf, tokenKinds, tokenTotal } from '../db/columns.js';
import { type Database, rowsOf } from '../db/database-connection.js';
import { InjectDb } from '../db/database.module.js';
import { modelDayStats, usageStats, userModelMonths, userModelTotals } from '../db/schema.js';
import { anyOf, sqlList } from '../db/sql.js';
import { bucketOf, type DayRange, type Granularity, monthMasks } from '../read-model/periods.js';
import { type Keyed, keyedRows, type RowOf, type TextRowOf } from '../read-model/rows.js';
import { daysIn, liveModelDayStats } from '../read-model/shared-days.js';
import { ACTIVE_DAYS, activeInRange, type ActiveDaysRow } from '../read-model/sums.js';
import { hiddenCounts, type HiddenCountsRow, type HiddenPart, type HiddenSets, partOf } from '../read-model/withholding.js';

/** A model's provider, four token kinds and cost, as text. */
type ModelSumsCore = RowOf<typeof modelDayStats, 'provider'> &
  TextRowOf<typeof modelDayStats, 'inputTokens' | 'outputTokens' | 'cacheCreationInputTokens' | 'cacheReadInputTokens' | 'cost'>;

/** A model's sums as text: its four kinds, their total (a model's own), its cost and active days. */
type ModelSums = ModelSumsCore & ActiveDaysRow & TextRowOf<typeof usageStats, 'totalTokens'>;

type RawModelSumsRow = ModelSums &
  HiddenCountsRow & {
    /** The model, or the provider. */
    key: string;
    /** Distinct users in the range. */
    users: string;
    cost_share: string | null;
    /** Rows in the whole answer, before the page was cut. */
    total: string;
    /** Users with a cost in the range, over every row, whose money the caller may not see: the part of the cost shares' denominator. */
    all_cost_hidden_users: string;
  };

export type ModelSumsRow = Keyed<RawModelSumsRow>;

export interface Page {
  limit: number;
  offset: number;
}

/** Which days of a month belong to a bucket. */
export interface BucketMask {
  bucket: string;
  month: string;
  mask: number;
}

/** The key of a (series, bucket) cell of topSeries: the series' key (null: the rest) and the bucket. */
export const seriesCell = (key: string | null, bucket: string): string => JSON.stringify([key, bucket]);

/** (bucket, month, mask) rows: which days of which month belong to each bucket of a range. */
export function bucketMasks(range: DayRange, buckets: Array<{ bucket: string; range: DayRange }>): BucketMask[] {
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
   * model_day_stats, distinct users from user_model_months' day masks, most cost first. With
   * `hidden`, each row's contributors the caller may not see, counted in the same pass over the
   * same rows as its users (docs/privacy.md, "Community totals"), and over every row (key NULL).
   */
  async breakdown(
    range: DayRange | undefined,
    by: 'model' | 'provider',
    page: Page,
    options: { onlyModel?: string; hidden?: HiddenSets } = {},
  ): Promise<ModelSumsRow[]> {
    const { onlyModel, hidden } = options;
    const d = modelDayStats;
    const umm = aliased(userModelMonths, 'umm');
    const only = (model: AnyColumn) => (onlyModel === undefined ? sql`true` : sql`${model} = ${onlyModel}`);
    const live = liveModelDayStats((t) => sql`${daysIn(range)(t)} AND ${only(t.model)}`);
    const source = range ? umm.t : userModelTotals;
    const counts = hidden
      ? sql`, ${hiddenCounts(source.userId, tokenTotal(source), source.cost, hidden)}`
      : sql`, '0' AS hidden_users, '0' AS cost_hidden_users`;
    // With hidden sets, one more group (every row's users, key NULL) gives the cost shares' part.
    const groups = hidden ? sql`GROUPING SETS ((${source[by]}), ())` : sql`${source[by]}`;
    const users: SQL = range
      ? sql`SELECT ${umm.t[by]} AS key, count(DISTINCT ${umm.t.userId}) AS users ${counts}
              FROM ${umm.from}
             WHERE (${activeInRange(range, umm.t)}) AND ${only(umm.t.model)}
             GROUP BY ${groups}`
      : sql`SELECT ${userModelTotals[by]} AS key, count(DISTINCT ${userModelTotals.userId}) AS users ${counts}
              FROM ${userModelTotals} WHERE ${only(userModelTotals.model)} GROUP BY ${groups}`;
    // The CTE's columns carry model_day_stats' names; `s` reads them back by those names.
    const s = (column: SQL) => sql`s.${column}`;
    const sTokens = {
      inputTokens: s(nameOf(d.inputTokens)),
      outputTokens: s(nameOf(d.outputTokens)),
      cacheCreationInputTokens: s(nameOf(d.cacheCreationInputTokens)),
      cacheReadInputTokens: s(nameOf(d.cacheReadInputTokens)),
    };
    const cost = s(nameOf(d.cost));
    return keyedRows<RawModelSumsRow>(
      await this.db.execute(sql`
        WITH sums AS (
          SELECT ${d[by]} AS key, ${as(sql`max(${d.provider})`, d.provider)}, count(DISTINCT ${d.date}) AS ${ACTIVE_DAYS},
                 ${list(...[...tokenKinds(d), d.cost].map((c) => as(sql`sum(${c})`, c)))}
            FROM ${live}
           GROUP BY ${d[by]}
        ), users AS (${users})
        SELECT s.key, ${s(nameOf(d.provider))}, ${s(ACTIVE_DAYS)}::text AS ${ACTIVE_DAYS}, coalesce(u.users, 0)::text AS users,
               coalesce(u.hidden_users, '0') AS hidden_users, coalesce(u.cost_hidden_users, '0') AS cost_hidden_users,
               coalesce((SELECT a.cost_hidden_users FROM users a WHERE a.key IS NULL), '0') AS all_cost_hidden_users,
               ${list(...tokenKinds(d).map((c) => as(sql`${s(nameOf(c))}::text`, c)))},
               ${as(sql`${tokenTotal(sTokens)}::text`, usageStats.totalTokens)},
               ${as(money(cost), d.cost)},
               round(${cost} / nullif(sum(${cost}) OVER (), 0), 6)::text AS cost_share,
               count(*) OVER ()::text AS total
          FROM sums s LEFT JOIN users u ON u.key = s.key
         ORDER BY ${cost} DESC, ${tokenTotal(sTokens)} DESC, s.key
         LIMIT ${page.limit} OFFSET ${page.offset}`),
    );
  }

  async modelBounds(model: string): Promise<DayRange> {
    const d = modelDayStats;
    const [row] = rowsOf<{ from: string; to: string }>(
      await this.db.execute(
        sql`SELECT min(${d.date})::text AS "from", max(${d.date})::text AS "to" FROM ${liveModelDayStats((t) => sql`${t.model} = ${model}`)}`,
      ),
    );
    return row;
  }

  /** One model per day, ISO week or month over a range, with distinct users per bucket. */
  async series(model: string, range: DayRange, granularity: Granularity) {
    const d = modelDayStats;
    const bucket = bucketOf(granularity, d.date);
    const sums = keyedRows<ModelSums & { bucket: string }>(
      await this.db.execute(sql`
        SELECT ${bucket}::text AS bucket, ${as(sql`max(${d.provider})`, d.provider)}, count(*)::text AS ${ACTIVE_DAYS},
               ${list(...tokenKinds(d).map((c) => as(intText(sql`sum(${c})`), c)))},
               ${as(sql`sum(${tokenTotal(d)})::text`, usageStats.totalTokens)},
               ${as(money(sql`sum(${d.cost})`), d.cost)}
          FROM ${liveModelDayStats((t) => sql`${t.model} = ${model} AND ${daysIn(range)(t)}`)}
         GROUP BY 1 ORDER BY 1`),
    );
    return sums;
  }

  /**
   * The `top` models (or providers) by cost over a range (then tokens, then name: breakdown's order),
   * each per day, ISO week or month, and every other one summed per bucket as one more series with
   * a null key. Rows ordered by series (1 to top, then top + 1 for the rest), then bucket.
   */
  async topSeries(range: DayRange | undefined, by: 'model' | 'provider', granularity: Granularity, top: number) {
    const d = modelDayStats;
    const kinds = tokenKinds(d);
    // `sums` carries model_day_stats' column names; `s` reads them back by those names.
    const s = (c: AnyColumn) => sql`s.${nameOf(c)}`;
    const sTokens = {
      inputTokens: s(d.inputTokens),
      outputTokens: s(d.outputTokens),
      cacheCreationInputTokens: s(d.cacheCreationInputTokens),
      cacheReadInputTokens: s(d.cacheReadInputTokens),
    };
    return keyedRows<Omit<ModelSumsCore, 'provider'> & { position: number; key: string | null; provider: string | null; bucket: string }>(
      await this.db.execute(sql`
        WITH sums AS (
          SELECT ${d[by]} AS key, ${as(sql`max(${d.provider})`, d.provider)}, ${bucketOf(granularity, d.date)}::text AS bucket,
                 ${list(...[...kinds, d.cost].map((c) => as(sql`sum(${c})`, c)))}
            FROM ${liveModelDayStats(daysIn(range))}
           GROUP BY 1, 3
        ), ranked AS (
          SELECT s.key, max(${s(d.provider)}) AS provider,
                 row_number() OVER (ORDER BY sum(${s(d.cost)}) DESC, sum(${tokenTotal(sTokens)}) DESC, s.key) AS n
            FROM sums s GROUP BY s.key
        )
        SELECT least(r.n, ${top + 1}::int)::int AS position,
               CASE WHEN r.n <= ${top}::int THEN r.key END AS key,
               CASE WHEN r.n <= ${top}::int THEN r.provider END AS ${nameOf(d.provider)},
               s.bucket,
               ${list(...kinds.map((c) => as(intText(sql`sum(${s(c)})`), c)))},
               ${as(money(sql`sum(${s(d.cost)})`), d.cost)}
          FROM sums s JOIN ranked r ON r.key = s.key
         GROUP BY 1, 2, 3, 4
         ORDER BY 1, 4`),
    );
  }

  /** The first and last day any model has data (undefined when none). */
  async dataBounds(): Promise<DayRange | undefined> {
    const d = modelDayStats;
    const [row] = rowsOf<{ from: string | null; to: string | null }>(
      await this.db.execute(sql`SELECT min(${d.date})::text AS "from", max(${d.date})::text AS "to" FROM ${liveModelDayStats()}`),
    );
    return row?.from && row.to ? { from: row.from, to: row.to } : undefined;
  }

  /**
   * A model's contributors per bucket that the caller may not see (docs/privacy.md): month masks
   * as usersPerBucket, only the rows of the users whose money is hidden (the primary key's lead).
   */
  async hiddenPerBucket(model: string, masks: BucketMask[], hidden: HiddenSets): Promise<Map<string, HiddenPart>> {
    if (masks.length === 0 || hidden.costHidden.length === 0) return new Map();
    const umm = aliased(userModelMonths, 'umm');
    const rows = keyedRows<HiddenCountsRow & { bucket: string }>(
      await this.db.execute(sql`
        SELECT b.bucket, ${hiddenCounts(umm.t.userId, tokenTotal(umm.t), umm.t.cost, hidden)}
          FROM jsonb_to_recordset(${JSON.stringify(masks)}::jsonb) AS b(bucket text, month date, mask int)
          JOIN ${umm.from} ON ${umm.t.userId} = ${anyOf(hidden.costHidden, 'int')} AND ${umm.t.model} = ${model}
                          AND ${umm.t.month} = b.month AND ${umm.t.dayMask} & b.mask <> 0
         GROUP BY b.bucket`),
    );
    return new Map(rows.map((r) => [r.bucket, partOf(r)]));
  }

  /**
   * The contributors the caller may not see of each (series, bucket) cell of topSeries: per bucket
   * and per top key, and the rest (key null) as one cell, from user_model_months' masks.
   */
  async hiddenPerSeriesBucket(by: 'model' | 'provider', topKeys: string[], masks: BucketMask[], hidden: HiddenSets): Promise<Map<string, HiddenPart>> {
    if (masks.length === 0 || hidden.costHidden.length === 0) return new Map();
    const umm = aliased(userModelMonths, 'umm');
    const series = topKeys.length > 0 ? sql`CASE WHEN ${umm.t[by]} IN ${sqlList(topKeys)} THEN ${umm.t[by]} END` : sql`NULL::text`;
    const rows = keyedRows<HiddenCountsRow & { bucket: string; key: string | null }>(
      await this.db.execute(sql`
        SELECT b.bucket, ${series} AS key, ${hiddenCounts(umm.t.userId, tokenTotal(umm.t), umm.t.cost, hidden)}
          FROM jsonb_to_recordset(${JSON.stringify(masks)}::jsonb) AS b(bucket text, month date, mask int)
          JOIN ${umm.from} ON ${umm.t.userId} = ${anyOf(hidden.costHidden, 'int')} AND ${umm.t.month} = b.month AND ${umm.t.dayMask} & b.mask <> 0
         GROUP BY 1, 2`),
    );
    return new Map(rows.map((r) => [seriesCell(r.key, r.bucket), partOf(r)]));
  }

  /** Distinct users of a model per bucket, from month masks. */
  async usersPerBucket(model: string, masks: BucketMask[]): Promise<Map<string, number>> {
    if (masks.length === 0) return new Map();
    const umm = aliased(userModelMonths, 'umm');
    const rows = rowsOf<{ bucket: string; users: string }>(
      await this.db.execute(sql`
        SELECT b.bucket, count(DISTINCT ${umm.t.userId})::text AS users
          FROM jsonb_to_recordset(${JSON.stringify(masks)}::jsonb) AS b(bucket text, month date, mask int)
          JOIN ${umm.from} ON ${umm.t.model} = ${model} AND ${umm.t.month} = b.month AND ${umm.t.dayMask} & b.mask <> 0
         GROUP BY b.bucket`),
    );
    return new Map(rows.map((r) => [r.bucket, Number(r.users)]));
  }
}
