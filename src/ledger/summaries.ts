import { type AnyColumn, sql, type SQL } from 'drizzle-orm';
import { nextTurn } from '../common/time-slice.js';
import { aliased, as, list, nameOf, names, type TokenKinds, tokenKinds } from '../db/columns.js';
import { type Database, rowsOf } from '../db/database-connection.js';
import {
  dayStatsDelta,
  modelDayStatsDelta,
  modelUsage,
  usageStats,
  userModelMonths,
  userModelTotals,
  userMonthStats,
  userTotals,
  deviceDayModels,
  deviceDays,
  projectDays,
} from '../db/schema.js';
import { anyOf } from '../db/sql.js';
import type { TextRowOf } from '../read-model/rows.js';

/**
 * Keeping the summary tables (src/db/schema/summaries.ts) exact. Every function runs inside the
 * caller's transaction, after the caller locked the user's row.
 *
 * Per-user tables (user_month_stats, user_model_months, user_totals, user_model_totals) are recomputed for the user
 * from usage_stats and model_usage: a user's rows are few. Tables shared by all users
 * (model_day_stats, day_stats) are changed by deltas: the user's rows for the changed days as they
 * were before (a snapshot taken first) are subtracted and the rows as they are now are added, in a
 * fixed (date, model) order so that concurrent uploads of different users lock shared rows in the
 * same order and cannot deadlock.
 *
 * Large changes go in chunks of days (changeDays): the embedded database runs each statement on
 * this thread, so one statement over a whole 10 MB report (76,000 model rows) held the event loop
 * for seconds. Each statement of a chunk is small enough to take tens of milliseconds, and other
 * requests run between statements (step); all of it is still one transaction. Chunks go in ascending date order and each
 * touches day_stats before model_day_stats for its days, so every transaction reaches the first day
 * two of them share before anything else they share: the (date, model) order still rules out deadlocks.
 */

/**
 * Model rows (of model_usage, device_day_models, model_day_stats) one statement of a chunked write
 * handles: about 30 ms on the embedded database on a slow core (docs/benchmarks.md).
 */
export const ROWS_PER_CHUNK = 500;

/**
 * Runs one statement of a long write, then yields. The embedded database executes a statement
 * synchronously and resolves its promise at once, so the awaits between statements are only
 * microtasks: without the yield a whole chunk would still run as one block.
 */
export async function step(tx: Database, query: SQL): Promise<unknown> {
  const result = await tx.execute(query);
  await nextTurn();
  return result;
}

/**
 * Consecutive runs of `items` (in their order) of at most `maxRows` rows by `sizeOf` each; an item
 * larger than that is a run of its own.
 */
export function chunksOf<T>(items: T[], sizeOf: (item: T) => number, maxRows = ROWS_PER_CHUNK): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let rows = 0;
  for (const item of items) {
    const n = Math.max(1, sizeOf(item));
    if (current.length > 0 && rows + n > maxRows) {
      chunks.push(current);
      current = [];
      rows = 0;
    }
    current.push(item);
    rows += n;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * The pieces the ledger's statements share, over the schema (src/db/columns.ts has the ones
 * readers share too). A day row (usage_stats, device_days, day_stats, user_month_stats,
 * user_totals) and a model row (model_usage, device_day_models and the per-model summaries) have
 * the same numbers under the same keys in every table.
 */

/** A day row's token counts: its total and the four kinds. */
export const dayTokens = (t: TokenKinds & { totalTokens: AnyColumn }): AnyColumn[] => [t.totalTokens, ...tokenKinds(t)];

/** A day row's numbers: its total, the four kinds, its cost. */
export const dayNumbers = (t: TokenKinds & { totalTokens: AnyColumn; totalCost: AnyColumn }): AnyColumn[] => [...dayTokens(t), t.totalCost];

/** A model row's numbers: the four kinds, its cost. */
export const modelNumbers = (t: TokenKinds & { cost: AnyColumn }): AnyColumn[] => [...tokenKinds(t), t.cost];

/** `x::text AS x`. */
export const asText = (column: AnyColumn): SQL => as(sql`${column}::text`, column);

/** `sum(a), sum(b), …`. */
export const sums = (...columns: Array<AnyColumn | SQL>): SQL => list(...columns.map((c) => sql`sum(${c})`));

/**
 * A jsonb_to_recordset column definition list: columns by the type their JSON is read as, each
 * under its bare name, in the order given (`{ date: [...], bigint: [...] }`).
 */
export const recordOf = (types: Record<string, AnyColumn[]>): SQL =>
  sql.join(
    Object.entries(types).flatMap(([type, columns]) => columns.map((c) => sql`${nameOf(c)} ${sql.raw(type)}`)),
    sql`, `,
  );

/** `x = EXCLUDED.x, …`: what an upsert replaces. */
export const setExcluded = (...columns: AnyColumn[]): SQL =>
  sql.join(
    columns.map((c) => sql`${nameOf(c)} = EXCLUDED.${nameOf(c)}`),
    sql`, `,
  );

/** `x = table.x + EXCLUDED.x, …` (columns of the table inserted into): what an upsert adds to. */
export const addExcluded = (...columns: AnyColumn[]): SQL =>
  sql.join(
    columns.map((c) => sql`${nameOf(c)} = ${c} + EXCLUDED.${nameOf(c)}`),
    sql`, `,
  );

const s = aliased(usageStats, 's');
const m = aliased(modelUsage, 'm');

/** The user's rows for these days before a change: what the deltas subtract. */
export interface Snapshot {
  days: string;
  models: string;
}

/**
 * The rows a snapshot holds, under usage_stats' and model_usage's names (dates and money as
 * text), and the same as jsonb_to_recordset reads them back.
 */
const dayRowsSql = (userId: number, dates: SQL) => sql`
  SELECT ${asText(usageStats.date)}, ${list(...dayTokens(usageStats))}, ${asText(usageStats.totalCost)}
    FROM ${usageStats} WHERE ${usageStats.userId} = ${userId} AND ${usageStats.date} = ${dates}`;

const modelRowsSql = (userId: number, dates: SQL) => sql`
  SELECT ${asText(s.t.date)}, ${list(m.t.model, m.t.provider, ...tokenKinds(m.t))}, ${asText(m.t.cost)}
    FROM ${m.from} JOIN ${s.from} ON ${s.t.id} = ${m.t.usageStatsId}
   WHERE ${s.t.userId} = ${userId} AND ${s.t.date} = ${dates}`;

const DAY_RECORD = recordOf({ date: [usageStats.date], bigint: dayTokens(usageStats), numeric: [usageStats.totalCost] });
const MODEL_RECORD = recordOf({
  date: [usageStats.date],
  text: [modelUsage.model, modelUsage.provider],
  bigint: tokenKinds(modelUsage),
  numeric: [modelUsage.cost],
});

const asJson = (query: SQL): SQL => sql`(SELECT coalesce(json_agg(q), '[]'::json)::text FROM (${query}) q)`;

const NOTHING: Snapshot = { days: '[]', models: '[]' };

/** The user's day and model rows for `dates`, as JSON, in one round trip. */
export async function snapshot(tx: Database, userId: number, dates: string[]): Promise<Snapshot> {
  const set = anyOf(dates, 'date');
  const [row] = rowsOf<Snapshot>(await step(tx, sql`SELECT ${asJson(dayRowsSql(userId, set))} AS days, ${asJson(modelRowsSql(userId, set))} AS models`));
  return { days: String(row.days), models: String(row.models) };
}

/**
 * Records what the shared tables (day_stats, model_day_stats) must change by after the user's
 * usage_stats/model_usage rows for `dates` changed from `before` to what they are now: one delta
 * row per day (and per day and model), appended, so that concurrent uploads of different users lock
 * nothing in common; shared-days.ts folds them in. With `removing`, the user's rows are about to
 * be deleted: the deltas take them out.
 */
async function applySharedDeltas(tx: Database, userId: number, dates: string[], before: Snapshot, removing = false): Promise<void> {
  const set = anyOf(dates, 'date');
  const nowDays = removing ? sql`SELECT * FROM jsonb_to_recordset('[]'::jsonb) AS x(${DAY_RECORD})` : dayRowsSql(userId, set);
  const nowModels = removing ? sql`SELECT * FROM jsonb_to_recordset('[]'::jsonb) AS x(${MODEL_RECORD})` : modelRowsSql(userId, set);
  // The deltas' columns are the snapshot's: usage_stats' and model_usage's names.
  const date = nameOf(usageStats.date);
  const [dayCounts, dayCost] = [dayTokens(usageStats).map(nameOf), nameOf(usageStats.totalCost)];
  const [model, provider] = [nameOf(modelUsage.model), nameOf(modelUsage.provider)];
  const [modelCounts, modelCost] = [tokenKinds(modelUsage).map(nameOf), nameOf(modelUsage.cost)];
  const negated = (columns: SQL[]) => list(...columns.map((c) => sql`-${c}`));
  // A day whose numbers did not move (a re-upload of the same day from another device) adds no row.
  const moved = (columns: SQL[]) => sql.join([sql`sum(n) <> 0`, ...columns.map((c) => sql`sum(${c}) <> 0`)], sql` OR `);

  const d = dayStatsDelta;
  await step(
    tx,
    sql`
    INSERT INTO ${d} (${names(d.date, d.activeUsers, ...dayNumbers(d))})
    SELECT ${date}, sum(n), ${sums(...dayCounts, dayCost)}
      FROM (SELECT ${date}::date, 1 AS n, ${list(...dayCounts)}, ${dayCost}::numeric FROM (${nowDays}) a
            UNION ALL
            SELECT ${date}, -1, ${negated(dayCounts)}, -${dayCost}
              FROM jsonb_to_recordset(${before.days}::jsonb) AS b(${DAY_RECORD})) delta
     GROUP BY ${date}
    HAVING ${moved([...dayCounts, dayCost])}`,
  );
  const md = modelDayStatsDelta;
  await step(
    tx,
    sql`
    INSERT INTO ${md} (${names(md.date, md.model, md.provider, md.users, ...modelNumbers(md))})
    SELECT ${date}, ${model}, max(${provider}), sum(n), ${sums(...modelCounts, modelCost)}
      FROM (SELECT ${date}::date, ${model}, ${provider}, 1 AS n, ${list(...modelCounts)}, ${modelCost}::numeric FROM (${nowModels}) a
            UNION ALL
            SELECT ${date}, ${model}, ${provider}, -1, ${negated(modelCounts)}, -${modelCost}
              FROM jsonb_to_recordset(${before.models}::jsonb) AS b(${MODEL_RECORD})) delta
     GROUP BY ${date}, ${model}
    HAVING ${moved([...modelCounts, modelCost])}`,
  );
}

/**
 * Changes the user's days chunk by chunk (`chunks`: each chunk's days ascending and after those of
 * the chunk before): for each, the rows as they were are kept, `write` replaces the user's
 * usage_stats and model_usage for those days, and the shared tables get the difference; then the
 * per-user tables are recomputed for the months touched. Other requests run between chunks.
 * `write` is told when the user had no row on any of the chunk's days (nothing to delete first).
 */
export async function changeDays<Day extends { date: string }>(
  tx: Database,
  userId: number,
  chunks: Day[][],
  write: (days: Day[], fresh: boolean) => Promise<void>,
): Promise<void> {
  const all = chunks.flat().map((d) => d.date);
  // One look-up instead of a snapshot per chunk: a first upload of a long history skips most statements.
  const had = new Set(
    rowsOf<TextRowOf<typeof usageStats, 'date'>>(
      await step(
        tx,
        sql`SELECT ${asText(usageStats.date)} FROM ${usageStats} WHERE ${usageStats.userId} = ${userId} AND ${usageStats.date} = ${anyOf(all, 'date')}`,
      ),
    ).map((r) => r.date),
  );
  for (const days of chunks) {
    const dates = days.map((d) => d.date);
    const fresh = !dates.some((d) => had.has(d));
    const before = fresh ? NOTHING : await snapshot(tx, userId, dates);
    await write(days, fresh);
    await applySharedDeltas(tx, userId, dates, before);
  }
  await recomputeUser(tx, userId, all);
}

/** Months of the per-user monthly tables one statement recomputes. */
const MONTHS_PER_STATEMENT = 3;

/** The bit of a day in its month's mask, OR-ed over a group. */
const dayBit = (date: AnyColumn) => sql`bit_or(1 << (extract(day from ${date})::int - 1))`;

/** The offset from a month's first day of the lowest (min) or highest (max) bit set in a user_month_stats row's `dayMask`. */
const edgeDay = (edge: 'min' | 'max') => sql`(SELECT ${sql.raw(edge)}(d) FROM generate_series(0, 30) d WHERE ${userMonthStats.dayMask} & (1 << d) <> 0)`;

/**
 * user_month_stats and user_model_months for the months of `dates` from the spec tables, then
 * user_totals and user_model_totals from those monthly tables: the spec tables no longer hold
 * retired months (docs/ARCHITECTURE.md, "Retention"), the monthly ones hold every month.
 */
async function recomputeUser(tx: Database, userId: number, dates: string[]): Promise<void> {
  const months = [...new Set(dates.map((d) => `${d.slice(0, 7)}-01`))].sort();
  const [um, umm, ut, umt] = [userMonthStats, userModelMonths, userTotals, userModelTotals];
  // A few months per statement: each holds at most 31 days of the user's models, whatever the
  // upload, so a statement stays small on the embedded database, and a 30-day upload (two months)
  // takes four statements, not eight.
  for (const batch of chunksOf(months, () => 1, MONTHS_PER_STATEMENT)) {
    const set = anyOf(batch, 'date');
    const monthOf = (column: AnyColumn) => sql`date_trunc('month', ${column})::date`;
    const inMonths = (column: AnyColumn) =>
      sql`${column} >= ${batch[0]}::date AND ${column} < (${batch.at(-1)}::date + interval '1 month') AND ${monthOf(column)} = ${set}`;
    await step(tx, sql`DELETE FROM ${um} WHERE ${um.userId} = ${userId} AND ${um.month} = ${set}`);
    await step(
      tx,
      sql`
      INSERT INTO ${um} (${names(um.userId, um.month, um.activeDays, um.dayMask, ...dayNumbers(um))})
      SELECT ${usageStats.userId}, ${monthOf(usageStats.date)}, count(*), ${dayBit(usageStats.date)}, ${sums(...dayNumbers(usageStats))}
        FROM ${usageStats}
       WHERE ${usageStats.userId} = ${userId} AND ${inMonths(usageStats.date)}
       GROUP BY ${usageStats.userId}, ${monthOf(usageStats.date)}`,
    );
    await step(tx, sql`DELETE FROM ${umm} WHERE ${umm.userId} = ${userId} AND ${umm.month} = ${set}`);
    await step(
      tx,
      sql`
      INSERT INTO ${umm} (${names(umm.userId, umm.model, umm.month, umm.provider, umm.dayMask, ...modelNumbers(umm))})
      SELECT ${s.t.userId}, ${m.t.model}, ${monthOf(s.t.date)}, max(${m.t.provider}), ${dayBit(s.t.date)}, ${sums(...modelNumbers(m.t))}
        FROM ${m.from} JOIN ${s.from} ON ${s.t.id} = ${m.t.usageStatsId}
       WHERE ${s.t.userId} = ${userId} AND ${inMonths(s.t.date)}
       GROUP BY ${s.t.userId}, ${m.t.model}, ${monthOf(s.t.date)}`,
    );
  }
  await step(tx, sql`DELETE FROM ${ut} WHERE ${ut.userId} = ${userId}`);
  await step(
    tx,
    sql`
    INSERT INTO ${ut} (${names(ut.userId, ut.firstDate, ut.lastDate, ut.activeDays, ...dayNumbers(ut))})
    SELECT ${userId},
           (SELECT ${um.month} + (${edgeDay('min')}) FROM ${um} WHERE ${um.userId} = ${userId} ORDER BY ${um.month} LIMIT 1),
           (SELECT ${um.month} + (${edgeDay('max')}) FROM ${um} WHERE ${um.userId} = ${userId} ORDER BY ${um.month} DESC LIMIT 1),
           ${sums(um.activeDays, ...dayNumbers(um))}
      FROM ${um} WHERE ${um.userId} = ${userId}
    HAVING count(*) > 0`,
  );
  await step(tx, sql`DELETE FROM ${umt} WHERE ${umt.userId} = ${userId}`);
  await step(
    tx,
    sql`
    INSERT INTO ${umt} (${names(umt.userId, umt.model, umt.provider, umt.days, ...modelNumbers(umt))})
    SELECT ${umm.userId}, ${umm.model}, max(${umm.provider}), sum(bit_count(${umm.dayMask}::bit(31))), ${sums(...modelNumbers(umm))}
      FROM ${umm}
     WHERE ${umm.userId} = ${userId}
     GROUP BY ${umm.userId}, ${umm.model}`,
  );
}

/**
 * Before a user is deleted: their rows are taken out of the tables shared by all users and their
 * daily rows deleted, chunk by chunk, so that deleting a long history does not hold the event
 * loop; the caller then deletes the user, whose remaining rows (per-user summaries, uploads,
 * tokens) go by cascade.
 */
export async function removeUser(tx: Database, userId: number): Promise<void> {
  const days = rowsOf<TextRowOf<typeof usageStats, 'date'> & { models: number }>(
    await step(
      tx,
      sql`
      SELECT ${asText(s.t.date)}, count(${m.t.usageStatsId})::int AS models
        FROM ${s.from} LEFT JOIN ${m.from} ON ${m.t.usageStatsId} = ${s.t.id}
       WHERE ${s.t.userId} = ${userId}
       GROUP BY ${s.t.date}
       ORDER BY ${s.t.date}`,
    ),
  );
  for (const chunk of chunksOf(days, (d) => Number(d.models))) {
    const dates = chunk.map((d) => d.date);
    const set = anyOf(dates, 'date');
    await applySharedDeltas(tx, userId, dates, await snapshot(tx, userId, dates), true);
    await step(
      tx,
      sql`DELETE FROM ${modelUsage} WHERE ${modelUsage.usageStatsId} IN (SELECT ${usageStats.id} FROM ${usageStats} WHERE ${usageStats.userId} = ${userId} AND ${usageStats.date} = ${set})`,
    );
    await step(tx, sql`DELETE FROM ${usageStats} WHERE ${usageStats.userId} = ${userId} AND ${usageStats.date} = ${set}`);
    await step(
      tx,
      sql`DELETE FROM ${deviceDayModels} WHERE ${deviceDayModels.deviceDayId} IN (SELECT ${deviceDays.id} FROM ${deviceDays} WHERE ${deviceDays.userId} = ${userId} AND ${deviceDays.date} = ${set})`,
    );
    await step(tx, sql`DELETE FROM ${deviceDays} WHERE ${deviceDays.userId} = ${userId} AND ${deviceDays.date} = ${set}`);
    // The cascade from users would take them too, but in one statement as long as the history.
    await step(tx, sql`DELETE FROM ${projectDays} WHERE ${projectDays.userId} = ${userId} AND ${projectDays.date} = ${set}`);
  }
}
