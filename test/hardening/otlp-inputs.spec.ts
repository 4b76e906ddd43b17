import { gzipSync } from 'node:zlib';
import { LogsResponseType, MetricsResponseType } from '../../src/ingestion/otlp/otlp-proto.js';
import { FINGERPRINT_SQL, type Fingerprint, fingerprintDiff, parseFingerprint } from '../fuzz/harness/fingerprint.js';
import { registerUser } from '../helpers/api.js';
import type { TestDatabase } from '../helpers/database.js';
import { logsProtobuf, logsRequest, metricsProtobuf, metricsRequest, type PointSpec, readStatus, tokenPoint } from '../helpers/otel-bodies.js';
import { receipts } from '../helpers/otel-stored.js';
import { seededRandom } from '../helpers/random.js';
import { type TestApp, useTestApp } from '../helpers/test-app.js';

/**
 * The OTLP receiver (POST /v1/metrics, /v1/logs) against hostile input, issue 12's list: malformed
 * protobuf and JSON, huge batches, a million series in one request, 100 KB attribute values, NaN
 * and negative counters, far times, gzip bombs, wrong media types, no token, the admin token.
 * Every answer is below 500. A 4xx is a google.rpc.Status in the request's encoding and changes
 * nothing stored (a fingerprint of every table); a 200 with partial_success stores exactly the
 * accepted items and a receipt. Work is bounded by counts (series created, items examined), never
 * checked by timing.
 */

const ADMIN = 'admin-token-for-the-otlp-hardening-suite-0123';
const METRICS = 'metrics-token-for-the-otlp-hardening-suite-01';
const NS_PER_MS = 1_000_000n;
const TELEMETRY_TABLES = ['telemetry_series', 'telemetry_day_models', 'activity_days', 'activity_months', 'telemetry_receipts'];

let t: TestApp;
let db: TestDatabase;
useTestApp({ ADMIN_TOKEN: ADMIN, METRICS_TOKEN: METRICS, LOG_LEVEL: 'warn', SHARED_FOLD_INTERVAL_MS: '0' }, (ready) => ({ t, db } = ready));

let user: { username: string; token: string };

type Signal = 'metrics' | 'logs';
interface Sent {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

function send(signal: Signal, body: Buffer | string, options: { token?: string | null; type?: string | null; encoding?: string } = {}): Promise<Sent> {
  const req = t.http
    .post(`/v1/${signal}`)
    // The bytes as they are: superagent would otherwise JSON-encode a Buffer sent as application/json.
    .serialize((data: unknown) => data as string)
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
  const token = options.token === undefined ? user.token : options.token;
  if (token !== null) void req.set('authorization', `Bearer ${token}`);
  if (options.type !== null) void req.set('content-type', options.type ?? (typeof body === 'string' ? 'application/json' : 'application/x-protobuf'));
  if (options.encoding) void req.set('content-encoding', options.encoding);
  return req.send(body).then((res) => ({ status: res.status, headers: res.headers, body: res.body as Buffer }));
}

const json = (value: unknown) => JSON.stringify(value);

async function fingerprint(): Promise<Fingerprint> {
  return parseFingerprint(await db.query<{ name: string; fp: string }>(FINGERPRINT_SQL));
}

/** The request must be refused with `status`, a google.rpc.Status in `format`, and change nothing stored. */
async function refused(status: number, format: 'json' | 'protobuf', request: () => Promise<Sent>): Promise<string> {
  const before = await fingerprint();
  const res = await request();
  expect({ status: res.status, text: res.status === status ? '' : res.body.toString('utf8').slice(0, 300) }).toEqual({ status, text: '' });
  expect(fingerprintDiff(before, await fingerprint())).toEqual([]);
  if (format === 'json') {
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const parsed = JSON.parse(res.body.toString('utf8')) as { message?: unknown; code?: unknown };
    expect(typeof parsed.message).toBe('string');
    return parsed.message as string;
  }
  expect(res.headers['content-type']).toBe('application/x-protobuf');
  const parsed = readStatus(res.body);
  expect(typeof parsed.message).toBe('string');
  return parsed.message!;
}

/** A 200 whose partial_success says `rejected` items were refused (0: no partial_success at all). */
function partial(res: Sent, rejected: number, signal: Signal = 'metrics'): string {
  expect({ status: res.status, text: res.status === 200 ? '' : res.body.toString('utf8').slice(0, 300) }).toEqual({ status: 200, text: '' });
  const type = signal === 'metrics' ? MetricsResponseType : LogsResponseType;
  const body = res.headers['content-type'].startsWith('application/x-protobuf')
    ? (type.toObject(type.decode(res.body), { longs: String }) as Record<
        string,
        { rejectedDataPoints?: string; rejectedLogRecords?: string; errorMessage?: string }
      >)
    : (JSON.parse(res.body.toString('utf8')) as Record<string, { rejectedDataPoints?: string; rejectedLogRecords?: string; errorMessage?: string }>);
  const field = signal === 'metrics' ? 'rejectedDataPoints' : 'rejectedLogRecords';
  expect(Number(body.partialSuccess?.[field] ?? 0)).toBe(rejected);
  return body.partialSuccess?.errorMessage ?? '';
}

/** A fresh user's input tokens and cost as GET /users/:username/usage reports them. */
async function usageOf(u: { username: string; token: string }): Promise<{ inputTokens: number; totalCost: string; days: number }> {
  const res = await t.http.get(`/api/v1/users/${u.username}/usage`).set('authorization', `Bearer ${u.token}`);
  expect(res.status).toBe(200);
  return { inputTokens: res.body.totals.inputTokens, totalCost: res.body.totals.totalCost, days: res.body.rows.length };
}

async function seriesOf(username: string): Promise<number> {
  const [row] = await db.query<{ n: string | number }>(`SELECT count(*) AS n FROM telemetry_series s JOIN users u ON u.id = s.user_id WHERE u.username = $1`, [
    username,
  ]);
  return Number(row.n);
}

beforeAll(async () => {
  user = await registerUser(t.http, 'otlp-hardening');
  // Something stored already, so a refused request has rows it could have changed.
  partial(await send('metrics', json(metricsRequest([tokenPoint(1000), { metric: 'claude_code.session.count', value: 1 }]))), 0);
  partial(await send('logs', json(logsRequest([{ name: 'api_request', model: 'claude-sonnet-4-5-20250929', sequence: 0 }]))), 0, 'logs');
});

describe('credentials', () => {
  const body = json(metricsRequest([tokenPoint(5)]));

  it('no token, a junk token, a mangled one: 401 with WWW-Authenticate and a google.rpc.Status body, JSON or protobuf', async () => {
    for (const signal of ['metrics', 'logs'] as const) {
      expect(await refused(401, 'json', () => send(signal, body, { token: null }))).toMatch(/token/i);
      await refused(401, 'protobuf', () => send(signal, metricsProtobuf(metricsRequest([tokenPoint(5)])), { token: null }));
      await refused(401, 'json', () => send(signal, body, { token: 'ccs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }));
      await refused(401, 'json', () => send(signal, body, { token: `${user.token}x` }));
    }
    const res = await send('metrics', body, { token: null });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it("the admin token is not a user's (403); the metrics token is not a user's either (401)", async () => {
    await refused(403, 'json', () => send('metrics', body, { token: ADMIN }));
    await refused(403, 'protobuf', () => send('logs', logsProtobuf(logsRequest([{ name: 'api_request', model: 'm', sequence: 1 }])), { token: ADMIN }));
    // The metrics token opens /metrics only; anywhere else it is no token at all.
    await refused(401, 'json', () => send('metrics', body, { token: METRICS }));
  });
});

describe('media types and encodings', () => {
  const body = json(metricsRequest([tokenPoint(5)]));

  it.each(['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/grpc', 'application/x-www-form-urlencoded', 'application/jsonx'])(
    'Content-Type %s: 415',
    async (type) => {
      await refused(415, 'json', () => send('metrics', body, { type }));
    },
  );

  it('no Content-Type: 415', async () => {
    await refused(415, 'json', () => send('metrics', body, { type: null }));
  });

  it.each(['br', 'deflate', 'compress', 'gzip, gzip', 'zstd'])('Content-Encoding %s: 415', async (encoding) => {
    await refused(415, 'json', () => send('metrics', body, { encoding }));
  });

  it('a body that is not gzip, or a cut gzip stream, under Content-Encoding: gzip: 400', async () => {
    await refused(400, 'json', () => send('metrics', body, { encoding: 'gzip' }));
    const zipped = gzipSync(Buffer.from(body));
    await refused(400, 'json', () => send('metrics', zipped.subarray(0, zipped.length - 12), { encoding: 'gzip', type: 'application/json' }));
    await refused(400, 'protobuf', () => send('logs', gzipSync(Buffer.from('not protobuf at all')).subarray(0, 15), { encoding: 'gzip' }));
  });
});

describe('malformed bodies', () => {
  const valid = metricsProtobuf(metricsRequest([tokenPoint(5), tokenPoint(6, { attributes: { type: 'output' } })]));

  it.each([
    ['a valid message cut short by one byte', valid.subarray(0, valid.length - 1)],
    ['a valid message cut in half', valid.subarray(0, valid.length >> 1)],
    ['wire type 7 (there is none)', Buffer.from([0x0f, 0x00])],
    ['a length of 2^31 - 1 with nothing behind it', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x07])],
    ['messages nested deeper than the protocol allows', nested(200)],
  ])('protobuf: %s is a 400', async (_label, bytes) => {
    await refused(400, 'protobuf', () => send('metrics', bytes));
    await refused(400, 'protobuf', () => send('logs', bytes));
  });

  it.each([
    ['resource_metrics as a varint', Buffer.from([0x08, 0x01])],
    ['an unknown field holding a varint of 11 bytes', Buffer.from([0x78, ...Array<number>(10).fill(0xff), 0x01])],
    ['only unknown fields', Buffer.from([0x7a, 0x03, 0x61, 0x62, 0x63, 0x78, 0x05])],
  ])(
    'protobuf: %s is read as an empty request (fields of another wire type are skipped as unknown, as protobuf parsers do): 200, nothing stored',
    async (_label, bytes) => {
      for (const signal of ['metrics', 'logs'] as const) {
        const before = await fingerprint();
        partial(await send(signal, bytes), 0, signal);
        expect(fingerprintDiff(before, await fingerprint())).toEqual([]);
      }
    },
  );

  it.each([
    ['a cut text', '{"resourceMetrics": ['],
    ['nothing', ''],
    ['an array', '[]'],
    ['null', 'null'],
    ['a string', '"resourceMetrics"'],
    ['trailing text', '{"resourceMetrics": []} x'],
    ['resourceMetrics as a string', '{"resourceMetrics": "x"}'],
    ['a time that is not an integer', json(metricsRequest([tokenPoint(5, { endNanos: 'soon' })]))],
    ['a time beyond 64 bits', json(metricsRequest([tokenPoint(5, { endNanos: '18446744073709551616' })]))],
    [
      'a value that is an object',
      '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"claude_code.token.usage","sum":{"dataPoints":[{"asDouble":{}}]}}]}]}]}',
    ],
    ['nesting 100 deep', `${'['.repeat(100)}${']'.repeat(100)}`],
    ['nesting 100 deep inside an attribute', deepAttribute(100)],
  ])('JSON: %s is a 400', async (_label, text) => {
    await refused(400, 'json', () => send('metrics', text));
  });

  it('JSON that is not UTF-8 is a 400', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"resourceMetrics":[{"resource":{"attributes":[{"key":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('","value":{}}]}}]}'),
    ]);
    await refused(400, 'json', () => send('metrics', bytes, { type: 'application/json' }));
  });

  it('seeded random bytes: never a 5xx, and nothing stored unless the answer is a 200', async () => {
    const random = seededRandom(2026);
    for (let i = 0; i < 24; i++) {
      const bytes = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 300) }, () => Math.floor(random() * 256)));
      const before = await fingerprint();
      const res = await send(i % 2 ? 'metrics' : 'logs', bytes);
      expect(res.status).toBeLessThan(500);
      const changed = fingerprintDiff(before, await fingerprint()).map((line) => line.split(':')[0]);
      // Random bytes are sometimes a valid message (unknown fields are skipped): a 200 may only have touched telemetry's own tables.
      if (res.status >= 400) expect(changed).toEqual([]);
      else expect(changed.filter((table) => !TELEMETRY_TABLES.includes(table))).toEqual([]);
    }
  });
});

describe('values and times', () => {
  it('NaN, ±Infinity, negative, fractional token counts and points without a value are refused one by one (JSON); the rest is stored', async () => {
    const u = await registerUser(t.http);
    const points: PointSpec[] = [
      tokenPoint(100),
      tokenPoint('NaN'),
      tokenPoint('Infinity'),
      tokenPoint('-Infinity'),
      tokenPoint(-5),
      tokenPoint(1.5),
      tokenPoint(23),
    ];
    points.push({ ...tokenPoint(0), value: undefined });
    points.push({ metric: 'claude_code.cost.usage', value: -0.5, attributes: { model: 'claude-sonnet-4-5-20250929' } });
    points.push({ metric: 'claude_code.cost.usage', value: 'NaN', attributes: { model: 'claude-sonnet-4-5-20250929' } });
    points.push({ metric: 'claude_code.cost.usage', value: 0.25, attributes: { model: 'claude-sonnet-4-5-20250929' } });
    points.push({ metric: 'claude_code.session.count', value: -1 });
    // The same series twice in one request (a token point per value above) would overlap: each point its own session.
    points.forEach((p, i) => (p.attributes = { ...p.attributes, 'session.id': `s${i}` }));
    partial(await send('metrics', json(metricsRequest(points)), { token: u.token }), 9);
    expect(await usageOf(u)).toEqual({ inputTokens: 123, totalCost: '0.2500', days: 1 });
    const [receipt] = await receipts(db, u.username);
    expect(receipt).toMatchObject({ batches: 1, accepted: 3, refused: 9 });
    const sessions = await db.query(`SELECT a.metric FROM activity_days a JOIN users u ON u.id = a.user_id WHERE u.username = $1`, [u.username]);
    expect(sessions).toEqual([]);
  });

  it('the same in protobuf: NaN and negative doubles, and a negative asInt', async () => {
    const u = await registerUser(t.http);
    const points = [
      tokenPoint(7),
      tokenPoint(Number.NaN),
      tokenPoint(-3),
      tokenPoint(-9, { asInt: true }),
      tokenPoint(Number.POSITIVE_INFINITY),
      tokenPoint(8, { asInt: true }),
    ];
    points.forEach((p, i) => (p.attributes = { ...p.attributes, 'session.id': `s${i}` }));
    partial(await send('metrics', metricsProtobuf(metricsRequest(points)), { token: u.token }), 4);
    expect(await usageOf(u)).toEqual({ inputTokens: 15, totalCost: '0.0000', days: 1 });
  });

  it('times in the far future, the far past, before 2000, past 48 hours, at zero, and start after end are refused; a point of now is stored', async () => {
    const u = await registerUser(t.http);
    const now = BigInt(Date.now()) * NS_PER_MS;
    const at = (end: bigint, start = end - 1_000_000_000n): Partial<PointSpec> => ({ endNanos: String(end), startNanos: String(start) });
    const DAY = 86_400_000n * NS_PER_MS;
    const points = [
      tokenPoint(11, at(now)),
      tokenPoint(1, at(now + 2n * DAY)), // two days ahead
      tokenPoint(1, at(9_223_372_036_854_775_807n)), // the largest int64: year 2262
      tokenPoint(1, at(18_446_744_073_709_551_615n)), // the largest uint64
      tokenPoint(1, at(BigInt(Date.UTC(1999, 11, 31)) * NS_PER_MS)),
      tokenPoint(1, at(now - 3n * DAY)), // older than the receiver's 48 hours
      tokenPoint(1, at(now, 0n)), // a start at the epoch
      tokenPoint(1, { endNanos: '0', startNanos: '0' }),
      tokenPoint(1, at(now - 10n * NS_PER_MS, now)), // start after end
    ];
    points.forEach((p, i) => (p.attributes = { ...p.attributes, 'session.id': `t${i}` }));
    partial(await send('metrics', json(metricsRequest(points)), { token: u.token }), 8);
    const usage = await usageOf(u);
    expect(usage).toEqual({ inputTokens: 11, totalCost: '0.0000', days: 1 });
    // Events too: a far time is refused, the rest counted.
    partial(
      await send(
        'logs',
        json(
          logsRequest([
            { name: 'api_request', model: 'claude-sonnet-4-5-20250929', sequence: 0 },
            { name: 'api_request', model: 'claude-sonnet-4-5-20250929', sequence: 1, timeNanos: String(now + 2n * DAY) },
            { name: 'api_request', model: 'claude-sonnet-4-5-20250929', sequence: 2, timeNanos: '946684700000000000' },
          ]),
        ),
        { token: u.token },
      ),
      2,
      'logs',
    );
    const rows = await db.query<{ metric: string; value: string }>(
      `SELECT a.metric, a.value::text AS value FROM activity_days a JOIN users u ON u.id = a.user_id WHERE u.username = $1`,
      [u.username],
    );
    expect(rows).toEqual([{ metric: 'apiRequests', value: '1.000000' }]);
  });
});

describe('100 KB attribute values', () => {
  const big = 'x'.repeat(100 * 1024);

  it('a kept attribute (model, session.id) or the device refuses its item; an ignored one is not copied anywhere; the rest is stored', async () => {
    const u = await registerUser(t.http);
    const points = [
      tokenPoint(40, { attributes: { 'session.id': 'a' } }),
      tokenPoint(1, { attributes: { model: big, 'session.id': 'b' } }),
      tokenPoint(1, { attributes: { 'session.id': big } }),
      tokenPoint(2, { attributes: { 'session.id': 'c', tool_parameters: big } }),
      tokenPoint(1, { attributes: { 'session.id': 'd', [`k${big}`]: 'v' } }),
    ];
    partial(await send('metrics', json(metricsRequest(points)), { token: u.token }), 3);
    expect(await usageOf(u)).toEqual({ inputTokens: 42, totalCost: '0.0000', days: 1 });

    // A resource whose device is 100 KB: every item of it refused, nothing of it stored but the count.
    partial(await send('metrics', json(metricsRequest([tokenPoint(5)], { 'service.name': 'claude-code', 'ccstats.device': big })), { token: u.token }), 1);
    expect((await usageOf(u)).inputTokens).toBe(42);

    // An event's free text (api_error's error) is cut, not refused.
    partial(
      await send('logs', json(logsRequest([{ name: 'api_error', model: 'claude-sonnet-4-5-20250929', sequence: 0, attributes: { error: big } }])), {
        token: u.token,
      }),
      0,
      'logs',
    );
    for (const table of ['telemetry_series', 'telemetry_day_models', 'activity_days', 'telemetry_receipts', 'device_days', 'device_day_models']) {
      const [row] = await db.query<{ n: string | number | null }>(`SELECT max(length(x::text)) AS n FROM ${table} x`);
      expect({ table, longestRow: Number(row.n ?? 0) < 4096 }).toEqual({ table, longestRow: true });
    }
  });
});

describe('big requests: bounded', () => {
  it('a batch over the point cap (5,000 points, each its own series): 4,096 examined and stored, 904 refused unexamined', async () => {
    const u = await registerUser(t.http);
    const points = Array.from({ length: 5_000 }, (_, i) => tokenPoint(1, { attributes: { 'session.id': `s${i}` } }));
    const message = partial(await send('metrics', metricsProtobuf(metricsRequest(points)), { token: u.token }), 904);
    expect(message.length).toBeGreaterThan(0);
    expect(await usageOf(u)).toEqual({ inputTokens: 4_096, totalCost: '0.0000', days: 1 });
    // The work done is bounded by the cap: one series per point examined, no more.
    expect(await seriesOf(u.username)).toBe(4_096);
    const [receipt] = await receipts(db, u.username);
    expect(receipt).toMatchObject({ batches: 1, accepted: 4_096, refused: 904 });
  });

  it('a million series in one request (JSON or protobuf) is refused whole with 413 before anything is built', async () => {
    const u = await registerUser(t.http);
    // A million data points of a million series: each its own session.id, as small as JSON allows.
    const million = `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"claude_code.token.usage","sum":{"aggregationTemporality":1,"isMonotonic":true,"dataPoints":[${Array.from(
      { length: 1_000_000 },
      (_, i) => `{"attributes":[{"key":"session.id","value":{"stringValue":"${i.toString(36)}"}}]}`,
    ).join(',')}]}}]}]}]}`;
    // Too big for the body limit as it is; gzipped it is small, and inflating stops at the limit.
    await refused(413, 'json', () => send('metrics', gzipSync(million, { level: 1 }), { token: u.token, encoding: 'gzip', type: 'application/json' }));
    // Empty points are smallest: 3 bytes in JSON, 2 in protobuf, so a million fit under the body limit and the value count refuses them.
    const empty = `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"claude_code.token.usage","sum":{"aggregationTemporality":1,"isMonotonic":true,"dataPoints":[${Array(
      1_000_000,
    )
      .fill('{}')
      .join(',')}]}}]}]}]}`;
    expect(empty.length).toBeLessThan(4 * 1024 * 1024);
    await refused(413, 'json', () => send('metrics', empty, { token: u.token }));
    const sum = Buffer.concat(Array.from({ length: 1_000_000 }, () => Buffer.from([0x0a, 0x00])));
    await refused(413, 'protobuf', () => send('metrics', metricsWith(sum), { token: u.token }));
    expect(await seriesOf(u.username)).toBe(0);
  });

  it('a gzip bomb (1 GiB of zeros in about a megabyte) is a 413; inflating stops at the body limit', async () => {
    const member = gzipSync(Buffer.alloc(16 * 1024 * 1024));
    const bomb = Buffer.concat(Array<Buffer>(64).fill(member));
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    await refused(413, 'protobuf', () => send('metrics', bomb, { encoding: 'gzip' }));
    await refused(413, 'json', () => send('logs', bomb, { encoding: 'gzip', type: 'application/json' }));
  });

  it('over the body limit as sent: 413', async () => {
    await refused(413, 'protobuf', () => send('metrics', Buffer.alloc(4 * 1024 * 1024 + 1)));
  });

  it('4,097 log records: 4,096 examined, the rest refused; each API request counted once', async () => {
    const u = await registerUser(t.http);
    const events = Array.from({ length: 4_097 }, (_, i) => ({ name: 'api_request' as const, model: 'claude-sonnet-4-5-20250929', sequence: i }));
    partial(await send('logs', logsProtobuf(logsRequest(events)), { token: u.token }), 1, 'logs');
    const rows = await db.query<{ value: string }>(
      `SELECT a.value::text AS value FROM activity_days a JOIN users u ON u.id = a.user_id WHERE u.username = $1 AND a.metric = 'apiRequests'`,
      [u.username],
    );
    expect(rows).toEqual([{ value: '4096.000000' }]);
  });
});

/** A protobuf ExportMetricsServiceRequest around the given encoded Sum message body (field by field: resource_metrics, scope_metrics, metrics, sum). */
function metricsWith(sumBody: Buffer): Buffer {
  const field = (no: number, body: Buffer) => Buffer.concat([Buffer.from([(no << 3) | 2]), varint(body.length), body]);
  const name = field(1, Buffer.from('claude_code.token.usage'));
  const metric = Buffer.concat([name, field(7, sumBody)]);
  return field(1, field(2, field(2, metric)));
}

function varint(n: number): Buffer {
  const bytes: number[] = [];
  while (n > 0x7f) {
    bytes.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  bytes.push(n);
  return Buffer.from(bytes);
}

/** resource_metrics → resource → attributes → value → kvlist → … nested `depth` times (protobuf). */
function nested(depth: number): Buffer {
  // AnyValue.kvlist_value (6) → KeyValueList.values (1) → KeyValue.value (2) → AnyValue …
  let any = Buffer.from([0x0a, 0x01, 0x78]); // string_value "x"
  const field = (no: number, body: Buffer) => Buffer.concat([Buffer.from([(no << 3) | 2]), varint(body.length), body]);
  for (let i = 0; i < depth; i++) any = field(6, field(1, field(2, any)));
  const attribute = field(2, any); // KeyValue.value
  return field(1, field(1, field(1, attribute))); // request.resource_metrics.resource.attributes
}

/** An OTLP JSON request whose one resource attribute nests kvlistValue `depth` times. */
function deepAttribute(depth: number): string {
  let value = '{"stringValue":"x"}';
  for (let i = 0; i < depth; i++) value = `{"kvlistValue":{"values":[{"key":"k","value":${value}}]}}`;
  return `{"resourceMetrics":[{"resource":{"attributes":[{"key":"deep","value":${value}}]}}]}`;
}
