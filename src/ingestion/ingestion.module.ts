import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/user-directory.js';
import { LedgerModule } from '../ledger/ledger.module.js';
import { OtlpController } from './otlp/otlp.controller.js';
import { TelemetryStatusController } from './otlp/telemetry-status.controller.js';
import { TelemetryService } from './otlp/telemetry.service.js';
import { SourcesRepository } from './sources.repository.js';
import { SourcesService } from './sources.service.js';
import { UploadsController } from './uploads.controller.js';
import { UploadsRepository } from './uploads.repository.js';
import { UploadsService } from './uploads.service.js';

/**
 * Sources of usage: the ccusage report adapters (ccusage/) and uploads. What a source reports is
 * normalised to day slices and written by the ledger (src/ledger), the one writer of usage data.
 */
@Module({
  imports: [DirectoryModule, LedgerModule],
  controllers: [UploadsController, OtlpController, TelemetryStatusController],
  providers: [UploadsRepository, UploadsService, TelemetryService, SourcesRepository, SourcesService],
  exports: [UploadsService, SourcesService],
})
export class IngestionModule {}
