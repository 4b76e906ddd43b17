import { type SQL, sql } from 'drizzle-orm';
import { list, nameOf } from '../db/columns.js';
import { dayStats, dayStatsDelta, modelDayStats, modelDayStatsDelta } from '../db/schema.js';
import type { DayRange } from './periods.js';

/**
 * The tables every user shares, as of now: day_stats and model_day_stats plus the deltas uploads
 * appended that the folder has not moved in yet (ledger/shared-days.ts). Each renders as a derived
 * table under the shared table's own name, so a query written against `${dayStats.date}` reads it
 * unchanged; being one statement, it sees a fold entirely or not at all, and so is exact.
 * `where` filters both sides (a range, a model) before they are added up.
 */

type DayTable = typeof dayStats | typeof dayStatsDelta;
type ModelDayTable = typeof modelDayStats | typeof modelDayStatsDelta;

const dayColumns = (t: DayTable) =>
  list(t.date, t.activeUsers, t.totalTokens, t.inputTokens, t.outputTokens, t.cacheCreationInputTokens, t.cacheReadInputTokens, t.totalCost);

const modelColumns = (t: ModelDayTable) =>
  list(t.date, t.model, t.provider, t.users, t.inputTokens, t.outputTokens, t.cacheCreationInputTokens, t.cacheReadInputTokens, t.cost);

/** `sum(x) AS x` over bare names. */
const summed = (...columns: Array<{ name: string }>) => list(...columns.map((c) => sql`sum(${sql.identifier(c.name)}) AS ${sql.identifier(c.name)}`));

export function liveDayStats(where: (t: DayTable) => SQL = () => sql`true`): SQL {
  const d = dayStats;
  return sql`(SELECT ${nameOf(d.date)},
                     ${summed(d.activeUsers, d.totalTokens, d.inputTokens, d.outputTokens, d.cacheCreationInputTokens, d.cacheReadInputTokens, d.totalCost)}
                FROM (SELECT ${dayColumns(d)} FROM ${d} WHERE ${where(d)}
                      UNION ALL
                      SELECT ${dayColumns(dayStatsDelta)} FROM ${dayStatsDelta} WHERE ${where(dayStatsDelta)}) live
               GROUP BY ${nameOf(d.date)}
              HAVING sum(${nameOf(d.activeUsers)}) <> 0) AS ${d}`;
}

export function liveModelDayStats(where: (t: ModelDayTable) => SQL = () => sql`true`): SQL {
  const m = modelDayStats;
  return sql`(SELECT ${nameOf(m.date)}, ${nameOf(m.model)}, max(${nameOf(m.provider)}) AS ${nameOf(m.provider)},
                     ${summed(m.users, m.inputTokens, m.outputTokens, m.cacheCreationInputTokens, m.cacheReadInputTokens, m.cost)}
                FROM (SELECT ${modelColumns(m)} FROM ${m} WHERE ${where(m)}
                      UNION ALL
                      SELECT ${modelColumns(modelDayStatsDelta)} FROM ${modelDayStatsDelta} WHERE ${where(modelDayStatsDelta)}) live
               GROUP BY ${nameOf(m.date)}, ${nameOf(m.model)}
              HAVING sum(${nameOf(m.users)}) <> 0) AS ${m}`;
}

/** A `where` for the functions above: the days of a range, or every day. */
export const daysIn =
  (range: DayRange | undefined) =>
  (t: { date: DayTable['date'] | ModelDayTable['date'] }): SQL =>
    range ? sql`${t.date} BETWEEN ${range.from}::date AND ${range.to}::date` : sql`true`;
