import { sql, type SQL } from 'drizzle-orm';
import { nextTurn } from '../common/time-slice.js';
import { type Database, rowsOf } from '../db/database-connection.js';
import { anyOf } from '../db/sql.js';

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

/** The user's rows for these days before a change: what the deltas subtract. */
export interface Snapshot {
  days: string;
  models: string;
}

const dayRowsSql = (userId: number, dates: SQL) => sql`
  SELECT date::text AS date, total_tokens, input_tokens, output_tokens, cache_creation_input_tokens,
         cache_read_input_tokens, total_cost::text AS total_cost
    FROM usage_stats WHERE user_id = ${userId} AND date = ${dates}`;

const modelRowsSql = (userId: number, dates: SQL) => sql`
  SELECT s.date::text AS date, m.model, m.provider, m.input_tokens, m.output_tokens,
         m.cache_creation_input_tokens, m.cache_read_input_tokens, m.cost::text AS cost
    FROM model_usage m JOIN usage_stats s ON s.id = m.usage_stats_id
   WHERE s.user_id = ${userId} AND s.date = ${dates}`;

async function asJson(tx: Database, query: SQL): Promise<string> {
  const [row] = rowsOf<{ rows: unknown }>(await step(tx, sql`SELECT coalesce(json_agg(q), '[]'::json)::text AS rows FROM (${query}) q`));
  return String(row!.rows);
}

const NOTHING: Snapshot = { days: '[]', models: '[]' };

export async function snapshot(tx: Database, userId: number, dates: string[]): Promise<Snapshot> {
  const set = anyOf(dates, 'date');
  return { days: await asJson(tx, dayRowsSql(userId, set)), models: await asJson(tx, modelRowsSql(userId, set)) };
}

const DAY_COLUMNS = sql`date date, total_tokens bigint, input_tokens bigint, output_tokens bigint,
  cache_creation_input_tokens bigint, cache_read_input_tokens bigint, total_cost numeric`;
const MODEL_COLUMNS = sql`date date, model text, provider text, input_tokens bigint, output_tokens bigint,
  cache_creation_input_tokens bigint, cache_read_input_tokens bigint, cost numeric`;

/**
 * Brings the shared tables (day_stats, model_day_stats) up to date after the user's
 * usage_stats/model_usage rows for `dates` changed from `before` to what they are now. With
 * `removing`, the user's rows are about to be deleted: the shared tables lose them.
 */
async function applySharedDeltas(tx: Database, userId: number, dates: string[], before: Snapshot, removing = false): Promise<void> {
  const set = anyOf(dates, 'date');
  const nowDays = removing ? sql`SELECT * FROM jsonb_to_recordset('[]'::jsonb) AS x(${DAY_COLUMNS})` : dayRowsSql(userId, set);
  const nowModels = removing ? sql`SELECT * FROM jsonb_to_recordset('[]'::jsonb) AS x(${MODEL_COLUMNS})` : modelRowsSql(userId, set);

  await step(tx, sql`
    INSERT INTO day_stats AS t (date, active_users, total_tokens, input_tokens, output_tokens,
                                cache_creation_input_tokens, cache_read_input_tokens, total_cost)
    SELECT date, sum(n), sum(total_tokens), sum(input_tokens), sum(output_tokens),
           sum(cache_creation_input_tokens), sum(cache_read_input_tokens), sum(total_cost)
      FROM (SELECT date::date, 1 AS n, total_tokens, input_tokens, output_tokens, cache_creation_input_tokens,
                   cache_read_input_tokens, total_cost::numeric FROM (${nowDays}) a
            UNION ALL
            SELECT date, -1, -total_tokens, -input_tokens, -output_tokens, -cache_creation_input_tokens,
                   -cache_read_input_tokens, -total_cost
              FROM jsonb_to_recordset(${before.days}::jsonb) AS b(${DAY_COLUMNS})) delta
     GROUP BY date
     ORDER BY date
    ON CONFLICT (date) DO UPDATE SET
           active_users = t.active_users + EXCLUDED.active_users,
           total_tokens = t.total_tokens + EXCLUDED.total_tokens,
           input_tokens = t.input_tokens + EXCLUDED.input_tokens,
           output_tokens = t.output_tokens + EXCLUDED.output_tokens,
           cache_creation_input_tokens = t.cache_creation_input_tokens + EXCLUDED.cache_creation_input_tokens,
           cache_read_input_tokens = t.cache_read_input_tokens + EXCLUDED.cache_read_input_tokens,
           total_cost = t.total_cost + EXCLUDED.total_cost`);
  // A day's count falls to 0 only when a user's day goes; a model's also when it leaves a user's
  // day. Neither can happen when nothing was there before.
  const subtracted = before.days !== NOTHING.days;
  if (removing) await step(tx, sql`DELETE FROM day_stats WHERE date = ${set} AND active_users = 0`);

  await step(tx, sql`
    INSERT INTO model_day_stats AS t (date, model, provider, users, input_tokens, output_tokens,
                                      cache_creation_input_tokens, cache_read_input_tokens, cost)
    SELECT date, model, max(provider), sum(n), sum(input_tokens), sum(output_tokens),
           sum(cache_creation_input_tokens), sum(cache_read_input_tokens), sum(cost)
      FROM (SELECT date::date, model, provider, 1 AS n, input_tokens, output_tokens, cache_creation_input_tokens,
                   cache_read_input_tokens, cost::numeric FROM (${nowModels}) a
            UNION ALL
            SELECT date, model, provider, -1, -input_tokens, -output_tokens, -cache_creation_input_tokens,
                   -cache_read_input_tokens, -cost
              FROM jsonb_to_recordset(${before.models}::jsonb) AS b(${MODEL_COLUMNS})) delta
     GROUP BY date, model
     ORDER BY date, model
    ON CONFLICT (date, model) DO UPDATE SET
           provider = EXCLUDED.provider,
           users = t.users + EXCLUDED.users,
           input_tokens = t.input_tokens + EXCLUDED.input_tokens,
           output_tokens = t.output_tokens + EXCLUDED.output_tokens,
           cache_creation_input_tokens = t.cache_creation_input_tokens + EXCLUDED.cache_creation_input_tokens,
           cache_read_input_tokens = t.cache_read_input_tokens + EXCLUDED.cache_read_input_tokens,
           cost = t.cost + EXCLUDED.cost`);
  if (subtracted) await step(tx, sql`DELETE FROM model_day_stats WHERE date = ${set} AND users = 0`);
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
    rowsOf<{ date: string }>(await step(tx, sql`SELECT date::text AS date FROM usage_stats WHERE user_id = ${userId} AND date = ${anyOf(all, 'date')}`)).map(
      (r) => r.date,
    ),
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

/** The bit of a day in its month's mask, OR-ed over a group. */
const DAY_BIT_OF = (column: string) => `bit_or(1 << (extract(day from ${column})::int - 1))`;
const DAY_BIT = sql.raw(DAY_BIT_OF('date'));

/** The offset from a month's first day of the lowest and highest bit set in its day_mask. */
const LOWEST_DAY = sql.raw(`(SELECT min(d) FROM generate_series(0, 30) d WHERE day_mask & (1 << d) <> 0)`);
const HIGHEST_DAY = sql.raw(`(SELECT max(d) FROM generate_series(0, 30) d WHERE day_mask & (1 << d) <> 0)`);

/**
 * user_month_stats and user_model_months for the months of `dates` from the spec tables, then
 * user_totals and user_model_totals from those monthly tables: the spec tables no longer hold
 * retired months (docs/ARCHITECTURE.md, "Retention"), the monthly ones hold every month.
 */
async function recomputeUser(tx: Database, userId: number, dates: string[]): Promise<void> {
  const months = [...new Set(dates.map((d) => `${d.slice(0, 7)}-01`))].sort();
  // One month at a time: a month holds at most 31 days of the user's models, whatever the upload.
  for (const month of months) {
    const inMonth = (column: SQL) => sql`${column} >= ${month}::date AND ${column} < (${month}::date + interval '1 month')`;
    await step(tx, sql`DELETE FROM user_month_stats WHERE user_id = ${userId} AND month = ${month}::date`);
    await step(tx, sql`
      INSERT INTO user_month_stats (user_id, month, active_days, day_mask, total_tokens, input_tokens, output_tokens,
                                    cache_creation_input_tokens, cache_read_input_tokens, total_cost)
      SELECT user_id, ${month}::date, count(*), ${DAY_BIT}, sum(total_tokens), sum(input_tokens), sum(output_tokens),
             sum(cache_creation_input_tokens), sum(cache_read_input_tokens), sum(total_cost)
        FROM usage_stats
       WHERE user_id = ${userId} AND ${inMonth(sql`date`)}
       GROUP BY user_id`);
    await step(tx, sql`DELETE FROM user_model_months WHERE user_id = ${userId} AND month = ${month}::date`);
    await step(tx, sql`
      INSERT INTO user_model_months (user_id, model, month, provider, day_mask, input_tokens, output_tokens,
                                     cache_creation_input_tokens, cache_read_input_tokens, cost)
      SELECT s.user_id, m.model, ${month}::date, max(m.provider), ${sql.raw(DAY_BIT_OF('s.date'))},
             sum(m.input_tokens), sum(m.output_tokens), sum(m.cache_creation_input_tokens), sum(m.cache_read_input_tokens), sum(m.cost)
        FROM model_usage m JOIN usage_stats s ON s.id = m.usage_stats_id
       WHERE s.user_id = ${userId} AND ${inMonth(sql`s.date`)}
       GROUP BY s.user_id, m.model`);
  }
  await step(tx, sql`DELETE FROM user_totals WHERE user_id = ${userId}`);
  await step(tx, sql`
    INSERT INTO user_totals (user_id, first_date, last_date, active_days, total_tokens, input_tokens, output_tokens,
                             cache_creation_input_tokens, cache_read_input_tokens, total_cost)
    SELECT ${userId},
           (SELECT month + (${LOWEST_DAY}) FROM user_month_stats WHERE user_id = ${userId} ORDER BY month LIMIT 1),
           (SELECT month + (${HIGHEST_DAY}) FROM user_month_stats WHERE user_id = ${userId} ORDER BY month DESC LIMIT 1),
           sum(active_days), sum(total_tokens), sum(input_tokens), sum(output_tokens),
           sum(cache_creation_input_tokens), sum(cache_read_input_tokens), sum(total_cost)
      FROM user_month_stats WHERE user_id = ${userId}
    HAVING count(*) > 0`);
  await step(tx, sql`DELETE FROM user_model_totals WHERE user_id = ${userId}`);
  await step(tx, sql`
    INSERT INTO user_model_totals (user_id, model, provider, days, input_tokens, output_tokens,
                                   cache_creation_input_tokens, cache_read_input_tokens, cost)
    SELECT user_id, model, max(provider), sum(bit_count(day_mask::bit(31))),
           sum(input_tokens), sum(output_tokens), sum(cache_creation_input_tokens), sum(cache_read_input_tokens), sum(cost)
      FROM user_model_months
     WHERE user_id = ${userId}
     GROUP BY user_id, model`);
}

/**
 * Before a user is deleted: their rows are taken out of the tables shared by all users and their
 * daily rows deleted, chunk by chunk, so that deleting a long history does not hold the event
 * loop; the caller then deletes the user, whose remaining rows (per-user summaries, uploads,
 * tokens) go by cascade.
 */
export async function removeUser(tx: Database, userId: number): Promise<void> {
  const days = rowsOf<{ date: string; models: number }>(
    await step(tx, sql`
      SELECT s.date::text AS date, count(m.usage_stats_id)::int AS models
        FROM usage_stats s LEFT JOIN model_usage m ON m.usage_stats_id = s.id
       WHERE s.user_id = ${userId}
       GROUP BY s.date
       ORDER BY s.date`),
  );
  for (const chunk of chunksOf(days, (d) => Number(d.models))) {
    const dates = chunk.map((d) => d.date);
    const set = anyOf(dates, 'date');
    await applySharedDeltas(tx, userId, dates, await snapshot(tx, userId, dates), true);
    await step(tx, sql`DELETE FROM model_usage WHERE usage_stats_id IN (SELECT id FROM usage_stats WHERE user_id = ${userId} AND date = ${set})`);
    await step(tx, sql`DELETE FROM usage_stats WHERE user_id = ${userId} AND date = ${set}`);
    await step(tx, sql`DELETE FROM device_day_models WHERE device_day_id IN (SELECT id FROM device_days WHERE user_id = ${userId} AND date = ${set})`);
    await step(tx, sql`DELETE FROM device_days WHERE user_id = ${userId} AND date = ${set}`);
  }
}
