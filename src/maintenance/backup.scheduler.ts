import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { CONFIG } from '../config/config.module.js';
import type { Config } from '../config/config.schema.js';
import { BackupService } from './backup.service.js';

export const BACKUP_JOB = 'backup';

/**
 * Registers the backup cron from BACKUP_CRON (hence SchedulerRegistry rather than @Cron, whose
 * expression is fixed at compile time). Each tick only calls the service.
 */
@Injectable()
export class BackupScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('BackupScheduler');
  /** The tick the job is waiting for: every replica computes the same one from the expression. */
  private nextTick: Date | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly registry: SchedulerRegistry,
    private readonly backups: BackupService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.backup.enabled) {
      this.logger.log('scheduled backups are off (BACKUP_ENABLED=false)');
      return;
    }
    let job: CronJob;
    try {
      job = this.createJob();
    } catch (error) {
      throw new Error(`BACKUP_CRON '${this.config.backup.cron}' is not a valid cron expression: ${(error as Error).message}`);
    }
    this.nextTick = job.nextDate().toJSDate();
    this.registry.addCronJob(BACKUP_JOB, job);
    job.start();
    this.logger.log(`backups scheduled: '${this.config.backup.cron}' (UTC) into ${this.backups.directory}, next ${this.nextTick.toISOString()}`);
  }

  private createJob(): CronJob {
    const job: CronJob = CronJob.from({
      cronTime: this.config.backup.cron,
      timeZone: 'UTC',
      waitForCompletion: true,
      onTick: async () => {
        // The tick's own scheduled time, not "now": replicas whose timers fire a few ms apart
        // must name the same tick in backup_runs.
        const tick = this.nextTick ?? new Date(Math.floor(Date.now() / 1000) * 1000);
        this.nextTick = job.nextDate().toJSDate();
        this.running = this.backups.runScheduled(tick).catch((error: unknown) => {
          this.logger.error(`scheduled backup could not run: ${(error as Error).message}`);
        });
        await this.running;
      },
    });
    return job;
  }

  /** No new backup starts once shutdown begins; one in progress finishes before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.registry.doesExist('cron', BACKUP_JOB)) {
      await this.registry.getCronJob(BACKUP_JOB).stop();
      this.registry.deleteCronJob(BACKUP_JOB);
    }
    await this.running;
  }
}
