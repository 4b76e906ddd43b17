import type { TelemetryPoint } from './otlp.types.js';

/** What a cumulative series last reported, kept per series between requests (and replicas). */
export interface SeriesState {
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  value: number;
}

type Observed = Pick<TelemetryPoint, 'startTimeUnixNano' | 'timeUnixNano' | 'value'>;

/**
 * What a cumulative point adds, given its series' last state:
 * - `delta`: the amount since the last point (all of it for a series' first point, or after a
 *   restart: a later start time, or the same start with a lower value), and the series' new state;
 * - `duplicate`: the same point again (an exporter's retry): adds nothing;
 * - `stale`: older than what the series already reported (a late retry, or an earlier run of the
 *   series): adds nothing, since the later cumulative value already counts it.
 * Pure: the caller keeps the state (issue 12: shared by every replica, updated with the ledger).
 */
export type CumulativeStep = { kind: 'delta'; value: number; state: SeriesState } | { kind: 'duplicate' } | { kind: 'stale' };

export function cumulativeStep(previous: SeriesState | undefined, point: Observed): CumulativeStep {
  const state: SeriesState = { startTimeUnixNano: point.startTimeUnixNano, timeUnixNano: point.timeUnixNano, value: point.value };
  if (!previous || point.startTimeUnixNano > previous.startTimeUnixNano) return { kind: 'delta', value: point.value, state };
  if (point.startTimeUnixNano < previous.startTimeUnixNano) return { kind: 'stale' };
  if (point.timeUnixNano < previous.timeUnixNano) return { kind: 'stale' };
  if (point.timeUnixNano === previous.timeUnixNano) return point.value === previous.value ? { kind: 'duplicate' } : { kind: 'stale' };
  // Same start, later time: the increase; a lower value means the counter restarted without saying so.
  return { kind: 'delta', value: point.value >= previous.value ? point.value - previous.value : point.value, state };
}

/**
 * The identity of a delta point for dedupe: its series and the interval it covers. A retried batch
 * repeats both; two real intervals of one series never share them.
 */
export function deltaPointKey(point: Pick<TelemetryPoint, 'seriesKey' | 'startTimeUnixNano' | 'timeUnixNano'>): string {
  return `${point.seriesKey}|${point.startTimeUnixNano}|${point.timeUnixNano}`;
}
