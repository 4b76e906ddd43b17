import { addDays, utcDay } from '../../src/common/dates.js';
import type { MetricsJson } from '../helpers/activity-tally.js';
import { registerUser, rowCounts, upload } from '../helpers/api.js';
import { fixture } from '../helpers/ccusage.js';
import type { TestDatabase } from '../helpers/database.js';
import { type MetricPoint, metricsRequest } from '../helpers/otlp-build.js';
import { otelFixture, shiftTimes } from '../helpers/otlp.js';
import { settleSharedDays, type TestApp, useTestApp } from '../helpers/test-app.js';

/**
 * GET /api/v1/users/:username/sources: per device and day, what the day is counted from (an upload
 * replaces telemetry), the upload's and telemetry's tokens, and when each device last sent; owner
 * or admin only. Data goes in through real uploads and the real receiver.
 */

const ADMIN_TOKEN = 'sources-admin-token-0123456789abcdef';
let t: TestApp;
let db: TestDatabase;
useTestApp({ ADMIN_TOKEN }, (ready) => ({ t, db } = ready));

const HOUR = 3_600_000;

/** Token points' sum per device and UTC day of a metrics request (the four kinds of claude_code.token.usage). */
function telemetryTokens(body: MetricsJson, device: string, into: Map<string, number>): void {
  for (const rm of body.resourceMetrics)
    for (const sm of rm.scopeMetrics)
      for (const m of sm.metrics) {
        if (m.name !== 'claude_code.token.usage') continue;
        for (const p of m.sum?.dataPoints ?? []) {
          const day = new Date(Number(BigInt(p.timeUnixNano) / 1_000_000n)).toISOString().slice(0, 10);
          const key = `${device}|${day}`;
          into.set(key, (into.get(key) ?? 0) + Number(p.asDouble ?? p.asInt));
        }
      }
}

/** A one-model ccusage daily report of these days and totals. */
function report(days: Array<{ date: string; tokens: number }>) {
  return {
    daily: days.map(({ date, tokens }) => ({
      date,
      inputTokens: tokens,
      outputTokens: 0,
      cacheCreationTokens: 0,
      cacheReadTokens: 0,
      totalTokens: tokens,
      totalCost: 1.5,
      modelsUsed: ['claude-sonnet-4-5-20250929'],
      modelBreakdowns: [
        { modelName: 'claude-sonnet-4-5-20250929', inputTokens: tokens, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, cost: 1.5 },
      ],
    })),
    totals: {},
  };
}

describe('GET /api/v1/users/:username/sources', () => {
  const today = utcDay(new Date());
  let ann: { username: string; token: string };
  let bob: { username: string; token: string };
  const telemetry = new Map<string, number>(); // device|day → tokens telemetry reported
  const uploaded = new Map<string, number>(); // device|day → tokens the upload reported
  const sent = new Map<string, { before: string; after: string }>(); // device → when its telemetry went out

  async function sendMetrics(device: string, body: MetricsJson) {
    const before = new Date().toISOString();
    await t.http.post('/v1/metrics').set('authorization', `Bearer ${ann.token}`).set('content-type', 'application/json').send(JSON.stringify(body)).expect(200);
    const after = new Date().toISOString();
    sent.set(device, { before: sent.get(device)?.before ?? before, after });
    telemetryTokens(body, device, telemetry);
  }

  beforeAll(async () => {
    ann = await registerUser(t.http, 'sources-ann');
    bob = await registerUser(t.http, 'sources-bob');
    const now = Date.now();
    // laptop: telemetry today, then an upload of today and yesterday replaces it.
    const capture = shiftTimes(JSON.parse(otelFixture('otlp-json-delta-metrics.json').toString('utf8')) as MetricsJson, now - 60_000);
    const onLaptop = structuredClone(capture) as MetricsJson & { resourceMetrics: Array<{ resource: { attributes: unknown[] } }> };
    onLaptop.resourceMetrics[0].resource.attributes.push({ key: 'ccstats.device', value: { stringValue: 'laptop' } });
    await sendMetrics('laptop', onLaptop);
    const days = [
      { date: addDays(today, -1), tokens: 1_234_567 },
      { date: today, tokens: 7_654_321 },
    ];
    await upload(t.http, ann.token, report(days), { device: 'laptop' }).expect(200);
    for (const d of days) uploaded.set(`laptop|${d.date}`, d.tokens);
    // otel (no device named): telemetry only, today.
    await sendMetrics('otel', capture);
    // tablet: telemetry tokens about a day ago.
    const points: MetricPoint[] = ['input', 'output', 'cacheRead', 'cacheCreation'].map((type, i) => ({
      metric: 'claude_code.token.usage',
      value: 1000 * (i + 1) + 7,
      attributes: { type, model: 'claude-haiku-4-5-20251001' },
      endMs: now - 30 * HOUR,
    }));
    await sendMetrics('tablet', metricsRequest(points, { 'ccstats.device': 'tablet' }));
    // desk: an old real report, outside the default range.
    await upload(t.http, ann.token, fixture('claude-daily-breakdown.json'), { device: 'desk' }).expect(200);
  });

  /** The answer worked out from what was sent, for a range. */
  async function expected(from: string, to: string) {
    const uploads = (await t.http.get(`/api/v1/users/${ann.username}/uploads`).set('authorization', `Bearer ${ann.token}`).expect(200)).body.uploads as Array<{
      device: string;
      createdAt: string;
    }>;
    const lastUpload = (device: string) =>
      uploads
        .filter((u) => u.device === device)
        .map((u) => u.createdAt)
        .sort()
        .at(-1) ?? null;
    const devices = ['desk', 'laptop', 'otel', 'tablet'];
    return devices.map((device) => {
      const dates = new Set([...telemetry.keys(), ...uploaded.keys()].filter((k) => k.startsWith(`${device}|`)).map((k) => k.slice(device.length + 1)));
      if (device === 'desk') {
        for (const d of (fixture('claude-daily-breakdown.json') as { daily: Array<{ date: string; totalTokens: number }> }).daily) {
          dates.add(d.date);
          uploaded.set(`desk|${d.date}`, d.totalTokens);
        }
      }
      return {
        device,
        lastUploadAt: lastUpload(device),
        days: [...dates]
          .filter((d) => d >= from && d <= to)
          .sort()
          .map((date) => {
            const up = uploaded.get(`${device}|${date}`);
            const tel = telemetry.get(`${device}|${date}`);
            return { date, counted: up !== undefined ? 'upload' : 'telemetry', uploadTokens: up ?? null, telemetryTokens: tel ?? null };
          }),
      };
    });
  }

  function compare(
    body: { devices: Array<Record<string, unknown> & { device: string; lastTelemetryAt: string | null }> },
    want: Awaited<ReturnType<typeof expected>>,
  ) {
    expect(body.devices.map(({ lastTelemetryAt: _l, ...rest }) => rest)).toEqual(want);
    for (const d of body.devices) {
      const window = sent.get(d.device);
      if (!window) expect({ device: d.device, at: d.lastTelemetryAt }).toEqual({ device: d.device, at: null });
      else {
        // The last batch's arrival, between the moments its request went out and its answer came back (ms precision).
        expect(d.lastTelemetryAt! >= window.before.slice(0, 23)).toBe(true);
        expect(d.lastTelemetryAt! <= window.after).toBe(true);
      }
    }
  }

  it('shows, per device and day of the last 30 days, what counts and what each source reported', async () => {
    const res = await t.http.get(`/api/v1/users/${ann.username}/sources`).set('authorization', `Bearer ${ann.token}`).expect(200);
    const from = addDays(today, -29);
    expect(res.body).toMatchObject({ username: ann.username, from, to: today });
    compare(res.body, await expected(from, today));
    const laptop = res.body.devices.find((d: { device: string }) => d.device === 'laptop');
    // The day both reported: counted from the upload, telemetry's own numbers still shown.
    const both = laptop.days.find((d: { telemetryTokens: number | null }) => d.telemetryTokens !== null);
    expect(both).toMatchObject({ counted: 'upload' });
    expect(both.uploadTokens).not.toBe(both.telemetryTokens);
    const otel = res.body.devices.find((d: { device: string }) => d.device === 'otel');
    expect(otel.days.every((d: { counted: string; uploadTokens: null }) => d.counted === 'telemetry' && d.uploadTokens === null)).toBe(true);
  });

  it('answers a range asked for, with the devices that sent nothing in it', async () => {
    const res = await t.http
      .get(`/api/v1/users/${ann.username}/sources`)
      .query({ from: '2025-05-01', to: '2025-06-30' })
      .set('authorization', `Bearer ${ADMIN_TOKEN}`)
      .expect(200);
    const want = await expected('2025-05-01', '2025-06-30');
    compare(res.body, want);
    expect(want.find((d) => d.device === 'desk')!.days.length).toBeGreaterThan(0);
    expect(want.find((d) => d.device === 'laptop')!.days).toEqual([]);
  });

  it('is for the owner and the admin only, decided before the name is looked up', async () => {
    await t.http.get(`/api/v1/users/${ann.username}/sources`).expect(401);
    await t.http.get(`/api/v1/users/${ann.username}/sources`).set('authorization', `Bearer ${bob.token}`).expect(403);
    await t.http.get('/api/v1/users/no-such-user/sources').set('authorization', `Bearer ${bob.token}`).expect(403);
    await t.http.get('/api/v1/users/no-such-user/sources').set('authorization', `Bearer ${ADMIN_TOKEN}`).expect(404);
    const own = await t.http.get(`/api/v1/users/${ann.username.toUpperCase()}/sources`).set('authorization', `Bearer ${ann.token}`).expect(200);
    expect(own.body.username).toBe(ann.username);
    const empty = await t.http.get(`/api/v1/users/${bob.username}/sources`).set('authorization', `Bearer ${bob.token}`).expect(200);
    expect(empty.body.devices).toEqual([]);
  });

  it.each([
    [{ from: '2025-01-01', to: '2026-01-02' }, 'to'],
    [{ from: '2025-06-10', to: '2025-06-01' }, 'from'],
    [{ from: '2024-01-01' }, 'from'],
    [{ from: '2025-13-01', to: '2025-12-01' }, 'from'],
    [{ to: 'soon' }, 'to'],
  ])('refuses %j with 400 naming %s, storing nothing', async (query, field) => {
    // Uploads' shared-table deltas are folded in by a timer: fold them first, so only this request could change a count.
    await settleSharedDays(t);
    const before = await rowCounts(db.query);
    const res = await t.http.get(`/api/v1/users/${ann.username}/sources`).query(query).set('authorization', `Bearer ${ann.token}`).expect(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    expect(await rowCounts(db.query)).toEqual(before);
  });

  it('accepts the longest range, 366 days', async () => {
    const res = await t.http
      .get(`/api/v1/users/${ann.username}/sources`)
      .query({ from: addDays(today, -365), to: today })
      .set('authorization', `Bearer ${ann.token}`)
      .expect(200);
    compare(res.body, await expected(addDays(today, -365), today));
  });
});
