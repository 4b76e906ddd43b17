import { createHash } from 'node:crypto';
import { type AnyColumn, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { timeSlicer } from '../common/time-slice.js';
import { aliased, as, list, nameOf, names } from '../db/columns.js';
import { type Database, rowsOf } from '../db/database-connection.js';
import { deviceDayModels, deviceDays, modelUsage, retiredMonths, usageStats, users } from '../db/schema.js';
import { anyOf, jsonSet } from '../db/sql.js';
import type { RowOf, TextRowOf } from '../read-model/rows.js';
import type { DaySlice } from './day-slice.js';
import { asText, dayNumbers, modelNumbers, setExcluded, step, sums } from './summaries.js';

/**
 * The device ledger's slices (device_days, device_day_models) and what follows from them
 * (usage_stats, model_usage), written inside the caller's transaction after the user's row lock:
 * shared by uploads (usage-ledger.ts) and telemetry (telemetry-ledger.ts).
 */

/**
 * The SHA-256 of a normalised day slice: equal slices, equal hashes. Telemetry's slices are
 * salted with their source, so an upload of the same numbers never looks unchanged and always
 * replaces them (uploads win).
 */
export function sliceHash(day: DaySlice, source: SliceOwner['source'] = 'upload'): string {
  const hash = createHash('sha256');
  if (source === 'telemetry') hash.update('telemetry\n');
  return hash.update(JSON.stringify(day)).digest('hex');
}

/** Date → hash of its slice, giving other work a turn every 20 ms (a 10 MB report hashes in about 100 ms). */
export async function sliceHashes(days: DaySlice[]): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  const slice = timeSlicer(20);
  for (const day of days) {
    hashes.set(day.date, sliceHash(day));
    await slice();
  }
  return hashes;
}

/**
 * Rows that go to the database as one JSON parameter, keyed by `table`'s TypeScript keys, and are
 * read back with jsonb_to_recordset into the columns of the same keys. `types` gives the SQL type
 * each key is read as; its order is the statement's.
 */
export function jsonRows<T extends PgTable, K extends keyof T['$inferInsert'] & string>(table: T, types: Record<K, string>) {
  const keys = Object.keys(types) as K[];
  const columns = getTableColumns(table) as Record<string, AnyColumn>;
  const x = sql.identifier('x');
  return {
    /** The columns written, by bare name: an INSERT's column list. */
    columns: names(...keys.map((k) => columns[k])),
    /** The values read, in the same order. */
    values: list(...keys.map((k) => sql`${x}.${sql.identifier(k)}`)),
    /** `jsonb_to_recordset($rows) AS x(…)`. */
    from: (rows: Array<{ [P in K]: T['$inferInsert'][P] | undefined }>): SQL =>
      sql`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS ${x}(${sql.join(
        keys.map((k) => sql`${sql.identifier(k)} ${sql.raw(types[k])}`),
        sql`, `,
      )})`,
  };
}

/** A device's slices of days, as replaceSlices writes them to device_days. */
const SLICES = jsonRows(deviceDays, {
  date: 'date',
  totalTokens: 'bigint',
  inputTokens: 'bigint',
  outputTokens: 'bigint',
  cacheCreationInputTokens: 'bigint',
  cacheReadInputTokens: 'bigint',
  totalCost: 'numeric',
  contentHash: 'text',
});

/** The slices' models, as replaceSlices writes them to device_day_models. */
const SLICE_MODELS = jsonRows(deviceDayModels, {
  deviceDayId: 'int',
  model: 'text',
  provider: 'text',
  inputTokens: 'bigint',
  outputTokens: 'bigint',
  cacheCreationInputTokens: 'bigint',
  cacheReadInputTokens: 'bigint',
  cost: 'numeric',
});

/** Takes the user's row lock: the first lock of every write of the user's data. */
export async function lockUser(tx: Database, userId: number): Promise<void> {
  await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update');
}

/**
 * The months (YYYY-MM) among these days' that are retired. Takes ROW EXCLUSIVE on device_days
 * first: a month being retired holds SHARE on device_days until it commits, so a writer then sees
 * it retired and cannot add rows behind the archive.
 */
export async function retiredAmong(tx: Database, dates: string[]): Promise<Set<string>> {
  await tx.execute(sql`LOCK TABLE ${deviceDays} IN ROW EXCLUSIVE MODE`);
  const r = retiredMonths;
  return new Set(
    rowsOf<TextRowOf<typeof retiredMonths, 'month'>>(
      await tx.execute(sql`
        SELECT ${as(sql`to_char(${r.month}, 'YYYY-MM')`, r.month)} FROM ${r}
         WHERE ${r.month} IN (SELECT DISTINCT date_trunc('month', d)::date FROM ${jsonSet(dates, 'date')} AS days(d))`),
    ).map((row) => row.month),
  );
}

/** Whose slices are written, and what reported them. */
export interface SliceOwner {
  userId: number;
  device: string;
  source: 'upload' | 'telemetry';
  /** The upload that wrote them; null for telemetry. */
  uploadId: number | null;
}

const excluded = (column: AnyColumn): SQL => sql`EXCLUDED.${nameOf(column)}`;

/**
 * Replaces the owner's device slices for these days and recomputes usage_stats and model_usage for
 * them. `fresh`: the user has no rows on these days yet (no device's), so there is nothing to delete first. */
export async function writeSlices(tx: Database, owner: SliceOwner, days: DaySlice[], hashes: Map<string, string>, fresh: boolean): Promise<void> {
  const { userId, device, source, uploadId } = owner;
  const dayRows = days.map((d) => ({
    date: d.date,
    totalTokens: d.totalTokens,
    inputTokens: d.inputTokens,
    outputTokens: d.outputTokens,
    cacheCreationInputTokens: d.cacheCreationTokens,
    cacheReadInputTokens: d.cacheReadTokens,
    totalCost: d.cost,
    contentHash: hashes.get(d.date),
  }));
  const dd = deviceDays;
  const slices = rowsOf<RowOf<typeof deviceDays, 'id'> & TextRowOf<typeof deviceDays, 'date'>>(
    await step(
      tx,
      sql`
      INSERT INTO ${dd} (${names(dd.userId, dd.device)}, ${SLICES.columns}, ${names(dd.source, dd.lastUploadId)})
      SELECT ${userId}, ${device}, ${SLICES.values}, ${source}, ${uploadId}::int
        FROM ${SLICES.from(dayRows)}
      ON CONFLICT (${names(dd.userId, dd.device, dd.date)}) DO UPDATE SET
             ${setExcluded(...dayNumbers(dd), dd.contentHash, dd.source, dd.lastUploadId)}, ${nameOf(dd.updatedAt)} = now()
      RETURNING ${dd.id}, ${asText(dd.date)}`,
    ),
  );
  const sliceIds = slices.map((slice) => slice.id);
  const idOf = new Map(slices.map((slice) => [slice.date, slice.id]));
  const ddm = deviceDayModels;
  if (!fresh) await step(tx, sql`DELETE FROM ${ddm} WHERE ${ddm.deviceDayId} = ${anyOf(sliceIds, 'int')}`);
  const modelRows = days.flatMap((d) =>
    d.models.map((model) => ({
      deviceDayId: idOf.get(d.date),
      model: model.model,
      provider: model.provider,
      inputTokens: model.inputTokens,
      outputTokens: model.outputTokens,
      cacheCreationInputTokens: model.cacheCreationTokens,
      cacheReadInputTokens: model.cacheReadTokens,
      cost: model.cost,
    })),
  );
  if (modelRows.length > 0) {
    await step(
      tx,
      sql`
      INSERT INTO ${ddm} (${SLICE_MODELS.columns})
      SELECT ${SLICE_MODELS.values}
        FROM ${SLICE_MODELS.from(modelRows)}`,
    );
  }
  await recomputeDays(
    tx,
    userId,
    days.map((d) => d.date),
    fresh,
  );
}

/** usage_stats and model_usage for these days := the sums over the user's device slices. */
async function recomputeDays(tx: Database, userId: number, dates: string[], fresh: boolean): Promise<void> {
  const days = anyOf(dates, 'date');
  const [us, dd] = [usageStats, deviceDays];
  await step(
    tx,
    sql`
    INSERT INTO ${us} (${names(us.userId, us.date, ...dayNumbers(us))})
    SELECT ${dd.userId}, ${dd.date}, ${sums(...dayNumbers(dd))}
      FROM ${dd}
     WHERE ${dd.userId} = ${userId} AND ${dd.date} = ${days}
     GROUP BY ${dd.userId}, ${dd.date}
    ON CONFLICT (${names(us.userId, us.date)}) DO UPDATE SET
           ${setExcluded(...dayNumbers(us))}, ${nameOf(us.updatedAt)} = now()
     WHERE (${list(...dayNumbers(us))}) IS DISTINCT FROM (${list(...dayNumbers(us).map(excluded))})`,
  );
  if (!fresh) {
    await step(
      tx,
      sql`
      DELETE FROM ${modelUsage}
       WHERE ${modelUsage.usageStatsId} IN (SELECT ${us.id} FROM ${us} WHERE ${us.userId} = ${userId} AND ${us.date} = ${days})`,
    );
  }
  const m = aliased(deviceDayModels, 'm');
  const d = aliased(deviceDays, 'd');
  const s = aliased(usageStats, 's');
  const mu = modelUsage;
  await step(
    tx,
    sql`
    INSERT INTO ${mu} (${names(mu.usageStatsId, mu.model, mu.provider, ...modelNumbers(mu))})
    SELECT ${s.t.id}, ${m.t.model}, max(${m.t.provider}), ${sums(...modelNumbers(m.t))}
      FROM ${m.from}
      JOIN ${d.from} ON ${d.t.id} = ${m.t.deviceDayId}
      JOIN ${s.from} ON ${s.t.userId} = ${d.t.userId} AND ${s.t.date} = ${d.t.date}
     WHERE ${d.t.userId} = ${userId} AND ${d.t.date} = ${days}
     GROUP BY ${s.t.id}, ${m.t.model}`,
  );
}
