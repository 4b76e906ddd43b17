import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/user-directory.js';
import { LedgerModule } from '../ledger/ledger.module.js';
import { OtlpController } from './otlp/otlp.controller.js';
import { TelemetryService } from './otlp/telemetry.service.js';
import { UploadsController } from './uploads.controller.js';
import { UploadsRepository } from './uploads.repository.js';
import { UploadsService } from './uploads.service.js';

/**
 * Sources of usage: the ccusage report adapters (ccusage/) and uploads. What a source reports is
 * normalised to day slices and written by the ledger (src/ledger), the one writer of usage data.
 */
@Module({
  imports: [DirectoryModule, LedgerModule],
  controllers: [UploadsController, OtlpController],
  providers: [UploadsRepository, UploadsService, TelemetryService],
  exports: [UploadsService],
})
export class IngestionModule {}
