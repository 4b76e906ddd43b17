import { Inject, Injectable } from '@nestjs/common';
import { AuthService } from '../../auth/auth.service.js';
import type { Principal } from '../../auth/principal.js';
import { DomainError, ErrorCode } from '../../common/errors.js';
import { KeyedQueue } from '../../common/keyed-queue.js';
import { CONFIG } from '../../config/config.module.js';
import type { Config } from '../../config/config.schema.js';
import { TelemetryLedger } from '../../ledger/telemetry-ledger.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { decodeLogsRequest, decodeMetricsRequest, encodingOf, type OtlpBody, type OtlpSignal } from './otlp-decode.js';
import { logsToEvents } from './otlp-events.js';
import { otlpLimits } from './otlp-limits.js';
import { metricsToPoints } from './otlp-points.js';
import { eventsToReadings, pointsToReadings, type Readings } from './otlp-readings.js';
import { exportResponse } from './otlp-response.js';

/**
 * Batches one replica works on at once; past this it answers 503 with Retry-After (exporters retry
 * those) instead of queueing bodies in memory while the database is slow.
 */
export const MAX_BATCHES_IN_FLIGHT = 32;

export interface OtlpAnswer {
  payload: Buffer | string;
  contentType: string;
}

/** The OTLP/HTTP receiver (POST /v1/metrics, /v1/logs): decode, map to readings, count them once in the ledger, answer. */
@Injectable()
export class TelemetryService {
  private inFlight = 0;
  /** A user's batches in this process wait for each other before they take a connection (as uploads do). */
  private readonly perUser = new KeyedQueue<number>();
  private readonly limits;

  constructor(
    private readonly ledger: TelemetryLedger,
    private readonly auth: AuthService,
    private readonly metrics: MetricsService,
    @Inject(CONFIG) config: Config,
  ) {
    this.limits = otlpLimits({ maxBodyBytes: config.bodyLimitBytes });
  }

  async receive(caller: Principal, signal: OtlpSignal, input: OtlpBody): Promise<OtlpAnswer> {
    const who = this.auth.requireAuthenticated(caller);
    if (who.kind !== 'user') {
      throw new DomainError(ErrorCode.Forbidden, "Telemetry counts for the token's own user: send a user's token, not the admin token.");
    }
    const format = encodingOf(input.contentType);
    if (this.inFlight >= MAX_BATCHES_IN_FLIGHT) {
      throw new DomainError(ErrorCode.ServiceUnavailable, 'The receiver is busy; the exporter will retry.', undefined, { retryAfterSeconds: 1 });
    }
    this.inFlight++;
    try {
      const now = Date.now();
      const { readings, rejected, reasons } = this.read(signal, input, now);
      const outcome = await this.perUser.run(who.userId, () =>
        this.ledger.record({
          userId: who.userId,
          signal,
          readings: readings.readings,
          devices: readings.devices,
          refused: new Map([...readings.refused, ['', (readings.refused.get('') ?? 0) + rejected]]),
          reasons,
        }),
      );
      this.metrics.recordTelemetry(signal, outcome);
      const payload = exportResponse(signal, format, { rejected: outcome.refused, errorMessage: outcome.reasons.slice(0, this.limits.maxReasons).join('; ') });
      return { payload, contentType: format === 'protobuf' ? 'application/x-protobuf' : 'application/json' };
    } finally {
      this.inFlight--;
    }
  }

  /** The body → readings, with what the decoder refused (not per device: it never got that far). */
  private read(signal: OtlpSignal, input: OtlpBody, now: number): { readings: Readings; rejected: number; reasons: string[] } {
    const options = { now, limits: this.limits };
    const combine = (decoded: { rejected: number; reasons: string[] }, readings: Readings) => ({
      readings,
      rejected: decoded.rejected,
      reasons: [...new Set([...decoded.reasons, ...readings.reasons])],
    });
    if (signal === 'metrics') {
      const decoded = metricsToPoints(decodeMetricsRequest(input, this.limits).request, options);
      return combine(decoded, pointsToReadings(decoded.items, now, this.limits.maxReasons));
    }
    const decoded = logsToEvents(decodeLogsRequest(input, this.limits).request, options);
    return combine(decoded, eventsToReadings(decoded.items, now, this.limits.maxReasons));
  }
}
