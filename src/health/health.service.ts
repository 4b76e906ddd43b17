import { constants } from 'node:fs';
import { access, mkdir, statfs } from 'node:fs/promises';
import { type BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { ServiceUnavailableException } from '@nestjs/common';
import { type HealthCheckResult, HealthCheckService, HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { CONFIG } from '../config/config.module.js';
import type { Config } from '../config/config.schema.js';
import { DatabaseConnection } from '../db/database-connection.js';
import { appliedMigrationCount, committedMigrationCount } from '../db/migrate.js';
import { BackupService } from '../maintenance/backup.service.js';

const MB = 1024 * 1024;

const LIVE: HealthAnswer = {
  status: 200,
  body: { status: 'ok', info: { process: { status: 'up' } }, error: {}, details: { process: { status: 'up' } } },
};
const DATABASE_TIMEOUT_MS = 1_000;

type Indicator = () => Promise<HealthIndicatorResult> | HealthIndicatorResult;

/** A health answer and the HTTP status it goes out with (503 when any check is down). */
export interface HealthAnswer {
  status: number;
  body: HealthCheckResult;
}

/**
 * Liveness, readiness and detail. Liveness never touches the database: a database outage must
 * make Kubernetes stop routing to the pod (readiness), not restart it.
 */
@Injectable()
export class HealthService implements BeforeApplicationShutdown {
  private shuttingDown = false;
  private readonly committed = committedMigrationCount();

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly connection: DatabaseConnection,
    private readonly backups: BackupService,
  ) {}

  /** Readiness fails first, so load balancers stop sending requests before the server closes. */
  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }

  /**
   * Public: status only. Liveness checks nothing but that this code runs (a probe answered at all
   * is the proof), so its answer is the same every time and costs nothing to give.
   */
  live(): HealthAnswer {
    return LIVE;
  }

  /** Public: status per check and, on 503, which check is down; the detail says why. */
  async ready(): Promise<HealthAnswer> {
    return minimal(await this.run(this.readinessChecks()));
  }

  detail(): Promise<HealthAnswer> {
    return this.run([...this.readinessChecks(), () => this.pool(), () => this.lastBackup()]);
  }

  private readinessChecks(): Indicator[] {
    return [() => this.lifecycle(), () => this.database(), () => this.migrations(), () => this.backupDisk(), () => this.heap()];
  }

  private async run(checks: Indicator[]): Promise<HealthAnswer> {
    try {
      return { status: 200, body: await this.health.check(checks) };
    } catch (error) {
      if (error instanceof ServiceUnavailableException) return { status: 503, body: error.getResponse() as HealthCheckResult };
      throw error;
    }
  }

  private lifecycle(): HealthIndicatorResult {
    const check = this.indicators.check('shutdown');
    return this.shuttingDown ? check.down({ message: 'shutting down' }) : check.up();
  }

  /** The spec's check: SELECT 1 through the pool (or the embedded database), within 1 s. */
  private async database(): Promise<HealthIndicatorResult> {
    return await this.indicators
      .check('database')
      .attempt(async () => {
        await this.connection.ping();
        return { backend: this.connection.backend };
      })
      .withTimeout(DATABASE_TIMEOUT_MS);
  }

  private async migrations(): Promise<HealthIndicatorResult> {
    const check = this.indicators.check('migrations');
    try {
      const applied = await withTimeout(appliedMigrationCount(this.connection.db), DATABASE_TIMEOUT_MS);
      const data = { applied, committed: this.committed };
      return applied === this.committed ? check.up(data) : check.down({ ...data, message: `${applied} of ${this.committed} migrations applied` });
    } catch (error) {
      return check.down({ message: `cannot read applied migrations: ${(error as Error).message}` });
    }
  }

  /** Backups must have somewhere to go: BACKUP_DIR writable, with free space above the floor. */
  private async backupDisk(): Promise<HealthIndicatorResult> {
    const check = this.indicators.check('backupDisk');
    const dir = this.backups.directory;
    try {
      await mkdir(dir, { recursive: true });
      await access(dir, constants.W_OK);
      const fs = await statfs(dir);
      const freeMb = Math.floor((fs.bavail * fs.bsize) / MB);
      const data = { directory: dir, freeMb, minFreeMb: this.config.health.minFreeDiskMb };
      return freeMb >= this.config.health.minFreeDiskMb ? check.up(data) : check.down({ ...data, message: `only ${freeMb} MB free in ${dir}` });
    } catch (error) {
      return check.down({ directory: dir, message: `not writable: ${(error as Error).message}` });
    }
  }

  private heap(): HealthIndicatorResult {
    const check = this.indicators.check('heap');
    const usedMb = Math.round(process.memoryUsage().heapUsed / MB);
    const data = { usedMb, maxMb: this.config.health.maxHeapMb };
    return usedMb < this.config.health.maxHeapMb
      ? check.up(data)
      : check.down({ ...data, message: `heap ${usedMb} MB is over ${this.config.health.maxHeapMb} MB` });
  }

  private pool(): HealthIndicatorResult {
    const pool = this.connection.poolStats();
    const check = this.indicators.check('pool');
    return pool ? check.up({ total: pool.total, idle: pool.idle, waiting: pool.waiting }) : check.up({ message: 'embedded database, no pool' });
  }

  /** A failed last backup degrades /health (200, status "degraded") but never readiness. */
  private async lastBackup(): Promise<HealthIndicatorResult> {
    const check = this.indicators.check('backup');
    const last = (await withTimeout(this.backups.lastOutcome(), DATABASE_TIMEOUT_MS).catch(() => undefined)) ?? this.backups.lastLocalOutcome;
    const enabled = this.config.backup.enabled;
    if (!last) return check.up({ enabled, schedule: this.config.backup.cron, lastRun: null });
    const data = { enabled, schedule: this.config.backup.cron, lastRun: last };
    return last.succeeded ? check.up(data) : check.degraded({ ...data, message: `last backup failed: ${last.error ?? 'unknown error'}` });
  }
}

type Checks = Partial<HealthCheckResult['details']>;

const statusOnly = <T extends Checks | undefined>(checks: T): T =>
  (checks && Object.fromEntries(Object.entries(checks).map(([name, check]) => [name, { status: check!.status }]))) as T;

/**
 * A probe's answer for anyone who asks: the status of each check, nothing about directories, disk,
 * versions or error texts.
 */
function minimal({ status, body }: HealthAnswer): HealthAnswer {
  return {
    status,
    body: { status: body.status, info: statusOnly(body.info), error: statusOnly(body.error), details: statusOnly(body.details) },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
