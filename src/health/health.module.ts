import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MaintenanceModule } from '../maintenance/maintenance.module.js';
import { HealthController } from './health.controller.js';
import { HealthService } from './health.service.js';
import { InfoController } from './info.controller.js';
import { InfoService } from './info.service.js';

@Module({
  // Terminus's own logger would print every failed probe; the probe answer already says it all.
  imports: [TerminusModule.forRoot({ logger: false }), MaintenanceModule],
  controllers: [InfoController, HealthController],
  providers: [InfoService, HealthService],
})
export class HealthModule {}
