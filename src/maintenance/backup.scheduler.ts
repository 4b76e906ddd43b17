import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CONFIG } from '../config/config.module.js';
import type { Config } from '../config/config.schema.js';
import { BackupService } from './backup.service.js';
import { ConfiguredCronJob } from './cron-job.js';

/**
 * Registers the backup cron from BACKUP_CRON. Each tick only calls the service, with the tick's
 * scheduled time, which names the tick in backup_runs so that one replica takes it.
 */
@Injectable()
export class BackupScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('BackupScheduler');
  private readonly job: ConfiguredCronJob;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    registry: SchedulerRegistry,
    private readonly backups: BackupService,
  ) {
    this.job = new ConfiguredCronJob(registry, 'backup', this.logger);
  }

  onApplicationBootstrap(): void {
    if (!this.config.backup.enabled) {
      this.logger.log('scheduled backups are off (BACKUP_ENABLED=false)');
      return;
    }
    const next = this.job.start('BACKUP_CRON', this.config.backup.cron, (tick) => this.backups.runScheduled(tick));
    this.logger.log(`backups scheduled: '${this.config.backup.cron}' (UTC) into ${this.backups.directory}, next ${next.toISOString()}`);
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }
}
