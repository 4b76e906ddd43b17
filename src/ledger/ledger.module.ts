import { Module } from '@nestjs/common';
import { UsageLedger } from './usage-ledger.js';

/** The one writer of usage data (uploads, user removal, retirement): see usage-ledger.ts. */
@Module({ providers: [UsageLedger], exports: [UsageLedger] })
export class LedgerModule {}
