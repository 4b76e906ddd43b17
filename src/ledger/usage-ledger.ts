import { Injectable } from '@nestjs/common';
import { eq, sql } from 'drizzle-orm';
import { DomainError, ErrorCode } from '../common/errors.js';
import { type Database, rowsOf, transaction } from '../db/database-connection.js';
import { InjectDb } from '../db/database.module.js';
import { deviceDays, uploads, users } from '../db/schema.js';
import { jsonSet, PG_NUMERIC_OVERFLOW, pgErrorCode } from '../db/sql.js';
import { asKey, type TextRowOf } from '../read-model/rows.js';
import { reportTotals, type UsageReport } from './day-slice.js';
import { enforceProjectCap, type ProjectSettings, projectRowsOf, updateProject, writeProjectDays } from './project-days.js';
import { type RetiredCounts, retireMonth } from './retirement.js';
import { lockUser, retiredAmong, sliceHashes, writeSlices } from './slices.js';
import { asText, changeDays, chunksOf, removeUser } from './summaries.js';

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
        const reportDays = report.days.map((day) => day.date);
        const retired = await retiredAmong(tx, reportDays);
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
            chunksOf(byDate, (day) => day.models.length + projectRowsOf(day)),
            async (days, fresh) => {
              await writeSlices(tx, { userId, device, source: 'upload', uploadId: upload.id }, days, hashes, fresh);
              // A changed device-day's projects go with it: the upload's, or none (docs/projects.md).
              await writeProjectDays(tx, userId, device, days, fresh);
            },
          );
          if (byDate.some((day) => day.projects !== undefined && day.projects.length > 0)) await enforceProjectCap(tx, userId);
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

  /**
   * Deletes a user with all their usage, taking what they contributed out of the shared summaries.
   * `before` runs first in the same transaction, under the user's lock (teams hand over ownership).
   */
  async removeUser(userId: number, before?: (tx: Database) => Promise<void>): Promise<void> {
    await transaction(this.db, async (tx) => {
      await lockUser(tx, userId);
      await before?.(tx);
      await removeUser(tx, userId);
      await tx.delete(users).where(eq(users.id, userId));
    });
  }

  /** Sets a project's alias or hidden flag (its owner's choice); false when the user has no such project. */
  updateProject(userId: number, projectId: number, settings: ProjectSettings): Promise<boolean> {
    return updateProject(this.db, userId, projectId, settings);
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
