import { type AnyColumn, type SQL, sql } from 'drizzle-orm';
import { intText, money, nameOf } from '../db/columns.js';
import { usageStats } from '../db/schema.js';
import { type DayRange, monthMasks } from './periods.js';

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

/** Sums as text, so that 64-bit integers and numerics reach JavaScript unrounded. */
export interface SumsRow {
  input_tokens: string;
  output_tokens: string;
  cache_creation_input_tokens: string;
  cache_read_input_tokens: string;
  total_tokens: string;
  total_cost: string;
}

/** The token columns of a sums row, in ccusage's order, total last. */
export const SUMMED_TOKENS = [
  usageStats.inputTokens,
  usageStats.outputTokens,
  usageStats.cacheCreationInputTokens,
  usageStats.cacheReadInputTokens,
  usageStats.totalTokens,
] as const;

/** `sum(x) AS x` for every token column and the cost, over whatever the FROM clause has (bare names). */
export const SUM_COLUMNS: SQL = sql.join(
  [
    ...SUMMED_TOKENS.map((c) => sql`${intText(sql`sum(${nameOf(c)})`)} AS ${nameOf(c)}`),
    sql`${money(sql`sum(${nameOf(usageStats.totalCost)})`)} AS ${nameOf(usageStats.totalCost)}`,
  ],
  sql`, `,
);

/** `(month = … AND day_mask & … <> 0) OR …`: rows of a monthly table active on some day of the range. */
export const activeInRange = (range: DayRange, table: { month: AnyColumn; dayMask: AnyColumn }): SQL =>
  sql.join(
    monthMasks(range).map(({ month, mask }) => sql`(${table.month} = ${month}::date AND ${table.dayMask} & ${mask} <> 0)`),
    sql` OR `,
  );
