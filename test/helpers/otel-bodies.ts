import protobuf from 'protobufjs/light.js';
import { LogsRequestType, MetricsRequestType } from '../../src/ingestion/otlp/otlp-proto.js';

/**
 * OTLP export requests built point by point, in Claude Code's shape (one resource, scope
 * com.anthropic.claude_code, monotonic sums with asDouble values), for hostile-input tests that
 * need exact control of every value: NaN, negative, far times, huge attributes, many series.
 */

type Json = Record<string, unknown>;

export interface PointSpec {
  metric?: string;
  /** A number, or ProtoJSON's text for the values JSON cannot hold ('NaN', 'Infinity', '-Infinity'). */
  value?: number | string;
  /** Send the value as asInt (a decimal string in JSON) instead of asDouble. */
  asInt?: boolean;
  attributes?: Record<string, string>;
  /** Unix nanoseconds as decimal text; by default the minute before `endNanos`. */
  startNanos?: string;
  /** Unix nanoseconds as decimal text; by default now. */
  endNanos?: string;
  temporality?: number;
}

const nanos = (ms: number) => (BigInt(Math.trunc(ms)) * 1_000_000n).toString();
const kv = (attributes: Record<string, string>) => Object.entries(attributes).map(([key, value]) => ({ key, value: { stringValue: value } }));

export const CLAUDE_CODE_RESOURCE = { 'service.name': 'claude-code', 'service.version': '2.1.328', 'os.type': 'linux', 'host.arch': 'amd64' };

/** A token.usage point of `model` (input tokens), the most common point Claude Code sends. */
export const tokenPoint = (value: number | string, extra: Partial<PointSpec> = {}): PointSpec => ({
  metric: 'claude_code.token.usage',
  value,
  ...extra,
  attributes: { model: 'claude-sonnet-4-5-20250929', type: 'input', 'session.id': 'hostile-session', ...extra.attributes },
});

/** An ExportMetricsServiceRequest as OTLP JSON (plain object): points grouped into metrics by name, in order. */
export function metricsRequest(points: PointSpec[], resource: Record<string, string> = { ...CLAUDE_CODE_RESOURCE, 'ccstats.device': 'laptop' }): Json {
  const now = Date.now();
  const metrics = new Map<string, { temporality: number; dataPoints: Json[] }>();
  for (const p of points) {
    const name = p.metric ?? 'claude_code.token.usage';
    const end = p.endNanos ?? nanos(now);
    const start = p.startNanos ?? (/^\d+$/.test(end) ? (BigInt(end) - 60_000_000_000n).toString() : end);
    const point: Json = { attributes: kv(p.attributes ?? {}), startTimeUnixNano: start, timeUnixNano: end };
    if (p.value !== undefined) point[p.asInt ? 'asInt' : 'asDouble'] = p.asInt ? String(p.value) : p.value;
    const metric = metrics.get(name) ?? { temporality: p.temporality ?? 1, dataPoints: [] };
    metric.dataPoints.push(point);
    metrics.set(name, metric);
  }
  return {
    resourceMetrics: [
      {
        resource: { attributes: kv(resource) },
        scopeMetrics: [
          {
            scope: { name: 'com.anthropic.claude_code', version: '2.1.328' },
            metrics: [...metrics].map(([name, m]) => ({
              name,
              unit: '',
              sum: { aggregationTemporality: m.temporality, isMonotonic: true, dataPoints: m.dataPoints },
            })),
          },
        ],
      },
    ],
  };
}

export interface EventSpec {
  name: 'api_request' | 'api_error' | 'user_prompt';
  model?: string;
  sequence: number;
  session?: string;
  timeNanos?: string;
  attributes?: Record<string, string>;
}

/** An ExportLogsServiceRequest as OTLP JSON: Claude Code's events as log records. */
export function logsRequest(events: EventSpec[], resource: Record<string, string> = { ...CLAUDE_CODE_RESOURCE, 'ccstats.device': 'laptop' }): Json {
  const now = nanos(Date.now());
  return {
    resourceLogs: [
      {
        resource: { attributes: kv(resource) },
        scopeLogs: [
          {
            scope: { name: 'com.anthropic.claude_code.events', version: '2.1.328' },
            logRecords: events.map((e) => ({
              timeUnixNano: e.timeNanos ?? now,
              observedTimeUnixNano: e.timeNanos ?? now,
              body: { stringValue: `claude_code.${e.name}` },
              attributes: [
                ...kv({ 'session.id': e.session ?? 'hostile-session', 'event.name': e.name, ...(e.model ? { model: e.model } : {}), ...e.attributes }),
                { key: 'event.sequence', value: { intValue: String(e.sequence) } },
              ],
            })),
          },
        ],
      },
    ],
  };
}

/** The same request as binary protobuf (through protobufjs and the official .proto definitions). */
export function metricsProtobuf(request: Json): Buffer {
  return Buffer.from(MetricsRequestType.encode(MetricsRequestType.fromObject(request)).finish());
}

export function logsProtobuf(request: Json): Buffer {
  return Buffer.from(LogsRequestType.encode(LogsRequestType.fromObject(request)).finish());
}

/** A google.rpc.Status in protobuf (code = field 1, message = field 2), read field by field. */
export function readStatus(bytes: Buffer): { code?: number; message?: string } {
  const reader = protobuf.Reader.create(bytes);
  const out: { code?: number; message?: string } = {};
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1 && (tag & 7) === 0) out.code = reader.int32();
    else if (tag >>> 3 === 2 && (tag & 7) === 2) out.message = reader.string();
    else reader.skipType(tag & 7);
  }
  return out;
}
