import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { eq, sql } from 'drizzle-orm';
import { DomainError, ErrorCode } from '../common/errors.js';
import { timeSlicer } from '../common/time-slice.js';
import { type Database, rowsOf } from '../db/database-connection.js';
import { InjectDb } from '../db/database.module.js';
import { anyOf, jsonSet, PG_NUMERIC_OVERFLOW, pgErrorCode } from '../db/sql.js';
import { uploads, users } from '../db/schema.js';
import { type DaySlice, reportTotals, type UsageReport } from './day-slice.js';
import { type RetiredCounts, retireMonth } from './retirement.js';
import { changeDays, chunksOf, removeUser, step } from './summaries.js';

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
      return await this.db.transaction(async (tx) => {
        await tx.execute(sql`SELECT id FROM users WHERE id = ${userId} FOR UPDATE`);
        // Taken before retired_months is read: a month being retired holds SHARE on device_days
        // until it commits, so this upload then sees it retired and cannot add rows behind the archive.
        await tx.execute(sql`LOCK TABLE device_days IN ROW EXCLUSIVE MODE`);
        const retired = new Set(
          rowsOf<{ month: string }>(
            await tx.execute(sql`
              SELECT to_char(month, 'YYYY-MM') AS month FROM retired_months
               WHERE month IN (SELECT DISTINCT date_trunc('month', d)::date FROM ${jsonSet(
                 report.days.map((d) => d.date),
                 'date',
               )} AS days(d))`),
          ).map((r) => r.month),
        );
        const ignored = report.days.filter((d) => retired.has(d.date.slice(0, 7))).map((d) => d.date);
        const kept = retired.size === 0 ? report.days : report.days.filter((d) => !retired.has(d.date.slice(0, 7)));
        const warnings = ignored.length > 0 ? [...report.warnings, ignoredWarning(ignored)] : report.warnings;

        const hashes = await sliceHashes(kept);
        const existing = new Map(
          rowsOf<{ date: string; content_hash: string }>(
            await tx.execute(sql`
              SELECT date::text AS date, content_hash FROM device_days
               WHERE user_id = ${userId} AND device = ${device} AND date IN ${jsonSet([...hashes.keys()], 'date')}`),
          ).map((r) => [r.date, r.content_hash]),
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
          const db = tx as unknown as Database;
          // Ascending dates: the order summaries.ts relies on to rule out deadlocks between uploads.
          const byDate = [...changed].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
          await changeDays(
            db,
            userId,
            chunksOf(byDate, (d) => d.models.length),
            (days, fresh) => this.replaceSlices(db, userId, device, upload!.id, days, hashes, fresh),
          );
        }
        return { uploadId: upload!.id, inserted, updated, unchanged, ignored, warnings };
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
      total_tokens: d.totalTokens,
      input_tokens: d.inputTokens,
      output_tokens: d.outputTokens,
      cache_creation_input_tokens: d.cacheCreationTokens,
      cache_read_input_tokens: d.cacheReadTokens,
      total_cost: d.cost,
      content_hash: hashes.get(d.date),
    }));
    const slices = rowsOf<{ id: number; date: string }>(
      await step(
        tx,
        sql`
        INSERT INTO device_days AS d (user_id, device, date, total_tokens, input_tokens, output_tokens,
                                      cache_creation_input_tokens, cache_read_input_tokens, total_cost, content_hash, last_upload_id)
        SELECT ${userId}, ${device}, x.date, x.total_tokens, x.input_tokens, x.output_tokens,
               x.cache_creation_input_tokens, x.cache_read_input_tokens, x.total_cost, x.content_hash, ${uploadId}
          FROM jsonb_to_recordset(${JSON.stringify(dayRows)}::jsonb) AS x(
               date date, total_tokens bigint, input_tokens bigint, output_tokens bigint,
               cache_creation_input_tokens bigint, cache_read_input_tokens bigint, total_cost numeric, content_hash text)
        ON CONFLICT (user_id, device, date) DO UPDATE SET
               total_tokens = EXCLUDED.total_tokens, input_tokens = EXCLUDED.input_tokens,
               output_tokens = EXCLUDED.output_tokens,
               cache_creation_input_tokens = EXCLUDED.cache_creation_input_tokens,
               cache_read_input_tokens = EXCLUDED.cache_read_input_tokens,
               total_cost = EXCLUDED.total_cost, content_hash = EXCLUDED.content_hash,
               last_upload_id = EXCLUDED.last_upload_id, updated_at = now()
        RETURNING d.id, d.date::text AS date`,
      ),
    );
    const sliceIds = slices.map((s) => s.id);
    const idOf = new Map(slices.map((s) => [s.date, s.id]));
    if (!fresh) await step(tx, sql`DELETE FROM device_day_models WHERE device_day_id = ${anyOf(sliceIds, 'int')}`);
    const modelRows = days.flatMap((d) =>
      d.models.map((m) => ({
        device_day_id: idOf.get(d.date),
        model: m.model,
        provider: m.provider,
        input_tokens: m.inputTokens,
        output_tokens: m.outputTokens,
        cache_creation_input_tokens: m.cacheCreationTokens,
        cache_read_input_tokens: m.cacheReadTokens,
        cost: m.cost,
      })),
    );
    if (modelRows.length > 0) {
      await step(
        tx,
        sql`
        INSERT INTO device_day_models (device_day_id, model, provider, input_tokens, output_tokens,
                                       cache_creation_input_tokens, cache_read_input_tokens, cost)
        SELECT x.device_day_id, x.model, x.provider, x.input_tokens, x.output_tokens,
               x.cache_creation_input_tokens, x.cache_read_input_tokens, x.cost
          FROM jsonb_to_recordset(${JSON.stringify(modelRows)}::jsonb) AS x(
               device_day_id int, model text, provider text, input_tokens bigint, output_tokens bigint,
               cache_creation_input_tokens bigint, cache_read_input_tokens bigint, cost numeric)`,
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
    await step(
      tx,
      sql`
      INSERT INTO usage_stats AS s (user_id, date, total_tokens, input_tokens, output_tokens,
                                    cache_creation_input_tokens, cache_read_input_tokens, total_cost)
      SELECT user_id, date, sum(total_tokens), sum(input_tokens), sum(output_tokens),
             sum(cache_creation_input_tokens), sum(cache_read_input_tokens), sum(total_cost)
        FROM device_days
       WHERE user_id = ${userId} AND date = ${days}
       GROUP BY user_id, date
      ON CONFLICT (user_id, date) DO UPDATE SET
             total_tokens = EXCLUDED.total_tokens, input_tokens = EXCLUDED.input_tokens,
             output_tokens = EXCLUDED.output_tokens,
             cache_creation_input_tokens = EXCLUDED.cache_creation_input_tokens,
             cache_read_input_tokens = EXCLUDED.cache_read_input_tokens,
             total_cost = EXCLUDED.total_cost, updated_at = now()
       WHERE (s.total_tokens, s.input_tokens, s.output_tokens, s.cache_creation_input_tokens, s.cache_read_input_tokens, s.total_cost)
             IS DISTINCT FROM
             (EXCLUDED.total_tokens, EXCLUDED.input_tokens, EXCLUDED.output_tokens,
              EXCLUDED.cache_creation_input_tokens, EXCLUDED.cache_read_input_tokens, EXCLUDED.total_cost)`,
    );
    if (!fresh) {
      await step(
        tx,
        sql`
        DELETE FROM model_usage
         WHERE usage_stats_id IN (SELECT id FROM usage_stats WHERE user_id = ${userId} AND date = ${days})`,
      );
    }
    await step(
      tx,
      sql`
      INSERT INTO model_usage (usage_stats_id, model, provider, input_tokens, output_tokens,
                               cache_creation_input_tokens, cache_read_input_tokens, cost)
      SELECT s.id, m.model, max(m.provider), sum(m.input_tokens), sum(m.output_tokens),
             sum(m.cache_creation_input_tokens), sum(m.cache_read_input_tokens), sum(m.cost)
        FROM device_day_models m
        JOIN device_days d ON d.id = m.device_day_id
        JOIN usage_stats s ON s.user_id = d.user_id AND s.date = d.date
       WHERE d.user_id = ${userId} AND d.date = ${days}
       GROUP BY s.id, m.model`,
    );
  }

  /** Deletes a user with all their usage, taking what they contributed out of the shared summaries. */
  async removeUser(userId: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT id FROM users WHERE id = ${userId} FOR UPDATE`);
      await removeUser(tx as unknown as Database, userId);
      await tx.delete(users).where(eq(users.id, userId));
    });
  }

  /**
   * Retires one month: its daily rows go to the archive that `write` puts in place, then are
   * deleted, in one transaction on `db` (the connection holding the retention lock). Undefined
   * when another replica retired it first.
   */
  retireMonth(db: Database, month: string, archive: string, write: (lines: AsyncIterable<string>) => Promise<void>): Promise<RetiredCounts | undefined> {
    return retireMonth(db, month, archive, write);
  }
}
