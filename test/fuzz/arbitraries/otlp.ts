import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { LogsRequestType, MetricsRequestType } from '../../../src/ingestion/otlp/otlp-proto.js';
import { otelFixture, shiftTimes } from '../../helpers/otlp.js';
import { type Auth, type FuzzCase, printable, type Role } from '../harness/case.js';
import { damage, type Mutation, mutate, mutationArb, type TextDamage, textDamageArb } from './bodies.js';
import { badAuth } from './routes.js';
import { headerText, hostileText, longText, modelText } from './values.js';

/**
 * Cases for the OTLP receiver (POST /v1/metrics, /v1/logs, issue 12): Claude Code's real captures
 * (test/fixtures/claude-code-otel/), moved to the minutes before the run so their points are
 * recent, with OTLP-aware mutations (values, times, attributes, point counts, metric kinds,
 * temporality, devices) and the generic ones of the upload bodies, sent as OTLP JSON or protobuf,
 * gzipped or not, damaged or not, under every kind of media type, encoding and credential.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Signal = 'metrics' | 'logs';

const CAPTURES: Record<Signal, string[]> = {
  metrics: ['otlp-json-delta-metrics.json', 'otlp-protobuf-cumulative-metrics.decoded.json'],
  logs: ['otlp-json-logs.json'],
};

/** The run's start: captures end the minute before it (the receiver takes points of the last 48 hours). */
const START = Date.now();
const captures = new Map<string, Json>();
function capture(name: string): Json {
  if (!captures.has(name)) captures.set(name, shiftTimes(JSON.parse(otelFixture(name).toString('utf8')) as Json, START - 60_000));
  return structuredClone(captures.get(name)!);
}

const TIME_KEYS = new Set(['timeUnixNano', 'startTimeUnixNano', 'observedTimeUnixNano']);
/** Attributes the receiver reads (others it only hashes). */
const KEPT_KEYS = [
  'model',
  'type',
  'session.id',
  'tool_name',
  'decision',
  'language',
  'event.name',
  'event.sequence',
  'user.email',
  'ccstats.device',
  'host.name',
  'service.name',
  'error',
  'cost_usd',
  'input_tokens',
  'prompt',
  'tool_parameters',
];

export type OtlpMutation =
  | { op: 'time'; at: number; value: Json }
  | { op: 'attribute'; at: number; key: string; value: Json }
  | { op: 'many'; at: number; count: number; distinct: boolean }
  | { op: 'kind'; at: number; to: string }
  | { op: 'temporality'; at: number; value: Json }
  | { op: 'device'; name: string };

interface Node {
  path: Array<string | number>;
  value: Json;
  parent?: Json;
}

function nodes(doc: Json, path: Array<string | number> = [], parent?: Json, out: Node[] = []): Node[] {
  out.push({ path, value: doc, parent });
  if (Array.isArray(doc)) doc.forEach((v, i) => nodes(v, [...path, i], doc, out));
  else if (doc && typeof doc === 'object') for (const k of Object.keys(doc)) nodes(doc[k], [...path, k], doc, out);
  return out;
}

/** What the `many` mutation may add to a body, in JSON text. */
const MAX_COPIED_BYTES = 8 * 1024 * 1024;

const isObject = (v: Json | undefined): v is { [key: string]: Json } => v !== null && typeof v === 'object' && !Array.isArray(v);
const pick = <T>(list: T[], at: number): T | undefined => (list.length ? list[at % list.length] : undefined);

/** Applies OTLP-aware mutations to a capture, in place. */
export function mutateOtlp(doc: Json, mutations: OtlpMutation[]): Json {
  // Copies last: the other mutations then walk the capture, not thousands of copies of a point.
  const ordered = [...mutations.filter((m) => m.op !== 'many'), ...mutations.filter((m) => m.op === 'many')];
  for (const m of ordered) {
    const all = nodes(doc);
    switch (m.op) {
      case 'time': {
        const n = pick(
          all.filter((x) => TIME_KEYS.has(String(x.path.at(-1)))),
          m.at,
        );
        if (n && isObject(n.parent)) n.parent[String(n.path.at(-1))] = m.value;
        break;
      }
      case 'attribute': {
        const n = pick(
          all.filter((x) => x.path.at(-1) === 'attributes' && Array.isArray(x.value)),
          m.at,
        );
        if (n) (n.value as Json[]).push({ key: m.key, value: m.value });
        break;
      }
      case 'many': {
        // A data point or log record copied `count` times (4,097: one past the caps on points and
        // records), each its own series when `distinct`.
        const n = pick(
          all.filter((x) => (x.path.at(-1) === 'dataPoints' || x.path.at(-1) === 'logRecords') && Array.isArray(x.value) && x.value.length > 0),
          m.at,
        );
        if (n) {
          const list = n.value as Json[];
          const first = list[0];
          // At most about 8 MB of copies (twice the body limit): a copy holding a 100 KB attribute
          // must not make the generator build gigabytes.
          const count = Math.min(m.count, Math.ceil(MAX_COPIED_BYTES / JSON.stringify(first).length));
          for (let i = 0; i < count; i++) {
            const copy = structuredClone(first) as { [key: string]: Json };
            if (m.distinct && Array.isArray(copy.attributes)) copy.attributes.push({ key: 'fuzz.series', value: { stringValue: String(i) } });
            list.push(copy);
          }
        }
        break;
      }
      case 'kind': {
        const n = pick(
          all.filter((x) => isObject(x.value) && 'sum' in x.value && 'name' in x.value),
          m.at,
        );
        if (n && isObject(n.value)) {
          n.value[m.to] = n.value.sum;
          delete n.value.sum;
        }
        break;
      }
      case 'temporality': {
        const n = pick(
          all.filter((x) => x.path.at(-1) === 'aggregationTemporality'),
          m.at,
        );
        if (n && isObject(n.parent)) n.parent.aggregationTemporality = m.value;
        break;
      }
      case 'device': {
        for (const n of all.filter((x) => x.path.at(-1) === 'resource' && isObject(x.value))) {
          const resource = n.value as { [key: string]: Json };
          resource.attributes = [...(Array.isArray(resource.attributes) ? resource.attributes : []), { key: 'ccstats.device', value: { stringValue: m.name } }];
        }
        break;
      }
    }
  }
  return doc;
}

const at = fc.nat({ max: 100_000 });
const nanosNow = BigInt(START) * 1_000_000n;

const timeValue: fc.Arbitrary<Json> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .constantFrom(
        0n,
        1n,
        nanosNow + 2n * 86_400_000_000_000n, // two days ahead
        nanosNow - 3n * 86_400_000_000_000n, // older than the receiver's 48 hours
        nanosNow - 1_000_000_000n,
        946_684_799_999_999_999n, // the last nanosecond of 1999
        9_223_372_036_854_775_807n,
        18_446_744_073_709_551_615n,
        18_446_744_073_709_551_616n,
      )
      .map(String),
  },
  { weight: 2, arbitrary: fc.constantFrom<Json>('', 'abc', '-1', '1e18', '0x10', ' 1', 1.5, -1, 1e30, null, true, [], {}) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 64n }).map(String) },
);

/** An AnyValue: the kinds OTLP has, with hostile contents. */
const anyValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: fc.oneof(hostileText, modelText, longText).map((s) => ({ stringValue: s })) },
  { weight: 1, arbitrary: fc.constant({ stringValue: 'x'.repeat(100 * 1024) }) },
  { weight: 1, arbitrary: fc.constantFrom<Json>({ intValue: '-1' }, { intValue: '9223372036854775807' }, { intValue: 'x' }, { intValue: 1.5 }) },
  { weight: 1, arbitrary: fc.constantFrom<Json>({ doubleValue: 'NaN' }, { doubleValue: -1 }, { doubleValue: 'Infinity' }, { boolValue: true }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Json>(
      { arrayValue: { values: [{ stringValue: 'a' }] } },
      { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } },
      { bytesValue: 'AAEC' },
      {},
      null,
      'plain',
      { stringValue: null },
      { stringValue: 'a', intValue: '1' },
    ),
  },
);

export const otlpMutationArb: fc.Arbitrary<OtlpMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('time' as const), at, value: timeValue }) },
  {
    weight: 5,
    arbitrary: fc.record({ op: fc.constant('attribute' as const), at, key: fc.oneof(fc.constantFrom(...KEPT_KEYS), hostileText), value: anyValue }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('many' as const),
      at,
      count: fc.constantFrom(1, 10, 200, 1_000, 4_097),
      distinct: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('kind' as const),
      at,
      to: fc.constantFrom('gauge', 'histogram', 'exponentialHistogram', 'summary', 'sum2', '__proto__'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('temporality' as const),
      at,
      value: fc.constantFrom<Json>(0, 1, 2, 3, -1, 'AGGREGATION_TEMPORALITY_DELTA', 'x', null),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('device' as const),
      name: fc.oneof(fc.constantFrom('laptop', 'desk', 'otel', 'a'.repeat(64), 'a'.repeat(65)), hostileText),
    }),
  },
);

/** How the body goes on the wire. */
export type OtlpWire =
  | { kind: 'json'; damage: TextDamage }
  | { kind: 'protobuf'; cut: number | undefined; flip: { at: number; xor: number } | undefined }
  | { kind: 'random'; bytes: Uint8Array };

const wireArb: fc.Arbitrary<OtlpWire> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('json' as const), damage: textDamageArb }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('protobuf' as const),
      cut: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { freq: 6, nil: undefined }),
      flip: fc.option(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), xor: fc.integer({ min: 1, max: 255 }) }), { freq: 6, nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 2_000 }) }) },
);

export interface OtlpBodySpec {
  signal: Signal;
  capture: string;
  otlp: OtlpMutation[];
  generic: Mutation[];
  wire: OtlpWire;
  gzip: 'none' | 'gzip' | 'claimed' | 'bomb';
}

export function otlpBodyArb(signal: Signal): fc.Arbitrary<OtlpBodySpec> {
  return fc.record({
    signal: fc.constant(signal),
    capture: fc.constantFrom(...CAPTURES[signal]),
    otlp: fc.oneof(
      { weight: 2, arbitrary: fc.constant<OtlpMutation[]>([]) },
      { weight: 3, arbitrary: fc.array(otlpMutationArb, { minLength: 1, maxLength: 3 }) },
    ),
    generic: fc.oneof(
      { weight: 4, arbitrary: fc.constant<Mutation[]>([]) },
      { weight: 1, arbitrary: fc.array(mutationArb(false), { minLength: 1, maxLength: 2 }) },
    ),
    wire: wireArb,
    gzip: fc.oneof(
      { weight: 12, arbitrary: fc.constant('none' as const) },
      { weight: 5, arbitrary: fc.constant('gzip' as const) },
      { weight: 1, arbitrary: fc.constant('claimed' as const) },
      { weight: 1, arbitrary: fc.constant('bomb' as const) },
    ),
  });
}

let bombMember: Buffer | undefined;
/** 256 MiB of zeros in about 256 KB (gzip members of 16 MiB each): inflating must stop at the body limit. */
function gzipBomb(): Buffer {
  bombMember ??= gzipSync(Buffer.alloc(16 * 1024 * 1024));
  return Buffer.concat(Array<Buffer>(16).fill(bombMember));
}

/** The bytes of a body spec (JSON text or protobuf, damaged, gzipped) and whether it is JSON. */
export function otlpBody(spec: OtlpBodySpec): { bytes: Buffer; json: boolean } {
  if (spec.gzip === 'bomb') return { bytes: gzipBomb(), json: spec.wire.kind === 'json' };
  let bytes: Buffer;
  let json = true;
  if (spec.wire.kind === 'random') {
    bytes = Buffer.from(spec.wire.bytes);
    json = false;
  } else {
    const text = mutate(mutateOtlp(capture(spec.capture), spec.otlp), spec.generic);
    if (spec.wire.kind === 'json') bytes = damage(text, spec.wire.damage);
    else {
      json = false;
      bytes = toProtobuf(spec.signal, text) ?? Buffer.from(text);
      const { cut, flip } = spec.wire;
      if (flip && bytes.length > 0) {
        bytes = Buffer.from(bytes);
        const i = Math.min(bytes.length - 1, Math.floor(bytes.length * flip.at));
        bytes[i] ^= flip.xor;
      }
      if (cut !== undefined) bytes = bytes.subarray(0, Math.floor(bytes.length * cut));
    }
  }
  if (spec.gzip === 'gzip') bytes = gzipSync(bytes);
  return { bytes, json };
}

/** The mutated capture as binary protobuf, when protobufjs can make one of it (else undefined: the JSON text goes as it is). */
function toProtobuf(signal: Signal, text: string): Buffer | undefined {
  try {
    const type = signal === 'metrics' ? MetricsRequestType : LogsRequestType;
    return Buffer.from(type.encode(type.fromObject(JSON.parse(text) as Record<string, unknown>)).finish());
  } catch {
    return undefined;
  }
}

const protobufType = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/x-protobuf') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/protobuf',
      'APPLICATION/X-PROTOBUF',
      'application/x-protobuf; charset=utf-8',
      'application/x-protobuf; proto=opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
      'application/x-protobuffer',
      'application/grpc',
      'application/grpc+proto',
      'application/octet-stream',
      'application/json',
      'text/plain',
      '',
      '*/*',
    ),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

const jsonType = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'application/json; charset=utf-16',
      'APPLICATION/JSON',
      'application/jsonx',
      'application/x-protobuf',
      'text/json',
      'text/plain',
      'multipart/form-data; boundary=x',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

const encodingArb = (gzipped: boolean) =>
  fc.oneof(
    { weight: 12, arbitrary: fc.constant(gzipped ? 'gzip' : undefined) },
    {
      weight: 2,
      arbitrary: fc.constantFrom<string | undefined>(
        'identity',
        'x-gzip',
        'GZIP',
        'gzip, identity',
        'gzip, gzip',
        'br',
        'deflate',
        'zstd',
        '',
        undefined,
        'gzip',
      ),
    },
    { weight: 1, arbitrary: headerText },
  );

const role = (r: Role): Auth => ({ role: r });
/** Credentials: mostly a user made for the case (its device count and series start empty), the seeded users, and every wrong kind. */
const otlpAuth: fc.Arbitrary<Auth> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(role('owner')) },
  { weight: 3, arbitrary: fc.constant(role('alice')) },
  { weight: 1, arbitrary: fc.constant(role('bob')) },
  { weight: 1, arbitrary: fc.constant(role('admin')) },
  { weight: 1, arbitrary: fc.constant(role('metrics')) },
  { weight: 1, arbitrary: fc.constant(role('none')) },
  { weight: 1, arbitrary: badAuth },
);

/** A seeded user's devices stay few (uploads share the cap of 50): their hostile device names go to users made for the case. */
const SEEDED_DEVICE = new Set(['laptop', 'desk', 'otel']);
const seededSafe = (auth: Auth, spec: OtlpBodySpec) =>
  !('role' in auth && (auth.role === 'alice' || auth.role === 'bob')) || spec.otlp.every((m) => m.op !== 'device' || SEEDED_DEVICE.has(m.name));

export const otlpCases: fc.Arbitrary<FuzzCase> = fc
  .record({ signal: fc.constantFrom<Signal>('metrics', 'logs'), auth: otlpAuth })
  .chain(({ signal, auth }) =>
    otlpBodyArb(signal)
      .filter((spec) => seededSafe(auth, spec))
      .map((spec) => ({ signal, auth, spec })),
  )
  .chain(({ signal, auth, spec }) =>
    fc.record({
      signal: fc.constant(signal),
      auth: fc.constant(auth),
      spec: fc.constant(spec),
      jsonType,
      protobufType,
      // A body gzipped (or claimed to be) mostly says so; any body may carry any encoding.
      encoding: encodingArb(spec.gzip !== 'none'),
      query: fc.option(fc.constantFrom('?x=1', '?', '?format=csv', `?${'a'.repeat(3000)}`), { freq: 20, nil: undefined }),
    }),
  )
  .map(({ signal, auth, spec, jsonType: jt, protobufType: pt, encoding, query }) => {
    const { bytes, json } = otlpBody(spec);
    const headers: Record<string, string> = {};
    const type = json ? jt : pt;
    if (type !== undefined) headers['content-type'] = type;
    if (encoding !== undefined) headers['content-encoding'] = encoding;
    return printable({
      route: `POST /v1/${signal}`,
      group: 'otlp',
      method: 'POST',
      path: `/v1/${signal}${query ?? ''}`,
      auth,
      headers,
      body: bytes,
      ...('role' in auth && auth.role === 'owner' ? { setup: 'user' as const } : {}),
    });
  });
