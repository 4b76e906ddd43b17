import { sql, type SQL } from 'drizzle-orm';
import { type Database, rowsOf } from '../db/database-connection.js';
import { jsonSet } from '../db/sql.js';

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
 */


/** The user's rows for these days before a change: what the deltas subtract. */
export interface Snapshot {
  days: string;
  models: string;
}

const dayRowsSql = (userId: number, dates: SQL) => sql`
  SELECT date::text AS date, total_tokens, input_tokens, output_tokens, cache_creation_input_tokens,
         cache_read_input_tokens, total_cost::text AS total_cost
    FROM usage_stats WHERE user_id = ${userId} AND date IN ${dates}`;

const modelRowsSql = (userId: number, dates: SQL) => sql`
  SELECT s.date::text AS date, m.model, m.provider, m.input_tokens, m.output_tokens,
         m.cache_creation_input_tokens, m.cache_read_input_tokens, m.cost::text AS cost
    FROM model_usage m JOIN usage_stats s ON s.id = m.usage_stats_id
   WHERE s.user_id = ${userId} AND s.date IN ${dates}`;

async function asJson(tx: Database, query: SQL): Promise<string> {
  const [row] = rowsOf<{ rows: unknown }>(await tx.execute(sql`SELECT coalesce(json_agg(q), '[]'::json)::text AS rows FROM (${query}) q`));
  return String(row!.rows);
}

export async function snapshot(tx: Database, userId: number, dates: string[]): Promise<Snapshot> {
  const set = jsonSet(dates, 'date');
  return { days: await asJson(tx, dayRowsSql(userId, set)), models: await asJson(tx, modelRowsSql(userId, set)) };
}

const DAY_COLUMNS = sql`date date, total_tokens bigint, input_tokens bigint, output_tokens bigint,
  cache_creation_input_tokens bigint, cache_read_input_tokens bigint, total_cost numeric`;
const MODEL_COLUMNS = sql`date date, model text, provider text, input_tokens bigint, output_tokens bigint,
  cache_creation_input_tokens bigint, cache_read_input_tokens bigint, cost numeric`;

/**
 * Brings every summary table up to date after the user's usage_stats/model_usage rows for `dates`
 * changed from `before` to what they are now. With `removing`, the user's rows are about to be
 * deleted: the shared tables lose them and the per-user tables are left to the cascade.
 */
export async function applyChange(tx: Database, userId: number, dates: string[], before: Snapshot, removing = false): Promise<void> {
  const set = jsonSet(dates, 'date');
  const nowDays = removing ? sql`SELECT * FROM jsonb_to_recordset('[]'::jsonb) AS x(${DAY_COLUMNS})` : dayRowsSql(userId, set);
  const nowModels = removing ? sql`SELECT * FROM jsonb_to_recordset('[]'::jsonb) AS x(${MODEL_COLUMNS})` : modelRowsSql(userId, set);

  await tx.execute(sql`
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
  await tx.execute(sql`DELETE FROM day_stats WHERE date IN ${set} AND active_users = 0`);

  await tx.execute(sql`
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
  await tx.execute(sql`DELETE FROM model_day_stats WHERE date IN ${set} AND users = 0`);

  if (removing) return;
  await recomputeUser(tx, userId, dates);
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
  const months = [...new Set(dates.map((d) => `${d.slice(0, 7)}-01`))];
  const monthSet = jsonSet(months, 'date');
  await tx.execute(sql`DELETE FROM user_month_stats WHERE user_id = ${userId} AND month IN ${monthSet}`);
  await tx.execute(sql`
    INSERT INTO user_month_stats (user_id, month, active_days, day_mask, total_tokens, input_tokens, output_tokens,
                                  cache_creation_input_tokens, cache_read_input_tokens, total_cost)
    SELECT user_id, date_trunc('month', date)::date, count(*), ${DAY_BIT}, sum(total_tokens), sum(input_tokens), sum(output_tokens),
           sum(cache_creation_input_tokens), sum(cache_read_input_tokens), sum(total_cost)
      FROM usage_stats
     WHERE user_id = ${userId} AND date_trunc('month', date)::date IN ${monthSet}
     GROUP BY user_id, date_trunc('month', date)::date`);
  await tx.execute(sql`DELETE FROM user_model_months WHERE user_id = ${userId} AND month IN ${monthSet}`);
  await tx.execute(sql`
    INSERT INTO user_model_months (user_id, model, month, provider, day_mask, input_tokens, output_tokens,
                                   cache_creation_input_tokens, cache_read_input_tokens, cost)
    SELECT s.user_id, m.model, date_trunc('month', s.date)::date, max(m.provider), ${sql.raw(DAY_BIT_OF('s.date'))},
           sum(m.input_tokens), sum(m.output_tokens), sum(m.cache_creation_input_tokens), sum(m.cache_read_input_tokens), sum(m.cost)
      FROM model_usage m JOIN usage_stats s ON s.id = m.usage_stats_id
     WHERE s.user_id = ${userId} AND date_trunc('month', s.date)::date IN ${monthSet}
     GROUP BY s.user_id, m.model, date_trunc('month', s.date)::date`);
  await tx.execute(sql`DELETE FROM user_totals WHERE user_id = ${userId}`);
  await tx.execute(sql`
    INSERT INTO user_totals (user_id, first_date, last_date, active_days, total_tokens, input_tokens, output_tokens,
                             cache_creation_input_tokens, cache_read_input_tokens, total_cost)
    SELECT ${userId},
           (SELECT month + (${LOWEST_DAY}) FROM user_month_stats WHERE user_id = ${userId} ORDER BY month LIMIT 1),
           (SELECT month + (${HIGHEST_DAY}) FROM user_month_stats WHERE user_id = ${userId} ORDER BY month DESC LIMIT 1),
           sum(active_days), sum(total_tokens), sum(input_tokens), sum(output_tokens),
           sum(cache_creation_input_tokens), sum(cache_read_input_tokens), sum(total_cost)
      FROM user_month_stats WHERE user_id = ${userId}
    HAVING count(*) > 0`);
  await tx.execute(sql`DELETE FROM user_model_totals WHERE user_id = ${userId}`);
  await tx.execute(sql`
    INSERT INTO user_model_totals (user_id, model, provider, days, input_tokens, output_tokens,
                                   cache_creation_input_tokens, cache_read_input_tokens, cost)
    SELECT user_id, model, max(provider), sum(bit_count(day_mask::bit(31))),
           sum(input_tokens), sum(output_tokens), sum(cache_creation_input_tokens), sum(cache_read_input_tokens), sum(cost)
      FROM user_model_months
     WHERE user_id = ${userId}
     GROUP BY user_id, model`);
}

/** Before a user is deleted: take their rows out of the tables shared by all users. */
export async function removeUser(tx: Database, userId: number): Promise<void> {
  const dates = rowsOf<{ date: string }>(await tx.execute(sql`SELECT date::text AS date FROM usage_stats WHERE user_id = ${userId}`)).map((r) => r.date);
  if (dates.length === 0) return;
  await applyChange(tx, userId, dates, await snapshot(tx, userId, dates), true);
}
