import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AdminGuard } from '../auth/admin.guard.js';
import { LedgerModule } from '../ledger/ledger.module.js';
import { BackupRunsRepository } from './backup-runs.repository.js';
import { BackupScheduler } from './backup.scheduler.js';
import { BackupService } from './backup.service.js';
import { DbStatsService } from './db-stats.service.js';
import { MaintenanceController } from './maintenance.controller.js';
import { RetentionRepository } from './retention.repository.js';
import { RetentionScheduler } from './retention.scheduler.js';
import { RetentionService } from './retention.service.js';
import { TelemetrySweeper } from './telemetry-sweeper.js';

@Module({
  imports: [ScheduleModule.forRoot(), LedgerModule],
  controllers: [MaintenanceController],
  providers: [
    AdminGuard,
    BackupRunsRepository,
    BackupService,
    BackupScheduler,
    DbStatsService,
    RetentionRepository,
    RetentionService,
    RetentionScheduler,
    TelemetrySweeper,
  ],
  exports: [BackupService],
})
export class MaintenanceModule {}
