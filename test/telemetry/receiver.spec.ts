import { gzipSync } from 'node:zlib';
import { LogsRequestType, LogsResponseType, MetricsRequestType, MetricsResponseType } from '../../src/ingestion/otlp/otlp-proto.js';
import { registerUser, rowCounts } from '../helpers/api.js';
import type { TestDatabase } from '../helpers/database.js';
import { otelFixture, shiftTimes } from '../helpers/otlp.js';
import { settleSharedDays, type TestApp, useTestApp } from '../helpers/test-app.js';

/**
 * The receiver's contract on Claude Code's real captures (test/fixtures/claude-code-otel/): what
 * the exporter sent is what the API reports, once, whatever the encoding; the answers are OTLP's.
 * The OpenTelemetry SDK as a client, hostile bodies and precedence over uploads have their own files.
 */

const ADMIN = 'receiver-admin-token-of-the-receiver-tests';
let t: TestApp;
let db: TestDatabase;
useTestApp({ ADMIN_TOKEN: ADMIN }, (ready) => ({ t, db } = ready));

type Json = Record<string, unknown>;
interface Point {
  asDouble?: number;
  attributes?: Array<{ key: string; value: { stringValue?: string } }>;
}

/** A capture moved to the last minutes (the receiver refuses points older than 48 hours). */
const recent = (name: string): Json => shiftTimes(JSON.parse(otelFixture(name).toString('utf8')) as Json, Date.now() - 60_000);

/** Every data point of a metric in a capture. */
function pointsOf(capture: Json, metric: string): Point[] {
  const resources = capture.resourceMetrics as Array<{ scopeMetrics: Array<{ metrics: Array<{ name: string; sum?: { dataPoints: Point[] } }> }> }>;
  return resources.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics.filter((m) => m.name === metric).flatMap((m) => m.sum?.dataPoints ?? [])));
}

const attribute = (point: Point, key: string) => point.attributes?.find((a) => a.key === key)?.value.stringValue;

/** The capture's token sums per kind, and its cost rounded half-up to 4 places as the ledger rounds. */
function expectedUsage(capture: Json) {
  const tokens = pointsOf(capture, 'claude_code.token.usage');
  const sum = (type: string) => tokens.filter((p) => attribute(p, 'type') === type).reduce((s, p) => s + (p.asDouble ?? 0), 0);
  const cost = pointsOf(capture, 'claude_code.cost.usage').reduce((s, p) => s + (p.asDouble ?? 0), 0);
  return {
    inputTokens: sum('input'),
    outputTokens: sum('output'),
    cacheCreationTokens: sum('cacheCreation'),
    cacheReadTokens: sum('cacheRead'),
    totalCost: (Math.round(cost * 10_000) / 10_000).toFixed(4),
  };
}

function post(path: string, token: string | undefined, body: Buffer | string, headers: Record<string, string>) {
  const req = t.http
    .post(path)
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
  if (token) void req.set('authorization', `Bearer ${token}`);
  for (const [k, v] of Object.entries(headers)) void req.set(k, v);
  return req.send(body);
}

async function usageOf(username: string, token: string) {
  return (await t.http.get(`/api/v1/users/${username}/usage`).set('authorization', `Bearer ${token}`).expect(200)).body as {
    totals: Json;
    rows: Array<{ models: Array<{ model: string }> }>;
  };
}

async function activityOf(username: string): Promise<Record<string, number>> {
  const rows = await db.query<{ metric: string; value: string }>(
    `SELECT a.metric, sum(a.value)::text AS value FROM activity_days a JOIN users u ON u.id = a.user_id WHERE u.username = $1 GROUP BY a.metric`,
    [username],
  );
  return Object.fromEntries(rows.map((r) => [r.metric, Number(r.value)]));
}

describe('POST /v1/metrics', () => {
  it('stores the delta capture (OTLP JSON) as Claude Code exported it, once however often it is delivered', async () => {
    const { username, token } = await registerUser(t.http);
    const capture = recent('otlp-json-delta-metrics.json');
    const body = JSON.stringify(capture);
    const first = await post('/v1/metrics', token, body, { 'content-type': 'application/json' });
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(first.body.toString('utf8'))).toEqual({});
    expect((await post('/v1/metrics', token, body, { 'content-type': 'application/json' })).status).toBe(200);

    const usage = await usageOf(username, token);
    expect(usage.totals).toMatchObject(expectedUsage(capture));
    const models = new Set(pointsOf(capture, 'claude_code.token.usage').map((p) => attribute(p, 'model')));
    expect(usage.rows.flatMap((r) => r.models.map((m) => m.model)).sort()).toEqual([...models].sort());

    // What ccusage cannot see, from the same capture.
    const total = (metric: string, type?: string) =>
      pointsOf(capture, metric)
        .filter((p) => type === undefined || attribute(p, 'type') === type)
        .reduce((s, p) => s + (p.asDouble ?? 0), 0);
    const activity = await activityOf(username);
    expect(activity.sessions).toBe(total('claude_code.session.count'));
    expect(activity.linesAdded).toBe(total('claude_code.lines_of_code.count', 'added'));
    expect(activity.linesRemoved).toBe(total('claude_code.lines_of_code.count', 'removed'));
    expect(activity.activeTime).toBeCloseTo(total('claude_code.active_time.total'), 6);
    expect(activity.editsAccepted ?? 0).toBe(
      pointsOf(capture, 'claude_code.code_edit_tool.decision')
        .filter((p) => attribute(p, 'decision') === 'accept')
        .reduce((s, p) => s + (p.asDouble ?? 0), 0),
    );
  });

  it('reads the cumulative capture as protobuf, gzipped or not, and answers in protobuf', async () => {
    const { username, token } = await registerUser(t.http);
    const capture = recent('otlp-protobuf-cumulative-metrics.decoded.json');
    const bytes = Buffer.from(MetricsRequestType.encode(MetricsRequestType.fromObject(capture)).finish());
    const answer = await post('/v1/metrics', token, gzipSync(bytes), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/x-protobuf');
    expect(MetricsResponseType.toObject(MetricsResponseType.decode(answer.body))).toEqual({});
    // The same export again, uncompressed: a retry of a cumulative point adds nothing.
    expect((await post('/v1/metrics', token, bytes, { 'content-type': 'application/x-protobuf' })).status).toBe(200);
    expect((await usageOf(username, token)).totals).toMatchObject(expectedUsage(capture));
  });

  it('answers partial_success for points it refuses and keeps the rest', async () => {
    const { username, token } = await registerUser(t.http);
    const capture = recent('otlp-json-delta-metrics.json');
    const tokens = pointsOf(capture, 'claude_code.token.usage');
    const broken = tokens.find((p) => attribute(p, 'type') === 'output')!;
    const lost = broken.asDouble ?? 0;
    broken.asDouble = -1;
    const answer = await post('/v1/metrics', token, JSON.stringify(capture), { 'content-type': 'application/json' });
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.body.toString('utf8')) as { partialSuccess: { rejectedDataPoints: string; errorMessage: string } };
    expect(body.partialSuccess.rejectedDataPoints).toBe('1');
    expect(body.partialSuccess.errorMessage.length).toBeGreaterThan(0);
    broken.asDouble = 0;
    const expected = expectedUsage(capture);
    expect((await usageOf(username, token)).totals).toMatchObject(expected);
    expect(lost).toBeGreaterThan(0);
  });

  it('refuses without a valid token (401), for the admin (403) and in other media types (415), as google.rpc.Status, storing nothing', async () => {
    const body = JSON.stringify(recent('otlp-json-delta-metrics.json'));
    await settleSharedDays(t); // the earlier tests' deltas: the background fold must not change counts below
    const before = await rowCounts(db.query);
    const anonymous = await post('/v1/metrics', undefined, body, { 'content-type': 'application/json' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBeDefined();
    expect(JSON.parse(anonymous.body.toString('utf8'))).toEqual({ message: expect.stringContaining('token') });

    const wrong = await post('/v1/metrics', 'ccs_not-a-token-anybody-has', Buffer.alloc(10), { 'content-type': 'application/x-protobuf' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['content-type']).toBe('application/x-protobuf');
    const status = wrong.body;
    expect(status[0]).toBe(0x12); // field 2 (message), length-delimited
    expect(status.subarray(2, 2 + status[1]).toString('utf8').length).toBeGreaterThan(0);

    expect((await post('/v1/metrics', ADMIN, body, { 'content-type': 'application/json' })).status).toBe(403);
    const { token } = await registerUser(t.http);
    const after = await rowCounts(db.query);
    const text = await post('/v1/metrics', token, body, { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(JSON.parse(text.body.toString('utf8'))).toEqual({ message: expect.any(String) });
    expect((await post('/v1/metrics', token, '{"resourceMetrics": [', { 'content-type': 'application/json' })).status).toBe(400);
    expect((await post('/v1/metrics', token, body, { 'content-type': 'application/json', 'content-encoding': 'br' })).status).toBe(415);
    expect(await rowCounts(db.query)).toEqual(after);
    expect(after.users).toBe(before.users + 1);
  });
});

describe('POST /v1/logs', () => {
  it('counts each API request once per model, in JSON and in protobuf, and keeps no prompt text', async () => {
    const { username, token } = await registerUser(t.http);
    const capture = recent('otlp-json-logs.json');
    const records = (
      capture.resourceLogs as Array<{ scopeLogs: Array<{ logRecords: Array<{ attributes: Array<{ key: string; value: { stringValue?: string } }> }> }> }>
    ).flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords));
    const requests = records.filter((r) => r.attributes.find((a) => a.key === 'event.name')?.value.stringValue === 'api_request');
    expect(requests.length).toBeGreaterThan(0);
    // As if the user had opted in to prompt logging: the text must still not be stored.
    const secret = 'SECRET-PROMPT-TEXT-refactor the billing module';
    for (const r of records) {
      const prompt = r.attributes.find((a) => a.key === 'prompt');
      if (prompt) prompt.value = { stringValue: secret };
      else r.attributes.push({ key: 'prompt', value: { stringValue: secret } });
    }
    const json = JSON.stringify(capture);
    const answer = await post('/v1/logs', token, json, { 'content-type': 'application/json' });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body.toString('utf8'))).toEqual({});
    // The same batch as protobuf: the same events, counted already.
    const bytes = Buffer.from(LogsRequestType.encode(LogsRequestType.fromObject(capture)).finish());
    const again = await post('/v1/logs', token, bytes, { 'content-type': 'application/x-protobuf' });
    expect(again.status).toBe(200);
    expect(LogsResponseType.toObject(LogsResponseType.decode(again.body))).toEqual({});
    expect((await activityOf(username)).apiRequests).toBe(requests.length);
    const stored = JSON.stringify(await db.query('SELECT * FROM activity_days')) + JSON.stringify(await db.query('SELECT * FROM telemetry_receipts'));
    expect(stored).not.toContain('SECRET-PROMPT');
  });
});
