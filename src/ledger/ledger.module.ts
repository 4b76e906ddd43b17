import { Module } from '@nestjs/common';
import { SharedDaysFolder } from './shared-days.js';
import { TelemetryLedger } from './telemetry-ledger.js';
import { UsageLedger } from './usage-ledger.js';

/** The one writer of usage data (uploads, user removal, retirement): see usage-ledger.ts. */
@Module({ providers: [UsageLedger, TelemetryLedger, SharedDaysFolder], exports: [UsageLedger, TelemetryLedger, SharedDaysFolder] })
export class LedgerModule {}
