import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError, ErrorCode } from '../common/errors.js';
import { CONFIG } from '../config/config.module.js';
import type { Config } from '../config/config.schema.js';
import { type Database, DatabaseConnection } from '../db/database-connection.js';
import { LOCK_KEYS } from '../db/lock-keys.js';
import { DatabaseStatsRepository } from '../metrics/database-stats.repository.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { BackupRunsRepository } from './backup-runs.repository.js';
import type { BackupCreated, BackupFile, BackupOutcome } from './maintenance.schemas.js';
import { ensurePrivateDirectory, PRIVATE_FILE_MODE } from './private-files.js';

/** backup_YYYYMMDD_HHMMSS.sql.gz, the spec script's names (UTC). Nothing else is ever served. */
export const BACKUP_NAME = /^backup_\d{8}_\d{6}\.sql\.gz$/;

export function backupName(at: Date): string {
  const iso = at.toISOString(); // 2026-11-26T03:00:00.000Z
  return `backup_${iso.slice(0, 10).replaceAll('-', '')}_${iso.slice(11, 19).replaceAll(':', '')}.sql.gz`;
}

/** A backup run that failed; the message says why (and which pg_dump version is needed). */
export class BackupFailedError extends Error {}

/**
 * Takes, lists, serves and prunes backups. The dump streams through gzip into `<name>.tmp`, which
 * is renamed to its final name only when the dump succeeded, so BACKUP_DIR never holds a partial
 * backup under a backup's name.
 */
@Injectable()
export class BackupService {
  private readonly logger = new Logger('Backup');
  private readonly dir: string;
  /** The last run in this process (the database has every replica's, see lastOutcome()). */
  private lastLocal: BackupOutcome | undefined;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly connection: DatabaseConnection,
    private readonly runs: BackupRunsRepository,
    private readonly stats: DatabaseStatsRepository,
    private readonly metrics: MetricsService,
  ) {
    this.dir = resolve(config.backup.dir);
  }

  /**
   * One scheduled tick. Replicas all fire; the one that gets the advisory lock and claims the tick
   * in backup_runs takes the backup, the others return false without a word.
   */
  async runScheduled(tick: Date): Promise<boolean> {
    const { acquired, result } = await this.connection.tryWithLock(LOCK_KEYS.backup, async (db) => {
      const id = await this.runs.claimTick(db, tick);
      if (id === undefined) return false;
      try {
        await this.take(id, 'scheduled');
      } catch {
        // already logged, recorded and counted by take()
      }
      return true;
    });
    return acquired && result === true;
  }

  /** An on-demand backup (admin API); waits for a running one to finish first. */
  async runNow(): Promise<BackupCreated> {
    return this.connection.withLock(LOCK_KEYS.backup, async (db: Database) => this.take(await this.runs.start(db), 'manual'));
  }

  async list(): Promise<{ directory: string; backups: BackupFile[]; lastRun: BackupOutcome | null }> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const backups: BackupFile[] = [];
    for (const name of names
      .filter((n) => BACKUP_NAME.test(n))
      .sort()
      .reverse()) {
      const s = await stat(join(this.dir, name)).catch(() => undefined);
      if (s?.isFile()) backups.push({ name, sizeBytes: s.size, createdAt: s.mtime.toISOString() });
    }
    return { directory: this.dir, backups, lastRun: (await this.lastOutcome()) ?? null };
  }

  /** Opens a backup for download; 404 for a name that is not one (or not there). */
  async open(name: string): Promise<{ stream: ReadStream; sizeBytes: number }> {
    if (!BACKUP_NAME.test(name)) throw new DomainError(ErrorCode.NotFound, `${name} is not a backup name`);
    const path = join(this.dir, name);
    const s = await stat(path).catch(() => undefined);
    if (!s?.isFile()) throw new DomainError(ErrorCode.NotFound, `There is no backup ${name}.`);
    return { stream: createReadStream(path), sizeBytes: s.size };
  }

  /** The last finished run on any replica; this process's own when the database cannot say. */
  async lastOutcome(): Promise<BackupOutcome | undefined> {
    try {
      const row = await this.runs.last();
      if (!row || !row.finishedAt) return this.lastLocal;
      return {
        succeeded: row.succeeded === true,
        trigger: row.trigger,
        name: row.name,
        sizeBytes: row.sizeBytes,
        startedAt: row.startedAt.toISOString(),
        finishedAt: row.finishedAt.toISOString(),
        error: row.error,
      };
    } catch {
      return this.lastLocal;
    }
  }

  /** The outcome of this process's last run (health detail: cheap and needs no database). */
  get lastLocalOutcome(): BackupOutcome | undefined {
    return this.lastLocal;
  }

  get directory(): string {
    return this.dir;
  }

  private async take(id: number, trigger: 'scheduled' | 'manual'): Promise<BackupCreated> {
    const startedAt = new Date();
    const started = performance.now();
    let name: string | undefined;
    try {
      await ensurePrivateDirectory(this.dir, this.logger, 'backups');
      name = await this.freeName();
      const tableSizes = Object.fromEntries((await this.stats.tables()).map((t) => [t.table, t.sizeBytes]));
      const final = join(this.dir, name);
      const tmp = `${final}.tmp`;
      try {
        await this.dumpTo(tmp);
        await rename(tmp, final);
      } catch (error) {
        await rm(tmp, { force: true });
        throw error;
      }
      const { size } = await stat(final);
      const finishedAt = new Date();
      const durationMs = Math.round(performance.now() - started);
      await this.runs.succeeded(id, name, size, tableSizes);
      this.metrics.recordBackupSuccess(size, finishedAt);
      this.lastLocal = {
        succeeded: true,
        trigger,
        name,
        sizeBytes: size,
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        error: null,
      };
      this.logger.log(`backup ${name} written: ${size} bytes in ${durationMs} ms`);
      await this.prune();
      return { name, sizeBytes: size, durationMs, createdAt: finishedAt.toISOString() };
    } catch (error) {
      const message = (error as Error).message;
      this.metrics.recordBackupFailure();
      this.lastLocal = {
        succeeded: false,
        trigger,
        name: null,
        sizeBytes: null,
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        error: message,
      };
      this.logger.error(`backup failed: ${message}`);
      await this.runs.failed(id, message).catch(() => undefined);
      throw new BackupFailedError(message);
    }
  }

  /** Names have one-second resolution; a second run within the same second waits for the next. */
  private async freeName(): Promise<string> {
    for (;;) {
      const name = backupName(new Date());
      const taken = await stat(join(this.dir, name)).then(
        () => true,
        () => false,
      );
      if (!taken) return name;
      await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
    }
  }

  /** The database's plain SQL dump, gzipped into `tmp` (created here: never over an existing file). */
  private async dumpTo(tmp: string): Promise<void> {
    await this.connection.dump((sql) => pipeline(sql, createGzip(), createWriteStream(tmp, { flags: 'wx', mode: PRIVATE_FILE_MODE })), {
      pgDumpPath: this.config.backup.pgDumpPath,
    });
  }

  /** Deletes backups older than BACKUP_RETENTION_DAYS (by modification time, like the spec's find -mtime). */
  private async prune(): Promise<void> {
    const cutoff = Date.now() - this.config.backup.retentionDays * 86_400_000;
    for (const name of await readdir(this.dir)) {
      if (!BACKUP_NAME.test(name)) continue;
      const path = join(this.dir, name);
      const s = await stat(path).catch(() => undefined);
      if (s && s.mtimeMs < cutoff) {
        await rm(path, { force: true });
        this.logger.log(`deleted ${name}: older than ${this.config.backup.retentionDays} days`);
      }
    }
  }
}
