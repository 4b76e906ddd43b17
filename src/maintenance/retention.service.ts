import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError, ErrorCode } from '../common/errors.js';
import { CONFIG } from '../config/config.module.js';
import type { Config } from '../config/config.schema.js';
import { type Database, DatabaseConnection } from '../db/database-connection.js';
import { LOCK_KEYS } from '../db/lock-keys.js';
import { UsageLedger } from '../ledger/usage-ledger.js';
import type { RetentionRun } from './maintenance.schemas.js';
import { ensurePrivateDirectory, PRIVATE_FILE_MODE } from './private-files.js';
import { RetentionRepository } from './retention.repository.js';

/** usage_YYYY-MM.jsonl.gz for a month given as its first day. */
export const archiveName = (month: string) => `usage_${month.slice(0, 7)}.jsonl.gz`;

/**
 * The first day of the earliest month that must keep its daily rows: every month that ends before
 * today (UTC) minus `days` is retired, whole.
 */
export function firstKeptMonth(now: Date, days: number): string {
  const cutoff = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - days));
  return `${cutoff.toISOString().slice(0, 7)}-01`;
}

/**
 * Retention (RETENTION_DAYS): whole calendar months of daily rows are written to a gzip JSON Lines
 * archive in ARCHIVE_DIR and deleted, one transaction per month. The summary tables are left as
 * they are: they keep what the retired days contributed, and reads over retired months use them.
 */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger('Retention');
  readonly directory: string;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly connection: DatabaseConnection,
    private readonly repository: RetentionRepository,
    private readonly ledger: UsageLedger,
  ) {
    this.directory = resolve(config.retention.archiveDir);
  }

  get enabled(): boolean {
    return this.config.retention.days !== undefined;
  }

  /** A scheduled run: a replica that finds another one running skips the tick. */
  async runScheduled(now = new Date()): Promise<RetentionRun | undefined> {
    const { acquired, result } = await this.connection.tryWithLock(LOCK_KEYS.retention, (db) => this.retireAll(db, now));
    return acquired ? result : undefined;
  }

  /** An on-demand run (admin API): waits for a run in progress, then retires whatever is left. */
  async runNow(now = new Date()): Promise<RetentionRun> {
    if (!this.enabled) {
      throw new DomainError(ErrorCode.Conflict, 'Retention is off: set RETENTION_DAYS (at least 31) to retire old daily rows.');
    }
    return this.connection.withLock(LOCK_KEYS.retention, (db) => this.retireAll(db, now));
  }

  private async retireAll(db: Database, now: Date): Promise<RetentionRun> {
    const days = this.config.retention.days!;
    const keptFrom = firstKeptMonth(now, days);
    const run: RetentionRun = { retentionDays: days, keptFrom, directory: this.directory, months: [] };
    for (const month of await this.repository.monthsToRetire(db, keptFrom)) {
      const name = archiveName(month);
      const path = join(this.directory, name);
      let written = false;
      try {
        const counts = await this.ledger.retireMonth(db, month, name, async (lines) => {
          await this.writeArchive(path, lines);
          written = true;
        });
        if (!counts) continue;
        run.months.push({ month: month.slice(0, 7), archive: name, ...counts });
        this.logger.log(`retired ${month.slice(0, 7)}: ${counts.usageDays} user-days of ${counts.users} users archived to ${name}`);
      } catch (error) {
        // The deletion rolled back: an archive of a month that is still live would mislead.
        if (written) await rm(path, { force: true });
        this.logger.error(`retention of ${month.slice(0, 7)} failed: ${(error as Error).message}`);
        throw error;
      }
    }
    return run;
  }

  /** Through gzip into `<name>.tmp`, renamed when complete: ARCHIVE_DIR never holds a partial archive under its name. */
  private async writeArchive(path: string, lines: Iterable<string>): Promise<void> {
    await ensurePrivateDirectory(this.directory, this.logger, 'archives');
    const tmp = `${path}.tmp`;
    try {
      await pipeline(
        Readable.from(
          (function* () {
            for (const line of lines) yield `${line}\n`;
          })(),
        ),
        createGzip(),
        createWriteStream(tmp, { mode: PRIVATE_FILE_MODE }),
      );
      await rename(tmp, path);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }
}
