/**
 * How telemetry counters become amounts to add, once each, whatever the exporter's retries, restarts
 * and late deliveries (issue 12, docs/otlp.md). Pure: the caller keeps the state, in
 * telemetry_series, under the user's row lock, so every replica sees the same state.
 */

/** A point's times (Unix nanoseconds) and value. */
interface Observed {
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  value: number;
}

/** What a cumulative series last reported, kept per series between requests (and replicas). */
export interface SeriesState {
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  value: number;
}

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

/** Intervals a delta series (or an event stream) already counted: [start, end], ascending, disjoint, merged where they touch. */
export type Covered = Array<[bigint, bigint]>;

/**
 * Intervals a series remembers. An exporter's points of one series are consecutive intervals, which
 * merge into one, so a series needs more only when deliveries arrive out of order; past this, the
 * oldest are dropped and points before what is left are refused as too old.
 */
export const MAX_COVERED = 64;

/**
 * What a delta point (or an event, at [position, position + 1]) adds, given what its series counted:
 * - `add`: new; `covered` is the series' intervals with it;
 * - `duplicate`: inside an interval already counted (a retried batch): adds nothing;
 * - `overlap`: partly inside one (no exporter sends that: the series or the clocks are wrong); refused;
 * - `tooOld`: before every interval the series still remembers (MAX_COVERED); refused.
 */
export type DeltaStep = { kind: 'add'; covered: Covered } | { kind: 'duplicate' } | { kind: 'overlap' } | { kind: 'tooOld' };

export function deltaStep(covered: Covered, start: bigint, end: bigint): DeltaStep {
  for (const [a, b] of covered) {
    if (a <= start && end <= b) return { kind: 'duplicate' };
    if (start < b && a < end) return { kind: 'overlap' };
  }
  if (covered.length >= MAX_COVERED && end <= covered[0][0]) return { kind: 'tooOld' };
  const merged: Covered = [];
  let next: [bigint, bigint] = [start, end];
  let placed = false;
  for (const [a, b] of covered) {
    if (placed || b < next[0]) {
      merged.push([a, b]);
      continue;
    }
    if (next[1] < a) {
      merged.push(next, [a, b]);
      placed = true;
      continue;
    }
    // Touching (b = start or end = a): one interval.
    next = [a < next[0] ? a : next[0], b > next[1] ? b : next[1]];
  }
  if (!placed) merged.push(next);
  return { kind: 'add', covered: merged.length > MAX_COVERED ? merged.slice(merged.length - MAX_COVERED) : merged };
}
