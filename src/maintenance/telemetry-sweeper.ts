import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { SERIES_TTL_MS, TelemetryLedger } from '../ledger/telemetry-ledger.js';
import { ConfiguredCronJob } from './cron-job.js';

/** Every hour, at a minute no other job uses. */
const SWEEP_CRON = '17 * * * *';

/**
 * Forgets the state of telemetry series not seen for SERIES_TTL_MS (telemetry_series): every Claude
 * Code session starts new series, so without this the table would grow with every session ever run.
 * Safe on every replica at once (a plain DELETE of old rows); nothing a later point needs is lost,
 * since the receiver refuses points older than 48 hours and a cumulative series it no longer knows
 * is taken as a baseline (ledger/telemetry-ledger.ts).
 */
@Injectable()
export class TelemetrySweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('TelemetrySweeper');
  private readonly job: ConfiguredCronJob;

  constructor(
    registry: SchedulerRegistry,
    private readonly ledger: TelemetryLedger,
  ) {
    this.job = new ConfiguredCronJob(registry, 'telemetry-sweep', this.logger);
  }

  onApplicationBootstrap(): void {
    this.job.start('telemetry sweep', SWEEP_CRON, () => this.sweep());
  }

  /** Forgets series last seen more than SERIES_TTL_MS ago; returns how many. */
  async sweep(): Promise<number> {
    const forgotten = await this.ledger.forgetSeries(SERIES_TTL_MS);
    if (forgotten > 0) this.logger.log(`forgot ${forgotten} telemetry series not seen for ${SERIES_TTL_MS / 86_400_000} days`);
    return forgotten;
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }
}
