import { Global, Module } from '@nestjs/common';
import { DatabaseStatsRepository } from './database-stats.repository.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';

/** Global: any feature records into MetricsService (uploads call recordUpload). */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, DatabaseStatsRepository],
  exports: [MetricsService, DatabaseStatsRepository],
})
export class MetricsModule {}
