import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CONFIG } from '../config/config.module.js';
import type { Config } from '../config/config.schema.js';
import { ConfiguredCronJob } from './cron-job.js';
import { RetentionService } from './retention.service.js';

/**
 * Registers the retention cron from RETENTION_CRON when RETENTION_DAYS is set. Each tick only
 * calls the service, which takes the retention advisory lock; a month already retired (by another
 * replica, or an earlier tick) is skipped, so a tick needs no identity of its own.
 */
@Injectable()
export class RetentionScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('RetentionScheduler');
  private readonly job: ConfiguredCronJob;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    registry: SchedulerRegistry,
    private readonly retention: RetentionService,
  ) {
    this.job = new ConfiguredCronJob(registry, 'retention', this.logger);
  }

  onApplicationBootstrap(): void {
    const { days, cron } = this.config.retention;
    if (days === undefined) {
      this.logger.log('retention is off (RETENTION_DAYS not set): daily rows are kept forever');
      return;
    }
    this.job.start('RETENTION_CRON', cron, () => this.retention.runScheduled());
    this.logger.log(`retention scheduled: '${cron}' (UTC), daily rows older than ${days} days archived into ${this.retention.directory}`);
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }
}
