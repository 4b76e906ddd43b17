import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '../config/config.module.js';
import type { Config } from '../config/config.schema.js';
import { DatabaseConnection } from '../db/database-connection.js';
import { DatabaseStatsRepository } from '../metrics/database-stats.repository.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { BackupRunsRepository } from './backup-runs.repository.js';
import type { DbStats } from './maintenance.schemas.js';

/** The spec's "key metrics to track", in one answer. */
@Injectable()
export class DbStatsService {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly connection: DatabaseConnection,
    private readonly stats: DatabaseStatsRepository,
    private readonly runs: BackupRunsRepository,
    private readonly metrics: MetricsService,
  ) {}

  async dbStats(): Promise<DbStats> {
    const [tables, indexes, lastBackup] = await Promise.all([this.stats.tables(), this.stats.indexes(), this.runs.lastSuccessful()]);
    const pool = this.connection.pool;
    const before = lastBackup?.tableSizes ?? undefined;
    return {
      backend: this.connection.backend,
      pool:
        pool && this.config.database.backend === 'postgres'
          ? { max: this.config.database.poolMax, total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }
          : null,
      slowestQueries: this.metrics.queries.slowest(10),
      tables: tables.map((t) => {
        const then = before?.[t.table];
        return { ...t, sizeAtLastBackup: then ?? null, growthBytesSinceLastBackup: then === undefined ? null : t.sizeBytes - then };
      }),
      lastBackupAt: lastBackup?.finishedAt?.toISOString() ?? null,
      indexes,
    };
  }
}
