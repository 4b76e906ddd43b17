import { type AnyColumn, type SQL, sql } from 'drizzle-orm';
import { as, intText, list, money, nameOf } from '../db/columns.js';
import { usageStats, userMonthStats } from '../db/schema.js';
import { type DayRange, monthMasks } from './periods.js';
import type { TextRowOf } from './rows.js';

/**
 * The sums every read answers with, defined once over the schema. Per-user and per-day rows
 * (usage_stats, user_month_stats, user_totals, day_stats) share usage_stats' column names, so one
 * select list sums any of them.
 */

/**
 * What a leaderboard can rank by: the column of each metric. The API's `metric` values are these
 * keys, so a new metric over an existing column is one line here.
 */
export const METRIC_COLUMNS = {
  cost: usageStats.totalCost,
  tokens: usageStats.totalTokens,
  input: usageStats.inputTokens,
  output: usageStats.outputTokens,
  cacheCreation: usageStats.cacheCreationInputTokens,
  cacheRead: usageStats.cacheReadInputTokens,
} as const satisfies Record<string, AnyColumn>;

export type Metric = keyof typeof METRIC_COLUMNS;
export const METRICS = Object.keys(METRIC_COLUMNS) as [Metric, ...Metric[]];

/**
 * What a leaderboard can also rank by from telemetry's activity (activity_days.metric, summed over
 * keys; activeTime is user + cli seconds). These rank in SQL only: the in-memory index holds the
 * token metrics above.
 */
export const ACTIVITY_RANK_METRICS = ['sessions', 'linesAdded', 'commits', 'pullRequests', 'activeTime'] as const;
export type ActivityRankMetric = (typeof ACTIVITY_RANK_METRICS)[number];

/** Every metric a leaderboard, a user's ranks or their query may name. */
export const LEADERBOARD_METRICS = [...METRICS, ...ACTIVITY_RANK_METRICS] as [Metric | ActivityRankMetric, ...Array<Metric | ActivityRankMetric>];
export type LeaderboardMetric = (typeof LEADERBOARD_METRICS)[number];

export const isActivityMetric = (metric: LeaderboardMetric): metric is ActivityRankMetric => (ACTIVITY_RANK_METRICS as readonly string[]).includes(metric);

/** The summed columns of a per-user or per-day row: the four kinds in ccusage's order, the total, the cost. */
const SUMMED = ['inputTokens', 'outputTokens', 'cacheCreationInputTokens', 'cacheReadInputTokens', 'totalTokens', 'totalCost'] as const;

/** Sums as text, so that 64-bit integers and numerics reach JavaScript unrounded. */
export type SumsRow = TextRowOf<typeof usageStats, (typeof SUMMED)[number]>;

/** How many days a row covers, under the summary tables' name for it. */
export type ActiveDaysRow = TextRowOf<typeof userMonthStats, 'activeDays'>;

/** The output name of an active-day count (the summary tables' `activeDays`). */
export const ACTIVE_DAYS: SQL = nameOf(userMonthStats.activeDays);

/** `sum(x) AS x` for every token column and the cost, over whatever the FROM clause has (bare names). */
export const SUM_COLUMNS: SQL = list(
  ...SUMMED.map((key) => {
    const c = usageStats[key];
    const sum = sql`sum(${nameOf(c)})`;
    return as(key === 'totalCost' ? money(sum) : intText(sum), c);
  }),
);

/** `(month = … AND dayMask & … <> 0) OR …`: rows of a monthly table active on some day of the range. */
export const activeInRange = (range: DayRange, table: { month: AnyColumn; dayMask: AnyColumn }): SQL =>
  sql.join(
    monthMasks(range).map(({ month, mask }) => sql`(${table.month} = ${month}::date AND ${table.dayMask} & ${mask} <> 0)`),
    sql` OR `,
  );
