import { Injectable } from '@nestjs/common';
import { DatabaseConnection } from '../db/database-connection.js';
import { DatabaseStatsRepository } from '../metrics/database-stats.repository.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { BackupRunsRepository } from './backup-runs.repository.js';
import type { DbStats } from './maintenance.schemas.js';

/** The spec's "key metrics to track", in one answer. */
@Injectable()
export class DbStatsService {
  constructor(
    private readonly connection: DatabaseConnection,
    private readonly stats: DatabaseStatsRepository,
    private readonly runs: BackupRunsRepository,
    private readonly metrics: MetricsService,
  ) {}

  async dbStats(): Promise<DbStats> {
    const [tables, indexes, lastBackup] = await Promise.all([this.stats.tables(), this.stats.indexes(), this.runs.lastSuccessful()]);
    const before = lastBackup?.tableSizes ?? undefined;
    return {
      backend: this.connection.backend,
      pool: this.connection.poolStats(),
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
