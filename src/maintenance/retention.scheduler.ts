import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { CONFIG } from '../config/config.module.js';
import type { Config } from '../config/config.schema.js';
import { RetentionService } from './retention.service.js';

export const RETENTION_JOB = 'retention';

/**
 * Registers the retention cron from RETENTION_CRON when RETENTION_DAYS is set. Each tick only
 * calls the service, which takes the retention advisory lock; a month already retired (by another
 * replica, or an earlier tick) is skipped, so a tick needs no identity of its own.
 */
@Injectable()
export class RetentionScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('RetentionScheduler');
  private running: Promise<unknown> | undefined;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly registry: SchedulerRegistry,
    private readonly retention: RetentionService,
  ) {}

  onApplicationBootstrap(): void {
    const { days, cron } = this.config.retention;
    if (days === undefined) {
      this.logger.log('retention is off (RETENTION_DAYS not set): daily rows are kept forever');
      return;
    }
    let job: CronJob;
    try {
      job = CronJob.from({
        cronTime: cron,
        timeZone: 'UTC',
        waitForCompletion: true,
        onTick: async () => {
          this.running = this.retention.runScheduled().catch((error: unknown) => {
            this.logger.error(`scheduled retention could not run: ${(error as Error).message}`);
          });
          await this.running;
        },
      });
    } catch (error) {
      throw new Error(`RETENTION_CRON '${cron}' is not a valid cron expression: ${(error as Error).message}`);
    }
    this.registry.addCronJob(RETENTION_JOB, job);
    job.start();
    this.logger.log(`retention scheduled: '${cron}' (UTC), daily rows older than ${days} days archived into ${this.retention.directory}`);
  }

  /** No new run starts once shutdown begins; one in progress finishes before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.registry.doesExist('cron', RETENTION_JOB)) {
      await this.registry.getCronJob(RETENTION_JOB).stop();
      this.registry.deleteCronJob(RETENTION_JOB);
    }
    await this.running;
  }
}
