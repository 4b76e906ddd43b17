import { sql } from 'drizzle-orm';
import { type Database, rowsOf } from '../db/database-connection.js';

/** How many rows one retired month had in each table, as deleted. */
export interface RetiredCounts {
  users: number;
  usageDays: number;
  modelRows: number;
  deviceDays: number;
  deviceModelRows: number;
}

const monthEnd = (month: string) => sql`(${month}::date + interval '1 month')::date`;

/** One usage_stats row with its model_usage rows nested: a line of the archive. */
const usageLines = (month: string) => sql`
  SELECT json_build_object(
           'kind', 'usage', 'userId', s.user_id, 'username', u.username, 'date', s.date::text,
           'totalTokens', s.total_tokens, 'inputTokens', s.input_tokens, 'outputTokens', s.output_tokens,
           'cacheCreationInputTokens', s.cache_creation_input_tokens, 'cacheReadInputTokens', s.cache_read_input_tokens,
           'totalCost', s.total_cost::text,
           'models', (SELECT coalesce(json_agg(json_build_object(
                        'model', m.model, 'provider', m.provider, 'inputTokens', m.input_tokens,
                        'outputTokens', m.output_tokens, 'cacheCreationInputTokens', m.cache_creation_input_tokens,
                        'cacheReadInputTokens', m.cache_read_input_tokens, 'cost', m.cost::text) ORDER BY m.model), '[]'::json)
                        FROM model_usage m WHERE m.usage_stats_id = s.id))::text AS line
    FROM usage_stats s JOIN users u ON u.id = s.user_id
   WHERE s.date >= ${month}::date AND s.date < ${monthEnd(month)}
   ORDER BY s.date, s.user_id`;

/** One device_days slice with its device_day_models rows nested. */
const deviceLines = (month: string) => sql`
  SELECT json_build_object(
           'kind', 'device', 'userId', d.user_id, 'username', u.username, 'device', d.device, 'date', d.date::text,
           'totalTokens', d.total_tokens, 'inputTokens', d.input_tokens, 'outputTokens', d.output_tokens,
           'cacheCreationInputTokens', d.cache_creation_input_tokens, 'cacheReadInputTokens', d.cache_read_input_tokens,
           'totalCost', d.total_cost::text, 'contentHash', d.content_hash,
           'models', (SELECT coalesce(json_agg(json_build_object(
                        'model', m.model, 'provider', m.provider, 'inputTokens', m.input_tokens,
                        'outputTokens', m.output_tokens, 'cacheCreationInputTokens', m.cache_creation_input_tokens,
                        'cacheReadInputTokens', m.cache_read_input_tokens, 'cost', m.cost::text) ORDER BY m.model), '[]'::json)
                        FROM device_day_models m WHERE m.device_day_id = d.id))::text AS line
    FROM device_days d JOIN users u ON u.id = d.user_id
   WHERE d.date >= ${month}::date AND d.date < ${monthEnd(month)}
   ORDER BY d.date, d.user_id, d.device`;

const count = async (db: Database, query: ReturnType<typeof sql>) => Number(rowsOf<{ n: string | number }>(await db.execute(query))[0]!.n);

/**
 * Retires one month in one transaction. Uploads are held off first (SHARE on device_days
 * conflicts with the ROW EXCLUSIVE every upload takes before it checks retired_months), so the
 * archive written by `write` holds exactly the rows deleted after it. `write` gets the archive's
 * lines and must have the file in place when it returns; the deletion commits only then.
 * Returns undefined when the month was already retired (by another replica).
 */
export async function retireMonth(
  db: Database,
  month: string,
  archive: string,
  write: (lines: AsyncIterable<string>) => Promise<void>,
): Promise<RetiredCounts | undefined> {
  return db.transaction(async (t) => {
    const tx = t as unknown as Database;
    await tx.execute(sql`LOCK TABLE device_days IN SHARE MODE`);
    if (await count(tx, sql`SELECT count(*) AS n FROM retired_months WHERE month = ${month}::date`)) return undefined;

    const usage = rowsOf<{ line: string }>(await tx.execute(usageLines(month))).map((r) => r.line);
    const devices = rowsOf<{ line: string }>(await tx.execute(deviceLines(month))).map((r) => r.line);
    await write(
      (async function* () {
        yield* usage;
        yield* devices;
      })(),
    );

    const end = monthEnd(month);
    const users = await count(tx, sql`SELECT count(DISTINCT user_id) AS n FROM usage_stats WHERE date >= ${month}::date AND date < ${end}`);
    const modelRows = await count(tx, sql`
      WITH d AS (DELETE FROM model_usage WHERE usage_stats_id IN
                   (SELECT id FROM usage_stats WHERE date >= ${month}::date AND date < ${end}) RETURNING 1)
      SELECT count(*) AS n FROM d`);
    const usageDays = await count(tx, sql`
      WITH d AS (DELETE FROM usage_stats WHERE date >= ${month}::date AND date < ${end} RETURNING 1) SELECT count(*) AS n FROM d`);
    const deviceModelRows = await count(tx, sql`
      WITH d AS (DELETE FROM device_day_models WHERE device_day_id IN
                   (SELECT id FROM device_days WHERE date >= ${month}::date AND date < ${end}) RETURNING 1)
      SELECT count(*) AS n FROM d`);
    const deviceDays = await count(tx, sql`
      WITH d AS (DELETE FROM device_days WHERE date >= ${month}::date AND date < ${end} RETURNING 1) SELECT count(*) AS n FROM d`);
    if (usageDays !== usage.length || deviceDays !== devices.length) {
      throw new Error(`retention of ${month}: archived ${usage.length}/${devices.length} rows but deleted ${usageDays}/${deviceDays}`);
    }
    await tx.execute(sql`INSERT INTO retired_months (month, users, days, archive) VALUES (${month}::date, ${users}, ${usageDays}, ${archive})`);
    return { users, usageDays, modelRows, deviceDays, deviceModelRows };
  });
}
