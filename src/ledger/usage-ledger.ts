import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type AnyColumn, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { DomainError, ErrorCode } from '../common/errors.js';
import { timeSlicer } from '../common/time-slice.js';
import { aliased, as, list, nameOf, names } from '../db/columns.js';
import { type Database, rowsOf, transaction } from '../db/database-connection.js';
import { InjectDb } from '../db/database.module.js';
import { deviceDayModels, deviceDays, modelUsage, retiredMonths, uploads, usageStats, users } from '../db/schema.js';
import { anyOf, jsonSet, PG_NUMERIC_OVERFLOW, pgErrorCode } from '../db/sql.js';
import { asKey, type RowOf, type TextRowOf } from '../read-model/rows.js';
import { type DaySlice, reportTotals, type UsageReport } from './day-slice.js';
import { type RetiredCounts, retireMonth } from './retirement.js';
import { asText, changeDays, chunksOf, dayNumbers, modelNumbers, removeUser, setExcluded, step, sums } from './summaries.js';

export interface StoreResult {
  uploadId: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Days of the report in retired months: not stored. */
  ignored: string[];
  /** The report's warnings, plus one naming the ignored days. */
  warnings: string[];
}

/** The warning of an upload some of whose days fall in retired months. */
export function ignoredWarning(dates: string[]): string {
  const months = [...new Set(dates.map((d) => d.slice(0, 7)))];
  return (
    `${dates.length} day(s) from ${dates[0]} to ${dates.at(-1)} were ignored: ${months.join(', ')} ` +
    `${months.length === 1 ? 'is' : 'are'} retired (kept only as monthly totals; RETENTION_DAYS), so days there cannot be changed.`
  );
}

/** The SHA-256 of a normalised day slice: equal slices, equal hashes. */
export function sliceHash(day: DaySlice): string {
  return createHash('sha256').update(JSON.stringify(day)).digest('hex');
}

/** Date → hash of its slice, giving other work a turn every 20 ms (a 10 MB report hashes in about 100 ms). */
async function sliceHashes(days: DaySlice[]): Promise<Map<string, string>> {
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
function jsonRows<T extends PgTable, K extends keyof T['$inferInsert'] & string>(table: T, types: Record<K, string>) {
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
async function lockUser(tx: Database, userId: number): Promise<void> {
  await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update');
}

const excluded = (column: AnyColumn): SQL => sql`EXCLUDED.${nameOf(column)}`;

/**
 * Every write of usage data goes through here: uploads (the device ledger, usage_stats and
 * model_usage recomputed from it, the summary tables kept exact), a user's removal, and the
 * retirement of old months. Callers decide what to write and when; the ledger keeps the tables
 * consistent with one another and takes the locks in the one order that rules out deadlocks.
 */
@Injectable()
export class UsageLedger {
  constructor(@InjectDb() private readonly db: Database) {}

  /**
   * Stores an upload in one transaction: the device's slices for the report's days are replaced
   * (days the report does not contain are left alone), then usage_stats and model_usage are
   * recomputed as sums over the user's devices for exactly the days that changed. Uploads for one
   * user serialize on the user's row lock, taken first, so they cannot deadlock or lose updates.
   */
  async recordUpload(input: { userId: number; device: string; timeZone: string | undefined; report: UsageReport; sizeBytes: number }): Promise<StoreResult> {
    const { userId, device, report } = input;
    try {
      return await transaction(this.db, async (tx) => {
        await lockUser(tx, userId);
        // Taken before retired_months is read: a month being retired holds SHARE on device_days
        // until it commits, so this upload then sees it retired and cannot add rows behind the archive.
        await tx.execute(sql`LOCK TABLE ${deviceDays} IN ROW EXCLUSIVE MODE`);
        const r = retiredMonths;
        const reportDays = report.days.map((day) => day.date);
        const retired = new Set(
          rowsOf<TextRowOf<typeof retiredMonths, 'month'>>(
            await tx.execute(sql`
              SELECT ${as(sql`to_char(${r.month}, 'YYYY-MM')`, r.month)} FROM ${r}
               WHERE ${r.month} IN (SELECT DISTINCT date_trunc('month', d)::date FROM ${jsonSet(reportDays, 'date')} AS days(d))`),
          ).map((row) => row.month),
        );
        const ignored = report.days.filter((d) => retired.has(d.date.slice(0, 7))).map((d) => d.date);
        const kept = retired.size === 0 ? report.days : report.days.filter((d) => !retired.has(d.date.slice(0, 7)));
        const warnings = ignored.length > 0 ? [...report.warnings, ignoredWarning(ignored)] : report.warnings;

        const hashes = await sliceHashes(kept);
        const dd = deviceDays;
        const existing = new Map(
          rowsOf<TextRowOf<typeof deviceDays, 'date'> & Pick<typeof deviceDays.$inferSelect, 'contentHash'>>(
            await tx.execute(sql`
              SELECT ${asText(dd.date)}, ${asKey(dd, 'contentHash', dd.contentHash)} FROM ${dd}
               WHERE ${dd.userId} = ${userId} AND ${dd.device} = ${device} AND ${dd.date} IN ${jsonSet([...hashes.keys()], 'date')}`),
          ).map((row) => [row.date, row.contentHash]),
        );
        const changed = kept.filter((d) => existing.get(d.date) !== hashes.get(d.date));
        const inserted = changed.filter((d) => !existing.has(d.date)).length;
        const updated = changed.length - inserted;
        const unchanged = kept.length - changed.length;

        const totals = reportTotals(report.days);
        const [upload] = await tx
          .insert(uploads)
          .values({
            userId,
            device,
            format: report.format,
            timeZone: input.timeZone ?? null,
            days: report.days.length,
            firstDate: report.days[0]?.date ?? null,
            lastDate: report.days.at(-1)?.date ?? null,
            inserted,
            updated,
            unchanged,
            totalTokens: totals.totalTokens,
            inputTokens: totals.inputTokens,
            outputTokens: totals.outputTokens,
            cacheCreationInputTokens: totals.cacheCreationTokens,
            cacheReadInputTokens: totals.cacheReadTokens,
            totalCost: totals.totalCost,
            sizeBytes: input.sizeBytes,
            warnings,
          })
          .returning({ id: uploads.id });

        if (changed.length > 0) {
          // Ascending dates: the order summaries.ts relies on to rule out deadlocks between uploads.
          const byDate = [...changed].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
          await changeDays(
            tx,
            userId,
            chunksOf(byDate, (day) => day.models.length),
            (days, fresh) => this.replaceSlices(tx, userId, device, upload.id, days, hashes, fresh),
          );
        }
        return { uploadId: upload.id, inserted, updated, unchanged, ignored, warnings };
      });
    } catch (error) {
      if (pgErrorCode(error) === PG_NUMERIC_OVERFLOW) {
        throw new DomainError(
          ErrorCode.UnprocessableReport,
          "A day's cost summed over this user's devices would exceed 999,999.9999 USD, the most the database keeps for a day.",
        );
      }
      throw error;
    }
  }

  /** `fresh`: the user has no rows on these days yet (no device's), so there is nothing to delete first. */
  private async replaceSlices(
    tx: Database,
    userId: number,
    device: string,
    uploadId: number,
    days: DaySlice[],
    hashes: Map<string, string>,
    fresh: boolean,
  ): Promise<void> {
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
        INSERT INTO ${dd} (${names(dd.userId, dd.device)}, ${SLICES.columns}, ${names(dd.lastUploadId)})
        SELECT ${userId}, ${device}, ${SLICES.values}, ${uploadId}
          FROM ${SLICES.from(dayRows)}
        ON CONFLICT (${names(dd.userId, dd.device, dd.date)}) DO UPDATE SET
               ${setExcluded(...dayNumbers(dd), dd.contentHash, dd.lastUploadId)}, ${nameOf(dd.updatedAt)} = now()
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
    await this.recomputeDays(
      tx,
      userId,
      days.map((d) => d.date),
      fresh,
    );
  }

  /** usage_stats and model_usage for these days := the sums over the user's device slices. */
  private async recomputeDays(tx: Database, userId: number, dates: string[], fresh: boolean): Promise<void> {
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

  /** Deletes a user with all their usage, taking what they contributed out of the shared summaries. */
  async removeUser(userId: number): Promise<void> {
    await transaction(this.db, async (tx) => {
      await lockUser(tx, userId);
      await removeUser(tx, userId);
      await tx.delete(users).where(eq(users.id, userId));
    });
  }

  /**
   * Retires one month: its daily rows go to the archive that `write` puts in place, then are
   * deleted, in one transaction on `db` (the connection holding the retention lock). Undefined
   * when another replica retired it first.
   */
  retireMonth(db: Database, month: string, archive: string, write: (lines: Iterable<string>) => Promise<void>): Promise<RetiredCounts | undefined> {
    return retireMonth(db, month, archive, write);
  }
}
