import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { jest } from '@jest/globals';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import protojson from 'protobufjs/ext/protojson.js';
import { DomainError, ErrorCode, statusOf } from '../../src/common/errors.js';
import { OtlpDecodeError } from '../../src/ingestion/otlp/otlp-decode.error.js';
import {
  decodeJsonValue,
  decodeLogsRequest,
  decodeMetricsRequest,
  inflateBody,
  type OtlpBody,
  scanJsonText,
  scanProtobuf,
} from '../../src/ingestion/otlp/otlp-decode.js';
import { logsToEvents } from '../../src/ingestion/otlp/otlp-events.js';
import { DEFAULT_OTLP_LIMITS, otlpLimits, type OtlpLimits } from '../../src/ingestion/otlp/otlp-limits.js';
import { metricsToPoints } from '../../src/ingestion/otlp/otlp-points.js';
import { OTLP_PROTO_DESCRIPTOR } from '../../src/ingestion/otlp/otlp-proto.descriptor.js';
import { LogsRequestType, MetricsRequestType } from '../../src/ingestion/otlp/otlp-proto.js';
import { type TelemetryEvent, type TelemetryPoint, type WireLogsRequest, type WireMetricsRequest } from '../../src/ingestion/otlp/otlp.types.js';

/**
 * The OTLP decoder and normalisers on Claude Code's real exports (test/fixtures/claude-code-otel, see
 * its README), without a database or an app: every expected number is worked out here from the
 * captures' JSON and the API replies' ground truth, never from the code under test. Then hostile
 * bodies: each must end in OtlpDecodeError or in refused items, within the bounds.
 */

const FIXTURES = fileURLToPath(new URL('../fixtures/claude-code-otel/', import.meta.url));
const PROTO_DIR = fileURLToPath(new URL('../../src/ingestion/otlp/proto/', import.meta.url));
const raw = (name: string) => readFileSync(join(FIXTURES, name));
const json = <T = RawMetricsRequest>(name: string): T => JSON.parse(raw(name).toString('utf8')) as T;
const gunzip = (name: string) => inflateBody(raw(name), 'gzip', 1024 * 1024);

/** The captures were made on 2026-11-26 around 19:36 UTC; the receiver's clock a few hours later. */
const NOW = Date.parse('2026-11-27T00:00:00Z');
const DAY_NS = 86_400_000_000_000n;
const NOW_NS = BigInt(NOW) * 1_000_000n;

const JSON_DELTA_SESSION = '1d2f7ebc-12d0-4c19-acc6-a4f3bde8b97a';
const OPUS = 'claude-opus-4-1-20250805';

const jsonBody = (value: unknown, contentEncoding?: string): OtlpBody => {
  const text = Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
  return { body: contentEncoding ? gzipSync(text) : text, contentType: 'application/json', contentEncoding };
};
const protoBody = (body: Uint8Array, contentEncoding?: string): OtlpBody => ({
  body: contentEncoding ? gzipSync(body) : body,
  contentType: 'application/x-protobuf',
  contentEncoding,
});

const points = (input: OtlpBody, limits: OtlpLimits = DEFAULT_OTLP_LIMITS) =>
  metricsToPoints(decodeMetricsRequest(input, limits).request, { now: NOW, limits });
const events = (input: OtlpBody, limits: OtlpLimits = DEFAULT_OTLP_LIMITS) => logsToEvents(decodeLogsRequest(input, limits).request, { now: NOW, limits });

/** Encodes an OTLP JSON object as binary protobuf with protobufjs (the official definitions). */
const toProtobuf = (value: unknown) => MetricsRequestType.encode(protojson.fromJson(MetricsRequestType, value, { ignoreUnknownFields: true })).finish();

const serialized = (value: unknown) => JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

function decodeError(run: () => unknown): OtlpDecodeError {
  try {
    run();
  } catch (error) {
    if (error instanceof OtlpDecodeError) return error;
    throw new Error(`threw something other than OtlpDecodeError: ${String(error)}`, { cause: error });
  }
  throw new Error('did not throw');
}

// --- Independent readings of the captures -----------------------------------------------------------

/** The captures' OTLP JSON, as far as the tests read it. */
interface RawKv {
  key: string;
  value: Record<string, unknown>;
}
interface RawPoint {
  attributes: RawKv[];
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  asDouble?: number | string;
  asInt?: string;
  flags?: number;
}
interface RawSum {
  aggregationTemporality: number;
  isMonotonic: boolean;
  dataPoints: RawPoint[];
}
interface RawMetric {
  name: string;
  sum?: RawSum;
  gauge?: { dataPoints: unknown[] };
  histogram?: unknown;
  [other: string]: unknown;
}
interface RawResourceMetrics {
  resource: { attributes?: RawKv[] };
  scopeMetrics: Array<{ scope?: { name: string }; metrics: RawMetric[] }>;
}
interface RawMetricsRequest {
  resourceMetrics: RawResourceMetrics[];
  [other: string]: unknown;
}
interface RawLogRecord {
  timeUnixNano?: string;
  body?: { stringValue?: string };
  attributes: RawKv[];
}
interface RawLogsRequest {
  resourceLogs: Array<{ resource: { attributes?: RawKv[] }; scopeLogs: Array<{ scope?: { name: string }; logRecords: RawLogRecord[] }> }>;
}

const attr = (list: RawKv[], key: string) => {
  const v = list.find((kv) => kv.key === key)?.value;
  return v === undefined ? undefined : (Object.values(v)[0] as string | number | boolean);
};

/** metric|model|type → the sum of the capture's values, read straight from its JSON. */
function sumsFromJson(request: RawMetricsRequest): Map<string, number> {
  const sums = new Map<string, number>();
  for (const rm of request.resourceMetrics)
    for (const sm of rm.scopeMetrics)
      for (const metric of sm.metrics)
        for (const dp of metric.sum!.dataPoints) {
          const key = `${metric.name}|${String(attr(dp.attributes, 'model') ?? '')}|${String(attr(dp.attributes, 'type') ?? '')}`;
          sums.set(key, (sums.get(key) ?? 0) + Number(dp.asDouble ?? dp.asInt));
        }
  return sums;
}

function sumsFromPoints(list: TelemetryPoint[]): Map<string, number> {
  const sums = new Map<string, number>();
  for (const p of list) {
    const key = `${p.metric}|${p.attributes.model ?? ''}|${p.attributes.type ?? ''}`;
    sums.set(key, (sums.get(key) ?? 0) + p.value);
  }
  return sums;
}

interface GroundTruth {
  request_id: string;
  session_id: string;
  model: string;
  usage: { input_tokens: number; output_tokens: number; cache_read_input_tokens: number; cache_creation_input_tokens: number };
}
const groundTruth: GroundTruth[] = raw('api-usage-ground-truth.jsonl')
  .toString('utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as GroundTruth);

/** The API's own token counts for one session, by token type as Claude Code names them. */
function truthOf(session: string) {
  const replies = groundTruth.filter((r) => r.session_id === session);
  const total = (pick: (u: GroundTruth['usage']) => number) => replies.reduce((n, r) => n + pick(r.usage), 0);
  return {
    models: [...new Set(replies.map((r) => r.model))],
    input: total((u) => u.input_tokens),
    output: total((u) => u.output_tokens),
    cacheRead: total((u) => u.cache_read_input_tokens),
    cacheCreation: total((u) => u.cache_creation_input_tokens),
  };
}

const tokenSum = (list: TelemetryPoint[], model: string, type: string) =>
  list.filter((p) => p.metric === 'claude_code.token.usage' && p.attributes.model === model && p.attributes.type === type).reduce((n, p) => n + p.value, 0);

// -----------------------------------------------------------------------------------------------------

describe('the protocol definitions', () => {
  it('the generated descriptor is exactly what protobufjs reads from the official .proto files', () => {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => join(PROTO_DIR, target);
    root.loadSync(['opentelemetry/proto/collector/metrics/v1/metrics_service.proto', 'opentelemetry/proto/collector/logs/v1/logs_service.proto']);
    root.resolveAll();
    expect(JSON.parse(JSON.stringify(root.toJSON()))).toEqual(JSON.parse(JSON.stringify(OTLP_PROTO_DESCRIPTOR)));
  });

  it("counts the values of Claude Code's real batches far below the bound (a full 512-record log batch is about 40,000)", () => {
    expect(scanProtobuf(MetricsRequestType, gunzip('otlp-protobuf-cumulative-metrics.pb.gz'), DEFAULT_OTLP_LIMITS)).toBe(445);
    expect(scanProtobuf(LogsRequestType, gunzip('otlp-protobuf-logs.pb.gz'), DEFAULT_OTLP_LIMITS)).toBe(1781); // 23 records
    expect(scanJsonText(raw('otlp-json-logs.json').toString('utf8'), DEFAULT_OTLP_LIMITS)).toBe(1810);
    expect(Math.ceil((1781 / 23) * 512)).toBeLessThan(DEFAULT_OTLP_LIMITS.maxValues / 2);
  });
});

describe('Claude Code metrics, JSON, delta (one session of the ground-truth run)', () => {
  const capture = json('otlp-json-delta-metrics.json');
  const decoded = points(jsonBody(capture));

  it('keeps every point, refuses none, and sums per metric, model and type to the capture', () => {
    expect(decoded.rejected).toBe(0);
    expect(decoded.ignored).toBe(0);
    expect(decoded.reasons).toEqual([]);
    expect(decoded.items).toHaveLength(11);
    expect(sumsFromPoints(decoded.items)).toEqual(sumsFromJson(capture));
  });

  it("token totals equal the API replies' usage for that session", () => {
    const truth = truthOf(JSON_DELTA_SESSION);
    expect(truth.models).toEqual([OPUS]);
    expect(tokenSum(decoded.items, OPUS, 'input')).toBe(truth.input);
    expect(tokenSum(decoded.items, OPUS, 'output')).toBe(truth.output);
    expect(tokenSum(decoded.items, OPUS, 'cacheRead')).toBe(truth.cacheRead);
    expect(tokenSum(decoded.items, OPUS, 'cacheCreation')).toBe(truth.cacheCreation);
    expect([truth.input, truth.output, truth.cacheRead, truth.cacheCreation]).toEqual([5742, 1723, 6372, 12120]);
  });

  it('carries temporality, exact nanosecond times, the kept attributes and resource, and nothing else', () => {
    const session = decoded.items.find((p) => p.metric === 'claude_code.session.count')!;
    expect(session).toMatchObject({
      temporality: 'delta',
      startTimeUnixNano: 1795721803267000000n,
      timeUnixNano: 1795721803746000000n,
      value: 1,
      scope: 'com.anthropic.claude_code',
      resource: { 'host.arch': 'amd64', 'os.type': 'linux', 'os.version': '6.18.44-fc-v657', 'service.name': 'claude-code', 'service.version': '2.1.328' },
    });
    expect(session.attributes).toEqual({
      'user.id': '3210e277c87b7ce691d44e888f67011d29c6d3d4f3429749fdee0aad3fbcb586',
      'session.id': JSON_DELTA_SESSION,
      'anthropic.provider': 'firstParty',
      'terminal.type': 'dumb',
      start_type: 'fresh',
    });
    const cost = decoded.items.find((p) => p.metric === 'claude_code.cost.usage')!;
    expect(cost.value).toBe(0.452163);
    const active = decoded.items.find((p) => p.metric === 'claude_code.active_time.total')!;
    expect(active).toMatchObject({ value: 0.423, attributes: { type: 'cli' } });
    const decisions = decoded.items.filter((p) => p.metric === 'claude_code.code_edit_tool.decision');
    expect(decisions.map((p) => [p.attributes.tool_name, p.attributes.decision, p.attributes.language])).toEqual(
      capture.resourceMetrics[0].scopeMetrics[0].metrics
        .find((m) => m.name === 'claude_code.code_edit_tool.decision')!
        .sum!.dataPoints.map((dp) => [attr(dp.attributes, 'tool_name'), attr(dp.attributes, 'decision'), attr(dp.attributes, 'language')]),
    );
  });

  it('gives every point its own series key, stable across attribute order', () => {
    expect(new Set(decoded.items.map((p) => p.seriesKey)).size).toBe(decoded.items.length);
    const reordered = structuredClone(capture);
    for (const metric of reordered.resourceMetrics[0].scopeMetrics[0].metrics) for (const dp of metric.sum!.dataPoints) dp.attributes.reverse();
    reordered.resourceMetrics[0].resource.attributes!.reverse();
    expect(points(jsonBody(reordered)).items.map((p) => p.seriesKey)).toEqual(decoded.items.map((p) => p.seriesKey));
  });

  it('a different value of an attribute the service ignores is another series', () => {
    const other = structuredClone(capture);
    const dp = other.resourceMetrics[0].scopeMetrics[0].metrics[0].sum!.dataPoints[0];
    dp.attributes.find((kv) => kv.key === 'anthropic.custom_base_url')!.value = { boolValue: false };
    const [first] = points(jsonBody(other)).items;
    expect(first.attributes).toEqual(decoded.items[0].attributes);
    expect(first.seriesKey).not.toBe(decoded.items[0].seriesKey);
  });

  it('is the same through protobuf: the capture encoded by protobufjs decodes to identical points, series keys included', () => {
    expect(points(protoBody(toProtobuf(capture)))).toEqual(decoded);
    expect(points(protoBody(toProtobuf(capture), 'gzip'))).toEqual(decoded);
    expect(points(jsonBody(capture, 'gzip'))).toEqual(decoded);
  });

  it('accepts the proto field names too (as the OpenTelemetry Collector does) and ignores unknown fields', () => {
    const snake = JSON.parse(
      JSON.stringify(capture)
        .replaceAll('"resourceMetrics"', '"resource_metrics"')
        .replaceAll('"scopeMetrics"', '"scope_metrics"')
        .replaceAll('"dataPoints"', '"data_points"')
        .replaceAll('"timeUnixNano"', '"time_unix_nano"')
        .replaceAll('"asDouble"', '"as_double"'),
    );
    snake.someFutureField = { nested: [1, 2, 3] };
    snake.resource_metrics[0].scope_metrics[0].metrics[0].newMetricField = 'x';
    expect(points(jsonBody(snake))).toEqual(decoded);
  });

  it("ignores metrics that are not Claude Code's (sums, gauges, histograms) without refusing anything", () => {
    const extra = structuredClone(capture);
    const scope = extra.resourceMetrics[0].scopeMetrics[0];
    const template = scope.metrics[0].sum!.dataPoints[0];
    scope.metrics.push(
      { name: 'process.cpu.time', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [template, template] } },
      { name: 'claude_code.token.usage.next', gauge: { dataPoints: [template] } },
      {
        name: 'http.server.duration',
        histogram: { aggregationTemporality: 2, dataPoints: [{ count: '3', sum: 1.5, bucketCounts: ['1', '2'], explicitBounds: [1] }] },
      },
    );
    extra.resourceMetrics.push({ resource: {}, scopeMetrics: [{ scope: { name: 'other' }, metrics: [{ name: 'up', gauge: { dataPoints: [template] } }] }] });
    const result = points(jsonBody(extra));
    expect(result.items).toEqual(decoded.items);
    expect(result.rejected).toBe(0);
    expect(result.ignored).toBe(5);
  });
});

describe('Claude Code metrics, protobuf, cumulative', () => {
  const body = gunzip('otlp-protobuf-cumulative-metrics.pb.gz');
  const decoded = points(protoBody(body));
  const asJson = json('otlp-protobuf-cumulative-metrics.decoded.json');

  it('decodes the binary capture to points that sum per metric, model and type to its decoded JSON', () => {
    expect(body.length).toBe(4379); // the request as sent (meta.json: bytes_decoded)
    expect(decoded.rejected).toBe(0);
    expect(decoded.items).toHaveLength(11);
    expect(decoded.items.every((p) => p.temporality === 'cumulative')).toBe(true);
    expect(sumsFromPoints(decoded.items)).toEqual(sumsFromJson(asJson));
  });

  it("token totals equal the API's usage: the run replayed the ground truth's seeded opus session", () => {
    const truth = truthOf(JSON_DELTA_SESSION);
    expect(tokenSum(decoded.items, OPUS, 'input')).toBe(truth.input);
    expect(tokenSum(decoded.items, OPUS, 'output')).toBe(truth.output);
    expect(tokenSum(decoded.items, OPUS, 'cacheRead')).toBe(truth.cacheRead);
    expect(tokenSum(decoded.items, OPUS, 'cacheCreation')).toBe(truth.cacheCreation);
  });

  it('the protobuf body and its decoded JSON give identical points, series keys included', () => {
    expect(points(jsonBody(asJson))).toEqual(decoded);
  });

  it('a gzipped request body gives the same points, and application/protobuf is read as x-protobuf', () => {
    expect(points(protoBody(body, 'gzip'))).toEqual(decoded);
    expect(points({ body, contentType: 'application/protobuf; charset=binary', contentEncoding: 'identity' })).toEqual(decoded);
  });
});

describe('Claude Code events over logs', () => {
  const capture = json<RawLogsRequest>('otlp-json-logs.json');
  const decoded = events(jsonBody(capture));
  const byName = (list: TelemetryEvent[], name: string) => list.filter((e) => e.name === name);

  it('keeps api_request, user_prompt, tool_decision and tool_result; ignores the other records', () => {
    const records = capture.resourceLogs[0].scopeLogs[0].logRecords;
    const known = records.filter((r) =>
      ['api_request', 'api_error', 'tool_result', 'tool_decision', 'user_prompt'].includes(String(attr(r.attributes, 'event.name'))),
    );
    expect(decoded.rejected).toBe(0);
    expect(decoded.items).toHaveLength(known.length);
    expect(decoded.ignored).toBe(records.length - known.length);
    expect(byName(decoded.items, 'api_request')).toHaveLength(5);
    expect(byName(decoded.items, 'tool_decision')).toHaveLength(4);
    expect(byName(decoded.items, 'tool_result')).toHaveLength(4);
    expect(byName(decoded.items, 'user_prompt')).toHaveLength(1);
  });

  it("every api_request's token counts equal the API reply with its request_id", () => {
    const requests = byName(decoded.items, 'api_request');
    for (const event of requests) {
      const reply = groundTruth.find((r) => r.request_id === event.attributes.request_id)!;
      expect(reply).toBeDefined();
      expect(event.attributes).toMatchObject({
        model: reply.model,
        input_tokens: reply.usage.input_tokens,
        output_tokens: reply.usage.output_tokens,
        cache_read_tokens: reply.usage.cache_read_input_tokens,
        cache_creation_tokens: reply.usage.cache_creation_input_tokens,
        'session.id': JSON_DELTA_SESSION,
      });
      expect(typeof event.attributes.cost_usd).toBe('number');
    }
    expect(requests[0].attributes.cost_usd).toBe(0.12487875);
    expect(requests[0].timeUnixNano).toBe(1795721803484000000n);
  });

  it('reads counts sent as strings (prompt_length, duration_ms) as numbers, and keeps only the allow-listed attributes', () => {
    const [prompt] = byName(decoded.items, 'user_prompt');
    expect(prompt.attributes).toEqual({
      'session.id': JSON_DELTA_SESSION,
      'event.sequence': 4,
      'terminal.type': 'dumb',
      'user.id': '3210e277c87b7ce691d44e888f67011d29c6d3d4f3429749fdee0aad3fbcb586',
      prompt_length: 24,
    });
    const [result] = byName(decoded.items, 'tool_result');
    expect(result.attributes).toMatchObject({ tool_name: 'Write', success: 'true', duration_ms: 14 });
    expect(Object.keys(result.attributes)).not.toContain('tool_input_size_bytes');
  });

  it('never keeps prompt text, responses or tool input, even when sent', () => {
    expect(serialized(decoded)).not.toContain('<REDACTED>');
    const leaky = structuredClone(capture);
    const SECRETS = [
      'please refactor the billing module of acme-corp',
      'rm -rf /srv/secret-project',
      'the assistant answered with a secret',
      '{"file_path":"/home/me/.ssh/id_rsa"}',
    ];
    for (const record of leaky.resourceLogs[0].scopeLogs[0].logRecords) {
      for (const kv of record.attributes) if (kv.key === 'prompt' || kv.key === 'prompt_text') kv.value = { stringValue: SECRETS[0] };
      record.attributes.push(
        { key: 'tool_input', value: { stringValue: SECRETS[1] } },
        { key: 'tool_parameters', value: { stringValue: SECRETS[3] } },
        { key: 'response', value: { stringValue: SECRETS[2] } },
      );
      record.body = { stringValue: SECRETS[0] }; // event.name still says what it is
    }
    const result = events(jsonBody(leaky));
    expect(result.items).toHaveLength(decoded.items.length);
    const text = serialized(result);
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    for (const key of ['"prompt"', '"prompt_text"', '"tool_input"', '"tool_parameters"', '"response"']) expect(text).not.toContain(key);
  });

  it("the protobuf capture (the cumulative run) has api_request tokens that add up to that run's token metrics", () => {
    const fromProtobuf = events(protoBody(gunzip('otlp-protobuf-logs.pb.gz')));
    expect(fromProtobuf.rejected).toBe(0);
    const requests = byName(fromProtobuf.items, 'api_request');
    expect(requests).toHaveLength(5);
    const metrics = points(protoBody(gunzip('otlp-protobuf-cumulative-metrics.pb.gz'))).items;
    const total = (key: string) => requests.reduce((n, e) => n + (e.attributes[key] as number), 0);
    expect(total('input_tokens')).toBe(tokenSum(metrics, OPUS, 'input'));
    expect(total('output_tokens')).toBe(tokenSum(metrics, OPUS, 'output'));
    expect(total('cache_read_tokens')).toBe(tokenSum(metrics, OPUS, 'cacheRead'));
    expect(total('cache_creation_tokens')).toBe(tokenSum(metrics, OPUS, 'cacheCreation'));
    expect(new Set(requests.map((e) => e.attributes['session.id']))).toEqual(new Set(['74cfd7f2-349d-4799-bb98-372b3a942032']));
  });

  it('the same records through JSON and protobuf give the same events and event keys (a retry dedupes in either encoding); no two events share a key', () => {
    const asProtobuf = LogsRequestType.encode(protojson.fromJson(LogsRequestType, capture, { ignoreUnknownFields: true })).finish();
    expect(events(protoBody(asProtobuf, 'gzip'))).toEqual(decoded);
    expect(new Set(decoded.items.map((e) => e.eventKey)).size).toBe(decoded.items.length);
  });
});

// --- Hostile input ---------------------------------------------------------------------------------

/** A request whose metrics are all sums (what tokenRequest builds). */
interface TokenRequest {
  resourceMetrics: Array<{ resource: { attributes: RawKv[] }; scopeMetrics: Array<{ scope: { name: string }; metrics: Array<RawMetric & { sum: RawSum }> }> }>;
}

/** One Claude Code token point, as OTLP JSON, with whatever changed. */
function tokenRequest(point: Record<string, unknown>, metric = 'claude_code.token.usage', attributes: RawKv[] = []): TokenRequest {
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'claude-code' } }] },
        scopeMetrics: [
          {
            scope: { name: 'com.anthropic.claude_code' },
            metrics: [
              {
                name: metric,
                sum: {
                  aggregationTemporality: 1,
                  isMonotonic: true,
                  dataPoints: [
                    {
                      attributes: [{ key: 'type', value: { stringValue: 'input' } }, { key: 'model', value: { stringValue: OPUS } }, ...attributes],
                      startTimeUnixNano: String(NOW_NS - 60_000_000_000n),
                      timeUnixNano: String(NOW_NS),
                      asDouble: 5,
                      ...point,
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

const one = (request: unknown) => points(jsonBody(request));

describe('hostile bodies: the typed error and nothing else', () => {
  it('is a DomainError the global filter maps to 400, 413 or 415', () => {
    const malformed = decodeError(() => decodeMetricsRequest(jsonBody('{')));
    expect(malformed).toBeInstanceOf(DomainError);
    expect([malformed.kind, statusOf(malformed.code)]).toEqual(['malformed', 400]);
    const media = decodeError(() => decodeMetricsRequest({ body: Buffer.from('{}'), contentType: 'text/plain' }));
    expect([media.kind, media.code]).toEqual(['unsupported-media-type', ErrorCode.UnsupportedMediaType]);
    const encoding = decodeError(() => decodeMetricsRequest({ body: Buffer.from('{}'), contentType: 'application/json', contentEncoding: 'br' }));
    expect([encoding.kind, statusOf(encoding.code)]).toEqual(['unsupported-encoding', 415]);
    const large = decodeError(() => decodeMetricsRequest(jsonBody('{}'), otlpLimits({ maxBodyBytes: 1 })));
    expect([large.kind, statusOf(large.code)]).toEqual(['too-large', 413]);
  });

  it.each([
    ['an empty body', ''],
    ['truncated JSON', '{"resourceMetrics":['],
    ['an array', '[]'],
    ['a string', '"resourceMetrics"'],
    ['a wrong type', '{"resourceMetrics":5}'],
    ['a timestamp that is not an integer', JSON.stringify(tokenRequest({ timeUnixNano: 'soon' }))],
    ['a timestamp past 64 bits', JSON.stringify(tokenRequest({ timeUnixNano: '18446744073709551616' }))],
    ['a double that is text', JSON.stringify(tokenRequest({ asDouble: 'five' }))],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
  ])('JSON: %s → malformed', (_what, text) => {
    const error = decodeError(() => decodeMetricsRequest({ body: Buffer.isBuffer(text) ? text : Buffer.from(text), contentType: 'application/json' }));
    expect(error.kind).toBe('malformed');
    expect(error.message.length).toBeLessThan(400);
  });

  it('protobuf: a truncated capture, garbage and invalid wire types → malformed', () => {
    const body = gunzip('otlp-protobuf-cumulative-metrics.pb.gz');
    expect(decodeError(() => decodeMetricsRequest(protoBody(body.subarray(0, 1000)))).kind).toBe('malformed');
    expect(decodeError(() => decodeMetricsRequest(protoBody(Buffer.from('{"resourceMetrics":[]}')))).kind).toBe('malformed');
    expect(decodeError(() => decodeMetricsRequest(protoBody(Uint8Array.from([0x0f, 0x01])))).kind).toBe('malformed'); // wire type 7
    expect(decodeError(() => decodeMetricsRequest(protoBody(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])))).kind).toBe('malformed'); // length past the end
  });

  it('gzip: not gzip → malformed; a bomb (1 GiB of zeros in 1 MB) stops at the cap', () => {
    expect(decodeError(() => decodeMetricsRequest({ ...jsonBody('{}'), contentEncoding: 'gzip' })).kind).toBe('malformed');
    const member = gzipSync(Buffer.alloc(16 * 1024 * 1024), { level: 9 });
    const bomb = Buffer.concat(Array.from({ length: 64 }, () => member)); // gzip members concatenate: 64 × 16 MiB inflated
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    const error = decodeError(() => decodeMetricsRequest({ body: bomb, contentType: 'application/x-protobuf', contentEncoding: 'gzip' }));
    expect(error.kind).toBe('too-large');
    expect(error.message).toContain(String(DEFAULT_OTLP_LIMITS.maxBodyBytes));
    expect(decodeError(() => inflateBody(bomb, 'gzip', 1000)).kind).toBe('too-large');
  });

  it('deep nesting: a million [ and protobuf messages nested past the bound → malformed before any parser recurses', () => {
    const parse = jest.spyOn(JSON, 'parse');
    try {
      const error = decodeError(() => decodeMetricsRequest(jsonBody('['.repeat(1_000_000))));
      expect([error.kind, error.message]).toEqual(['malformed', 'The JSON is nested deeper than 64 levels.']);
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
    // AnyValue.kvlist_value (6) → KeyValueList.values (1) → KeyValue.value (2) → AnyValue …, as deep as 2 MB allows.
    let nested: Uint8Array = new Uint8Array(0);
    for (let level = 0; level < 2000; level++) {
      const kv = protobuf.Writer.create()
        .uint32((2 << 3) | 2)
        .bytes(nested)
        .finish();
      const list = protobuf.Writer.create()
        .uint32((1 << 3) | 2)
        .bytes(kv)
        .finish();
      nested = protobuf.Writer.create()
        .uint32((6 << 3) | 2)
        .bytes(list)
        .finish();
    }
    const attribute = protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .string('k')
      .uint32((2 << 3) | 2)
      .bytes(nested)
      .finish();
    const point = protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .bytes(
        protobuf.Writer.create()
          .uint32((7 << 3) | 2)
          .bytes(attribute)
          .finish(),
      )
      .finish();
    const error = decodeError(() => decodeMetricsRequest(protoBody(wrapPoints(point))));
    expect([error.kind, error.message]).toEqual(['malformed', `The message is nested deeper than ${DEFAULT_OTLP_LIMITS.maxMessageDepth} levels.`]);
  });

  it('a million points in protobuf (2 MB) or JSON → too-large, counted before anything is built', () => {
    const million = wrapPoints(emptyPoints(1_000_000));
    expect(million.length).toBeLessThan(DEFAULT_OTLP_LIMITS.maxBodyBytes);
    const decode = jest.spyOn(MetricsRequestType, 'decode');
    try {
      const error = decodeError(() => decodeMetricsRequest(protoBody(million)));
      expect([error.kind, error.message]).toEqual(['too-large', `The request holds more than ${DEFAULT_OTLP_LIMITS.maxValues} values; send smaller batches.`]);
      expect(decode).not.toHaveBeenCalled();
    } finally {
      decode.mockRestore();
    }
    const text = `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"claude_code.token.usage","sum":{"dataPoints":[${'{},'.repeat(999_999)}{}]}}]}]}]}`;
    const parse = jest.spyOn(JSON, 'parse');
    try {
      expect(decodeError(() => decodeMetricsRequest(jsonBody(text))).kind).toBe('too-large');
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
    expect(decodeError(() => decodeJsonValue('metrics', JSON.parse(text))).kind).toBe('too-large'); // already parsed by the route
  });

  it('points past maxPoints are refused without being examined', () => {
    const base = tokenRequest({});
    const template = base.resourceMetrics[0].scopeMetrics[0].metrics[0].sum.dataPoints[0];
    const list = Array.from({ length: 3_000 }, (_, i) => ({ ...template, asDouble: i < 1_000 ? i : 'NaN' }));
    base.resourceMetrics[0].scopeMetrics[0].metrics[0].sum.dataPoints = list;
    const limits = otlpLimits({ maxPoints: 1_000 });
    const result = points(protoBody(toProtobuf(base), 'gzip'), limits);
    expect(result.items).toHaveLength(1_000);
    expect(result.rejected).toBe(2_000);
    expect(result.reasons).toEqual([`more than ${limits.maxPoints} points of Claude Code's metrics in one request`]); // never reached a NaN
  });

  it('resources, scopes, metrics and log records past their bounds are refused, the rest kept', () => {
    const limits = otlpLimits({ maxResources: 2, maxScopesPerResource: 2, maxMetricsPerScope: 2, maxLogRecords: 3 });
    const base = tokenRequest({});
    const scope = base.resourceMetrics[0].scopeMetrics[0];
    scope.metrics = [scope.metrics[0], { name: 'unknown', sum: scope.metrics[0].sum }, scope.metrics[0], scope.metrics[0]];
    base.resourceMetrics[0].scopeMetrics = [scope, scope, scope];
    base.resourceMetrics = [base.resourceMetrics[0], base.resourceMetrics[0], base.resourceMetrics[0]];
    const result = metricsToPoints(decodeJsonValue('metrics', base) as WireMetricsRequest, { now: NOW, limits });
    // kept: 2 resources × 2 scopes × the first metric (the second is unknown); refused: the 2 metrics past the bound
    // in those 4 scopes, the third scope of 2 resources (2 points each) and the third resource (3 scopes × 3 points)
    expect(result.items).toHaveLength(4);
    expect(result.rejected).toBe(4 * 2 + 2 * 3 + 9);
    expect(result.ignored).toBe(4);
    expect(result.reasons).toHaveLength(3);

    const logs = json<RawLogsRequest>('otlp-json-logs.json');
    const records = logs.resourceLogs[0].scopeLogs[0].logRecords.length;
    const bounded = logsToEvents(decodeJsonValue('logs', logs) as WireLogsRequest, { now: NOW, limits });
    expect(bounded.items.length + bounded.ignored).toBe(3);
    expect(bounded.rejected).toBe(records - 3);
  });

  it('attribute values of 100 KB: a kept one refuses the point, an ignored one does not matter, free text is cut', () => {
    const big = 'x'.repeat(100 * 1024);
    const refusedModel = one(withAttribute('model', big));
    expect(refusedModel.items).toHaveLength(0);
    expect(refusedModel.reasons).toEqual([`attribute model is longer than ${DEFAULT_OTLP_LIMITS.maxAttributeValueLength} characters`]);
    expect(serialized(refusedModel)).not.toContain('xxxxxxxxxx');

    const ignored = one(tokenRequest({}, 'claude_code.token.usage', [{ key: 'custom.blob', value: { stringValue: big } }]));
    expect(ignored.items).toHaveLength(1);
    expect(serialized(ignored)).not.toContain('xxxxxxxxxx');

    const longKey = one(tokenRequest({}, 'claude_code.token.usage', [{ key: big, value: { stringValue: 'v' } }]));
    expect(longKey.reasons).toEqual([
      `a claude_code.token.usage point has an attribute key longer than ${DEFAULT_OTLP_LIMITS.maxAttributeKeyLength} characters`,
    ]);

    const error = apiError(`Overloaded\n${big}`);
    expect(error.items).toHaveLength(1);
    expect(error.items[0].attributes.error).toHaveLength(DEFAULT_OTLP_LIMITS.maxAttributeValueLength);
    expect(String(error.items[0].attributes.error)).toMatch(/^Overloaded x+…$/);
  });

  it('too many attributes, repeated keys, unprintable or non-string kept values refuse the point', () => {
    const many = Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, value: { intValue: i } }));
    expect(one(tokenRequest({}, 'claude_code.token.usage', many)).reasons).toEqual(['a claude_code.token.usage point has more than 128 attributes']);
    expect(one(tokenRequest({}, 'claude_code.token.usage', [{ key: 'model', value: { stringValue: 'again' } }])).reasons).toEqual([
      'a claude_code.token.usage point repeats an attribute key',
    ]);
    expect(one(withAttribute('model', 'claude\u0000opus')).reasons).toEqual(['attribute model is not printable text']);
    expect(one(withAttribute('model', { arrayValue: { values: [] } })).reasons).toEqual(['attribute model must be a string']);
    expect(one(withAttribute('type', 'tokens')).reasons).toEqual([
      'claude_code.token.usage: attribute type must be one of input, output, cacheRead, cacheCreation',
    ]);
  });

  it('NaN, infinite, negative, fractional and huge counters are refused; cost and active time may be fractional', () => {
    const cases: Array<[Record<string, unknown>, string, boolean]> = [
      [{ asDouble: 'NaN' }, 'claude_code.token.usage', false],
      [{ asDouble: 'Infinity' }, 'claude_code.token.usage', false],
      [{ asDouble: '-Infinity' }, 'claude_code.cost.usage', false],
      [{ asDouble: -1 }, 'claude_code.token.usage', false],
      [{ asDouble: -0.01 }, 'claude_code.cost.usage', false],
      [{ asDouble: 1.5 }, 'claude_code.token.usage', false],
      [{ asDouble: 0.5 }, 'claude_code.session.count', false],
      [{ asDouble: 2.25 }, 'claude_code.lines_of_code.count', false],
      [{ asDouble: 1e20 }, 'claude_code.commit.count', false],
      [{ asDouble: undefined, asInt: '-3' }, 'claude_code.pull_request.count', false],
      [{ asDouble: undefined, asInt: '9007199254740993' }, 'claude_code.token.usage', false],
      [{ asDouble: undefined }, 'claude_code.token.usage', false],
      [{ asDouble: 1.5 }, 'claude_code.cost.usage', true],
      [{ asDouble: 0.347 }, 'claude_code.active_time.total', true],
      [{ asDouble: 12120 }, 'claude_code.token.usage', true],
      [{ asDouble: undefined, asInt: '12120' }, 'claude_code.token.usage', true],
      [{ asDouble: -0 }, 'claude_code.token.usage', true],
    ];
    for (const [point, metric, accepted] of cases) {
      const attributes = metric === 'claude_code.lines_of_code.count' ? 'added' : metric === 'claude_code.active_time.total' ? 'cli' : 'input';
      const request = tokenRequest(point, metric);
      request.resourceMetrics[0].scopeMetrics[0].metrics[0].sum.dataPoints[0].attributes[0].value.stringValue = attributes;
      const result = one(request);
      expect([metric, point, result.items.length, result.rejected]).toEqual([metric, point, accepted ? 1 : 0, accepted ? 0 : 1]);
    }
    // NaN in binary protobuf, where it needs no JSON spelling.
    const binary = MetricsRequestType.encode(MetricsRequestType.fromObject(tokenRequest({ asDouble: Number.NaN }))).finish();
    expect(points(protoBody(binary)).reasons).toEqual(['claude_code.token.usage: a value is NaN or infinite']);
  });

  it('non-monotonic sums, gauges of Claude Code metric names and unspecified temporality are refused', () => {
    const request = tokenRequest({});
    const metric = request.resourceMetrics[0].scopeMetrics[0].metrics[0];
    expect(one({ ...request, resourceMetrics: [withMetric(request, { ...metric, sum: { ...metric.sum, isMonotonic: false } })] }).reasons).toEqual([
      'claude_code.token.usage must be a monotonic sum',
    ]);
    expect(one({ resourceMetrics: [withMetric(request, { ...metric, sum: { ...metric.sum, aggregationTemporality: 0 } })] }).rejected).toBe(1);
    expect(one({ resourceMetrics: [withMetric(request, { name: metric.name, gauge: { dataPoints: metric.sum.dataPoints } })] }).reasons).toEqual([
      'claude_code.token.usage must be a sum',
    ]);
    expect(
      one({ resourceMetrics: [withMetric(request, { ...metric, sum: { ...metric.sum, dataPoints: [{ ...metric.sum.dataPoints[0], flags: 1 }] } })] }),
    ).toMatchObject({
      items: [],
      rejected: 0,
      ignored: 1,
    });
  });

  it('far-future and far-past times, missing start times and points that start after they end are refused', () => {
    const at = (start: bigint, end: bigint) => one(tokenRequest({ startTimeUnixNano: String(start), timeUnixNano: String(end) }));
    expect(at(NOW_NS - DAY_NS, NOW_NS + DAY_NS).items).toHaveLength(1); // a day of clock skew is allowed
    expect(at(NOW_NS, NOW_NS + DAY_NS + 1n).rejected).toBe(1);
    expect(at(NOW_NS, NOW_NS + 365n * DAY_NS * 100n).rejected).toBe(1);
    expect(at(946684799999999999n, NOW_NS).rejected).toBe(1); // a nanosecond before 2000
    expect(at(946684800000000000n, 946684800000000000n).items).toHaveLength(1);
    expect(at(0n, NOW_NS).rejected).toBe(1);
    expect(at(NOW_NS, NOW_NS - 1n).reasons).toEqual(['claude_code.token.usage: a point starts after it ends']);
    const future = logsAt(NOW_NS + 2n * DAY_NS);
    expect([future.items.length, future.rejected]).toEqual([0, 1]);
    expect(logsAt(315532800000000000n).rejected).toBe(1); // 1980
  });

  it('reasons are few and distinct, whatever the number of refusals', () => {
    const request = tokenRequest({});
    const template = request.resourceMetrics[0].scopeMetrics[0].metrics[0].sum.dataPoints[0];
    request.resourceMetrics[0].scopeMetrics[0].metrics[0].sum.dataPoints = Array.from({ length: 500 }, (_, i) => ({
      ...template,
      asDouble: [-1, 1.5, 'NaN', 3][i % 4],
    }));
    const result = one(request);
    expect([result.items.length, result.rejected]).toEqual([125, 375]);
    expect(result.reasons).toHaveLength(3);
  });
});

// --- Properties ------------------------------------------------------------------------------------

describe('properties (fast-check)', () => {
  it('any bytes as protobuf, either content type: OtlpDecodeError or a request the normalisers read without throwing', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 512 }),
        fc.constantFrom('application/x-protobuf', 'application/json'),
        fc.boolean(),
        (bytes, contentType, zipped) => {
          for (const signal of ['metrics', 'logs'] as const) {
            const input = { body: zipped ? gzipSync(bytes) : bytes, contentType, contentEncoding: zipped ? 'gzip' : undefined };
            try {
              if (signal === 'metrics') metricsToPoints(decodeMetricsRequest(input).request, { now: NOW });
              else logsToEvents(decodeLogsRequest(input).request, { now: NOW });
            } catch (error) {
              if (!(error instanceof OtlpDecodeError)) throw error;
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('mutations of the real protobuf capture decode or fail with OtlpDecodeError, never anything else', () => {
    const body = gunzip('otlp-protobuf-cumulative-metrics.pb.gz');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: body.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.nat({ max: body.length }),
        (edits, cut) => {
          const mutated = Uint8Array.from(body.subarray(0, Math.max(cut, 1)));
          for (const [at, byte] of edits) if (at < mutated.length) mutated[at] = byte;
          try {
            const result = metricsToPoints(decodeMetricsRequest(protoBody(mutated)).request, { now: NOW });
            expect(result.items.length + result.rejected).toBeLessThanOrEqual(DEFAULT_OTLP_LIMITS.maxPoints);
          } catch (error) {
            if (!(error instanceof OtlpDecodeError)) throw error;
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('any JSON value anywhere in a request: OtlpDecodeError or points that pass every check', () => {
    const capture = json('otlp-json-delta-metrics.json');
    const paths = [
      ['resourceMetrics'],
      ['resourceMetrics', 0, 'resource', 'attributes', 0, 'value'],
      ['resourceMetrics', 0, 'scopeMetrics', 0, 'metrics', 0, 'sum'],
      ['resourceMetrics', 0, 'scopeMetrics', 0, 'metrics', 4, 'sum', 'dataPoints', 0, 'asDouble'],
      ['resourceMetrics', 0, 'scopeMetrics', 0, 'metrics', 4, 'sum', 'dataPoints', 0, 'timeUnixNano'],
      ['resourceMetrics', 0, 'scopeMetrics', 0, 'metrics', 4, 'sum', 'dataPoints', 0, 'attributes'],
      ['resourceMetrics', 0, 'scopeMetrics', 0, 'metrics', 4, 'sum', 'dataPoints', 0, 'attributes', 6, 'value'],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.jsonValue({ maxDepth: 4 }), (path, value) => {
        const request = structuredClone(capture);
        type Node = Record<string | number, unknown>;
        let at = request as unknown as Node;
        for (const key of path.slice(0, -1)) at = at[key] as Node;
        at[path[path.length - 1]] = value;
        try {
          const result = points(jsonBody(request));
          for (const p of result.items) {
            expect(Number.isFinite(p.value) && p.value >= 0).toBe(true);
            if (p.metric === 'claude_code.token.usage') expect(Number.isSafeInteger(p.value)).toBe(true);
            expect(p.startTimeUnixNano <= p.timeUnixNano).toBe(true);
          }
          expect(result.items.length + result.rejected).toBeLessThanOrEqual(11);
        } catch (error) {
          if (!(error instanceof OtlpDecodeError)) throw error;
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a token counter is kept exactly when it is a finite whole number from 0 to 2^53 - 1', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.integer({ min: -10, max: 1_000_000 }), fc.constantFrom(2 ** 53 - 1, 2 ** 53, 0.1, -0)), (value) => {
        const binary = MetricsRequestType.encode(MetricsRequestType.fromObject(tokenRequest({ asDouble: value }))).finish();
        const result = points(protoBody(binary));
        const whole = Number.isSafeInteger(value) && value >= 0;
        expect(result.items.length).toBe(whole ? 1 : 0);
        if (whole) expect(result.items[0].value).toBe(value === 0 ? 0 : value);
      }),
      { numRuns: 300 },
    );
  });

  it('a point is kept exactly when 2000 ≤ start ≤ end ≤ now + 1 day', () => {
    const from = 946684800000000000n;
    const to = NOW_NS + DAY_NS;
    const nanos = fc.oneof(
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      fc.bigInt({ min: from - 10n, max: to + 10n }),
      fc.constantFrom(from, to, to + 1n, from - 1n),
    );
    fc.assert(
      fc.property(nanos, nanos, (start, end) => {
        const result = one(tokenRequest({ startTimeUnixNano: String(start), timeUnixNano: String(end) }));
        expect(result.items.length).toBe(from <= start && start <= end && end <= to ? 1 : 0);
      }),
      { numRuns: 500 },
    );
  });
});

// --- Helpers for the hostile cases -----------------------------------------------------------------

/** A token point whose attribute `key` (type or model) holds this string or AnyValue instead. */
function withAttribute(key: string, value: string | Record<string, unknown>) {
  const request = tokenRequest({});
  const attrs = request.resourceMetrics[0].scopeMetrics[0].metrics[0].sum.dataPoints[0].attributes;
  attrs.find((kv) => kv.key === key)!.value = typeof value === 'string' ? { stringValue: value } : value;
  return request;
}

function withMetric(request: TokenRequest, metric: RawMetric): RawResourceMetrics {
  const resource: RawResourceMetrics = structuredClone(request.resourceMetrics[0]);
  resource.scopeMetrics[0].metrics = [metric];
  return resource;
}

const fieldId = (type: protobuf.Type, field: string) => type.fields[field].id;
const typeOf = (name: string) => MetricsRequestType.lookupType(`opentelemetry.proto.metrics.v1.${name}`);

/** `count` empty NumberDataPoints as Sum.data_points fields: two bytes each (tag, length 0), field number from the descriptor. */
function emptyPoints(count: number): Uint8Array {
  return Buffer.alloc(2 * count).fill(Uint8Array.from([(fieldId(typeOf('Sum'), 'dataPoints') << 3) | 2, 0]));
}

/** A binary request with one Claude Code sum around these encoded Sum.data_points fields. */
function wrapPoints(dataPoints: Uint8Array): Uint8Array {
  const sum = protobuf.Writer.create();
  sum.uint32(fieldId(typeOf('Sum'), 'aggregationTemporality') << 3).uint32(1);
  sum.uint32(fieldId(typeOf('Sum'), 'isMonotonic') << 3).bool(true);
  const sumBytes = Buffer.concat([sum.finish(), dataPoints]);
  const metric = protobuf.Writer.create()
    .uint32((fieldId(typeOf('Metric'), 'name') << 3) | 2)
    .string('claude_code.token.usage')
    .uint32((fieldId(typeOf('Metric'), 'sum') << 3) | 2)
    .bytes(sumBytes)
    .finish();
  const scope = protobuf.Writer.create()
    .uint32((fieldId(typeOf('ScopeMetrics'), 'metrics') << 3) | 2)
    .bytes(metric)
    .finish();
  const resource = protobuf.Writer.create()
    .uint32((fieldId(typeOf('ResourceMetrics'), 'scopeMetrics') << 3) | 2)
    .bytes(scope)
    .finish();
  return protobuf.Writer.create()
    .uint32((fieldId(MetricsRequestType, 'resourceMetrics') << 3) | 2)
    .bytes(resource)
    .finish();
}

function logRequest(record: Record<string, unknown>) {
  return { resourceLogs: [{ resource: {}, scopeLogs: [{ scope: { name: 'com.anthropic.claude_code.events' }, logRecords: [record] }] }] };
}

function logsAt(time: bigint) {
  return events(
    jsonBody(
      logRequest({
        timeUnixNano: String(time),
        body: { stringValue: 'claude_code.user_prompt' },
        attributes: [{ key: 'prompt_length', value: { stringValue: '3' } }],
      }),
    ),
  );
}

function apiError(message: string) {
  return events(
    jsonBody(
      logRequest({
        timeUnixNano: String(NOW_NS),
        body: { stringValue: 'claude_code.api_error' },
        attributes: [
          { key: 'event.name', value: { stringValue: 'api_error' } },
          { key: 'error', value: { stringValue: message } },
          { key: 'status_code', value: { stringValue: '529' } },
        ],
      }),
    ),
  );
}
