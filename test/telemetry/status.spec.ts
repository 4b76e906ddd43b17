import { IDENTITY_ATTRIBUTES } from '../../src/ingestion/otlp/otlp-attributes.js';
import type { LogsJson, MetricsJson } from '../helpers/activity-tally.js';
import { registerUser, rowCounts } from '../helpers/api.js';
import type { TestDatabase } from '../helpers/database.js';
import { metricsRequest } from '../helpers/otlp-build.js';
import { otelFixture, shiftTimes } from '../helpers/otlp.js';
import { settleSharedDays, type TestApp, useTestApp } from '../helpers/test-app.js';

/**
 * GET /api/v1/telemetry/status: what the receiver got from the token's user, per device and
 * signal, for checking one's settings. Batches go in through the real receiver; the expected
 * counts are those of the requests sent.
 */

const ADMIN_TOKEN = 'status-admin-token-0123456789abcdef';
let t: TestApp;
let db: TestDatabase;
useTestApp({ ADMIN_TOKEN }, (ready) => ({ t, db } = ready));

type Attribute = { key: string; value: { stringValue?: string } };

/** Points of the capture's metrics, and its API request and error events (what the logs signal counts). */
function pointsIn(body: MetricsJson): number {
  return body.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.flatMap((m) => m.sum?.dataPoints ?? []))).length;
}
function countedEvents(body: LogsJson): number {
  return body.resourceLogs
    .flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords))
    .filter((r) => r.attributes?.some((a) => a.key === 'event.name' && ['api_request', 'api_error'].includes(String(a.value.stringValue)))).length;
}
/** The identity attributes a request's points or records carry (the owner sees them). */
function identityIn(records: Array<{ attributes?: Attribute[] }>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of records)
    for (const a of r.attributes ?? []) if ((IDENTITY_ATTRIBUTES as readonly string[]).includes(a.key) && a.value.stringValue) out[a.key] = a.value.stringValue;
  return out;
}

async function post(token: string, signal: 'metrics' | 'logs', body: unknown) {
  return t.http.post(`/v1/${signal}`).set('authorization', `Bearer ${token}`).set('content-type', 'application/json').send(JSON.stringify(body)).expect(200);
}

const status = (token?: string, query: Record<string, string> = {}) => {
  const req = t.http.get('/api/v1/telemetry/status').query(query);
  if (token) void req.set('authorization', `Bearer ${token}`);
  return req;
};

describe('GET /api/v1/telemetry/status', () => {
  let kim: { username: string; token: string };
  let lou: { username: string; token: string };
  const metrics = shiftTimes(JSON.parse(otelFixture('otlp-json-delta-metrics.json').toString('utf8')) as MetricsJson, Date.now() - 60_000);
  const logs = shiftTimes(JSON.parse(otelFixture('otlp-json-logs.json').toString('utf8')) as LogsJson, Date.now() - 60_000);

  beforeAll(async () => {
    kim = await registerUser(t.http, 'status-kim');
    lou = await registerUser(t.http, 'status-lou');
  });

  it('says nothing arrived yet, and what to check, before the first batch', async () => {
    const res = await status(kim.token).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ username: kim.username, receiving: false, devices: [] });
    for (const setting of ['CLAUDE_CODE_ENABLE_TELEMETRY=1', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'http/protobuf', 'http/json', 'Authorization=Bearer'])
      expect(res.body.hint).toContain(setting);
  });

  it('counts batches, accepted, duplicate and refused items per device and signal, for the owner with the identity sent', async () => {
    await post(kim.token, 'metrics', metrics);
    await post(kim.token, 'metrics', metrics); // an exporter's retry: duplicates
    await post(kim.token, 'logs', logs);
    // On another device: one good point and one Claude Code would never send (an unknown lines type).
    const now = Date.now() - 30_000;
    const laptop = metricsRequest(
      [
        { metric: 'claude_code.commit.count', value: 2, endMs: now },
        { metric: 'claude_code.lines_of_code.count', value: 5, attributes: { type: 'moved' }, endMs: now },
      ],
      { 'ccstats.device': 'laptop' },
    );
    const refused = await post(kim.token, 'metrics', laptop);
    expect(JSON.parse(refused.text).partialSuccess.rejectedDataPoints).toBe('1');

    const res = await status(kim.token).expect(200);
    const points = pointsIn(metrics);
    const version = metrics.resourceMetrics as unknown as Array<{ resource: { attributes: Attribute[] } }>;
    const serviceVersion = version[0].resource.attributes.find((a) => a.key === 'service.version')!.value.stringValue;
    const dataPoints = metrics.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.flatMap((m) => m.sum?.dataPoints ?? [])));
    const records = logs.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords));
    expect(res.body.receiving).toBe(true);
    expect(res.body.devices.map(({ firstAt: _f, lastAt: _l, lastReasons: _r, ...rest }: Record<string, unknown>) => rest)).toEqual([
      { device: 'laptop', signal: 'metrics', batches: 1, accepted: 1, duplicates: 0, refused: 1, serviceVersion: '2.1.328', identity: {} },
      {
        device: 'otel',
        signal: 'logs',
        batches: 1,
        accepted: countedEvents(logs),
        duplicates: 0,
        refused: 0,
        serviceVersion,
        identity: identityIn(records as Array<{ attributes?: Attribute[] }>),
      },
      {
        device: 'otel',
        signal: 'metrics',
        batches: 2,
        accepted: points,
        duplicates: points,
        refused: 0,
        serviceVersion,
        identity: identityIn(dataPoints as Array<{ attributes?: Attribute[] }>),
      },
    ]);
    const laptopRow = res.body.devices[0];
    expect(laptopRow.lastReasons.join(' ')).toMatch(/type must be one of added, removed/);
    expect(Object.keys(res.body.devices[2].identity).length).toBeGreaterThan(0);
    for (const d of res.body.devices) expect(d.firstAt <= d.lastAt).toBe(true);
    expect(res.body.hint).toMatch(/refused/);
  });

  it('tells the owner nothing arrived lately once the last batch is more than 10 minutes old', async () => {
    await db.query(`UPDATE telemetry_receipts SET last_at = last_at - interval '11 minutes' WHERE user_id = (SELECT id FROM users WHERE username = $1)`, [
      kim.username,
    ]);
    const res = await status(kim.token).expect(200);
    expect(res.body.receiving).toBe(false);
    expect(res.body.devices).toHaveLength(3);
    expect(res.body.hint).toContain('last 10 minutes');
    expect(res.body.hint).toContain('CLAUDE_CODE_ENABLE_TELEMETRY=1');
  });

  it('shows another user to the admin only, named by ?username=, without the identity attributes', async () => {
    const admin = await status(ADMIN_TOKEN, { username: kim.username.toUpperCase() }).expect(200);
    expect(admin.body.username).toBe(kim.username);
    expect(admin.body.devices).toHaveLength(3);
    for (const d of admin.body.devices) expect(d.identity).toBeNull();
    const missing = await status(ADMIN_TOKEN).expect(400);
    expect(missing.body.errors).toEqual([expect.objectContaining({ path: 'username' })]);
    await status(ADMIN_TOKEN, { username: 'no-such-user' }).expect(404);
    await status(lou.token, { username: kim.username }).expect(403);
    await status(lou.token, { username: 'no-such-user' }).expect(403);
    const own = await status(kim.token, { username: kim.username }).expect(200);
    expect(own.body.devices[2].identity).not.toBeNull();
    // Another user's own status is theirs alone.
    const other = await status(lou.token).expect(200);
    expect(other.body).toMatchObject({ username: lou.username, devices: [], receiving: false });
  });

  it('refuses anonymous callers, unknown tokens and bad parameters, storing nothing', async () => {
    // Uploads' shared-table deltas are folded in by a timer: fold them first, so only this request could change a count.
    await settleSharedDays(t);
    const before = await rowCounts(db.query);
    await status().expect(401);
    await status('not-a-real-token').expect(401);
    const bad = await status(kim.token, { username: 'bad name!' }).expect(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toContain('username');
    expect(await rowCounts(db.query)).toEqual(before);
  });
});
