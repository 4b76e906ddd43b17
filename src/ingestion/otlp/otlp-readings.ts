import { utcDay } from '../../common/dates.js';
import type { ActivityMetric, TelemetryReading, TelemetryTarget, TokenKind } from '../../ledger/telemetry-ledger.js';
import { providerOf } from '../../models/providers.js';
import { DEVICE_PATTERN } from '../uploads.schemas.js';
import { hashOf, IDENTITY_ATTRIBUTES } from './otlp-attributes.js';
import type { TelemetryEvent, TelemetryPoint } from './otlp.types.js';

/**
 * Claude Code's points and events → what the ledger counts (TelemetryReading): the device and UTC
 * day each belongs to and what it adds to. The meaning of Claude Code's metrics lives here and
 * nowhere else; docs/otlp.md, "What each metric counts".
 */

/** The device of a resource when it names none (documented: OTEL_RESOURCE_ATTRIBUTES=ccstats.device=…). */
export const DEFAULT_TELEMETRY_DEVICE = 'otel';

/** Model names, as the device ledger keeps them (device_day_models.model). */
const MAX_MODEL_LENGTH = 100;
/** activity_days.key. */
const MAX_KEY_LENGTH = 256;

/**
 * The most one reading may carry, far above any real session (a cumulative value counts a whole
 * process): tokens 10^12, cost 10^5 USD, an activity count or seconds 10^9. Past them a point is
 * refused, so sums stay exact integers in JavaScript and within the ledger's columns.
 */
export const MAX_READING = { tokens: 1e12, cost: 1e5, activity: 1e9 } as const;

/** Points older than this are refused: the receiver counts recent points, ccusage uploads cover history. */
export const MAX_TELEMETRY_AGE_MS = 48 * 60 * 60 * 1000;

const TOKEN_KINDS: Readonly<Record<string, TokenKind>> = { input: 'input', output: 'output', cacheRead: 'cacheRead', cacheCreation: 'cacheCreation' };

export interface Readings {
  readings: TelemetryReading[];
  /** Per device ('' when the device itself was the problem): items refused here. */
  refused: Map<string, number>;
  reasons: string[];
  devices: Map<string, { serviceVersion: string | null; identity: Record<string, string> }>;
  /** Items that count nothing (events other than API requests and errors): accepted, not stored. */
  uncounted: number;
}

/** A resource's device: `ccstats.device` (refused when not a valid device name), else `host.name` if valid, else `otel`. */
export function deviceOf(resource: Record<string, string>): string | { refused: string } {
  const named = resource['ccstats.device'];
  if (named !== undefined) {
    return DEVICE_PATTERN.test(named)
      ? named
      : { refused: 'ccstats.device must be 1 to 64 letters, digits, spaces or _ . : @ -, starting with a letter or digit' };
  }
  const host = resource['host.name'];
  return host !== undefined && DEVICE_PATTERN.test(host) ? host : DEFAULT_TELEMETRY_DEVICE;
}

/** The UTC day (YYYY-MM-DD) of a time in Unix nanoseconds. */
export function utcDayOfNanos(nanos: bigint): string {
  return utcDay(new Date(Number(nanos / 1_000_000n)));
}

class Collector {
  readonly out: Readings = { readings: [], refused: new Map(), reasons: [], devices: new Map(), uncounted: 0 };

  constructor(
    private readonly oldest: bigint,
    private readonly maxReasons: number,
  ) {}

  refuse(device: string, reason: string): void {
    this.out.refused.set(device, (this.out.refused.get(device) ?? 0) + 1);
    if (this.out.reasons.length < this.maxReasons && !this.out.reasons.includes(reason)) this.out.reasons.push(reason);
  }

  /** The item's device, or undefined after refusing it; notes what the exporter says of itself. */
  device(resource: Record<string, string>, attributes: Record<string, string | number>, end: bigint): string | undefined {
    const device = deviceOf(resource);
    if (typeof device !== 'string') {
      this.refuse('', device.refused);
      return undefined;
    }
    const seen = this.out.devices.get(device) ?? { serviceVersion: resource['service.version'] ?? null, identity: {} };
    for (const key of IDENTITY_ATTRIBUTES) if (attributes[key] !== undefined) seen.identity[key] = String(attributes[key]);
    this.out.devices.set(device, seen);
    if (end < this.oldest) {
      this.refuse(device, 'a point or event is older than 48 hours (upload a ccusage report for older days)');
      return undefined;
    }
    return device;
  }
}

/** The target of a point, or the reason it cannot be counted. */
function targetOf(point: TelemetryPoint): TelemetryTarget | string {
  const a = point.attributes;
  const activity = (metric: ActivityMetric, key = ''): TelemetryTarget | string =>
    key.length > MAX_KEY_LENGTH ? `an attribute key of ${point.metric} is longer than ${MAX_KEY_LENGTH} characters` : { kind: 'activity', metric, key };
  const model = (): string | undefined => a.model;
  switch (point.metric) {
    case 'claude_code.token.usage':
    case 'claude_code.cost.usage': {
      const name = model();
      if (name === undefined) return `${point.metric} needs a model`;
      if (name.length > MAX_MODEL_LENGTH) return `a model name is longer than ${MAX_MODEL_LENGTH} characters`;
      const provider = providerOf(name);
      if (point.metric === 'claude_code.cost.usage') return { kind: 'cost', model: name, provider };
      const tokenKind = TOKEN_KINDS[a.type];
      return tokenKind ? { kind: 'tokens', model: name, provider, tokenKind } : `unknown token type ${a.type}`;
    }
    case 'claude_code.session.count':
      return activity('sessions');
    case 'claude_code.lines_of_code.count':
      return activity(a.type === 'removed' ? 'linesRemoved' : 'linesAdded');
    case 'claude_code.commit.count':
      return activity('commits');
    case 'claude_code.pull_request.count':
      return activity('pullRequests');
    case 'claude_code.code_edit_tool.decision':
      return activity(a.decision === 'reject' ? 'editsRejected' : 'editsAccepted', `${a.tool_name ?? ''}|${a.language ?? ''}`);
    case 'claude_code.active_time.total':
      return activity('activeTime', a.type);
  }
}

/** Points → readings, at `now` (Unix ms). The decoder already checked values, times and required attributes. */
export function pointsToReadings(points: TelemetryPoint[], now: number, maxReasons = 5): Readings {
  const collect = new Collector(BigInt(Math.trunc(now - MAX_TELEMETRY_AGE_MS)) * 1_000_000n, maxReasons);
  for (const point of points) {
    const device = collect.device(point.resource, point.attributes, point.timeUnixNano);
    if (device === undefined) continue;
    const target = targetOf(point);
    if (typeof target === 'string') {
      collect.refuse(device, target);
      continue;
    }
    if (point.value > MAX_READING[target.kind]) {
      collect.refuse(device, `a ${point.metric} value is over ${MAX_READING[target.kind]}, more than any session`);
      continue;
    }
    collect.out.readings.push({
      series: point.seriesKey,
      temporality: point.temporality,
      start: point.startTimeUnixNano,
      end: point.timeUnixNano,
      value: point.value,
      device,
      day: utcDayOfNanos(point.timeUnixNano),
      target,
    });
  }
  return collect.out;
}

/**
 * Events → readings: each API request or error counts 1 for its model. An event's place in its
 * session's stream (`event.sequence`, which Claude Code numbers per session) is the interval
 * [sequence, sequence + 1] of a stream series, so a retried batch counts once; an event without
 * one is a series of its own (its eventKey) at [0, 1].
 */
export function eventsToReadings(events: TelemetryEvent[], now: number, maxReasons = 5): Readings {
  const collect = new Collector(BigInt(Math.trunc(now - MAX_TELEMETRY_AGE_MS)) * 1_000_000n, maxReasons);
  for (const event of events) {
    const device = collect.device(event.resource, event.attributes, event.timeUnixNano);
    if (device === undefined) continue;
    if (event.name !== 'api_request' && event.name !== 'api_error') {
      collect.out.uncounted++;
      continue;
    }
    const model = String(event.attributes.model ?? '');
    if (model.length > MAX_MODEL_LENGTH) {
      collect.refuse(device, `a model name is longer than ${MAX_MODEL_LENGTH} characters`);
      continue;
    }
    const session = event.attributes['session.id'];
    const sequence = event.attributes['event.sequence'];
    const ordered = session !== undefined && typeof sequence === 'number';
    const position = ordered ? BigInt(sequence) : 0n;
    collect.out.readings.push({
      series: ordered ? hashOf('events', event.resource, String(session)) : event.eventKey,
      temporality: 'delta',
      start: position,
      end: position + 1n,
      value: 1,
      device,
      day: utcDayOfNanos(event.timeUnixNano),
      target: { kind: 'activity', metric: event.name === 'api_request' ? 'apiRequests' : 'apiErrors', key: model },
    });
  }
  return collect.out;
}
