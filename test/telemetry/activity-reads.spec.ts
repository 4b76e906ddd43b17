import { addDays, utcDay } from '../../src/common/dates.js';
import { type ActivityTally as Tally, ActivityTally, bucketOf, type LogsJson, type MetricsJson } from '../helpers/activity-tally.js';
import { registerUser, rowCounts } from '../helpers/api.js';
import type { TestDatabase } from '../helpers/database.js';
import { type EventRecord, logsRequest, type MetricPoint, metricsRequest } from '../helpers/otlp-build.js';
import { otelFixture, shiftTimes } from '../helpers/otlp.js';
import { startApp, settleSharedDays, type TestApp, useTestApp } from '../helpers/test-app.js';

/**
 * GET /api/v1/users/:username/activity over data put in through the real receiver (Claude Code's
 * captures moved to now, and requests built with the metrics the captures lack), checked against
 * sums worked out here from what was sent.
 */

const ADMIN_TOKEN = 'activity-reads-admin-token-0123456789';

let t: TestApp;
let db: TestDatabase;
useTestApp({ ADMIN_TOKEN }, (ready) => ({ t, db } = ready));

const HOUR = 3_600_000;

async function send(token: string, signal: 'metrics' | 'logs', body: unknown) {
  const res = await t.http.post(`/v1/${signal}`).set('authorization', `Bearer ${token}`).set('content-type', 'application/json').send(JSON.stringify(body));
  expect({ status: res.status, body: res.text }).toEqual({ status: 200, body: '{}' });
}

/** A user's own mix: the real captures (device otel), and built points on a named device, a day apart. */
async function feed(token: string, tally: Tally, now: number, seed: number) {
  const metrics = shiftTimes(JSON.parse(otelFixture('otlp-json-delta-metrics.json').toString('utf8')) as MetricsJson, now - 60_000);
  const logs = shiftTimes(JSON.parse(otelFixture('otlp-json-logs.json').toString('utf8')) as LogsJson, now - 60_000);
  await send(token, 'metrics', metrics);
  await send(token, 'logs', logs);
  tally.metrics(metrics).logs(logs);
  for (const [i, at] of [now - 30 * HOUR, now - 5 * 60_000].entries()) {
    const k = seed + i;
    const points: MetricPoint[] = [
      { metric: 'claude_code.session.count', value: 1 + k, endMs: at },
      { metric: 'claude_code.commit.count', value: 2 * k + 1, endMs: at },
      { metric: 'claude_code.pull_request.count', value: k % 3, endMs: at },
      { metric: 'claude_code.lines_of_code.count', value: 40 + k, attributes: { type: 'added', model: 'claude-opus-4-1-20250805' }, endMs: at },
      { metric: 'claude_code.lines_of_code.count', value: 7 * k, attributes: { type: 'removed', model: 'claude-opus-4-1-20250805' }, endMs: at },
      { metric: 'claude_code.code_edit_tool.decision', value: 3, attributes: { decision: 'accept', tool_name: 'Edit', language: 'TypeScript' }, endMs: at },
      { metric: 'claude_code.code_edit_tool.decision', value: 1 + k, attributes: { decision: 'reject', tool_name: 'Edit', language: 'TypeScript' }, endMs: at },
      { metric: 'claude_code.code_edit_tool.decision', value: 2, attributes: { decision: 'accept', tool_name: 'Write' }, endMs: at },
      { metric: 'claude_code.code_edit_tool.decision', value: 4, attributes: { decision: 'reject', tool_name: 'MultiEdit', language: 'Python' }, endMs: at },
      { metric: 'claude_code.active_time.total', value: 12.3456 + k, attributes: { type: 'user' }, endMs: at },
      { metric: 'claude_code.active_time.total', value: 4.5, attributes: { type: 'cli' }, endMs: at },
    ];
    const events: EventRecord[] = [
      ...Array.from({ length: 2 + k }, (_, n) => ({
        name: 'api_request' as const,
        model: 'claude-sonnet-4-5-20250929',
        session: `s-${seed}-${i}`,
        sequence: n,
        timeMs: at - 1000 * n,
      })),
      { name: 'api_error', model: 'claude-sonnet-4-5-20250929', session: `s-${seed}-${i}`, sequence: 50, timeMs: at },
      { name: 'api_error', model: 'claude-haiku-4-5-20251001', session: `s-${seed}-${i}`, sequence: 51, timeMs: at },
    ];
    const m = metricsRequest(points, { 'ccstats.device': 'laptop' });
    const l = logsRequest(events, { 'ccstats.device': 'laptop' });
    // Each delivered twice, as an exporter retries: counted once.
    for (let n = 0; n < 2; n++) {
      await send(token, 'metrics', m);
      await send(token, 'logs', l);
    }
    tally.metrics(m).logs(l);
  }
}

/** The answer the tally says the route should give. */
function expected(username: string, tally: Tally, from: string, to: string, granularity: 'day' | 'week' | 'month') {
  const buckets = new Map<string, string[]>();
  for (const day of [...tally.days.keys()].sort()) {
    if (day < from || day > to) continue;
    const label = bucketOf(granularity, day);
    buckets.set(label, [...(buckets.get(label) ?? []), day]);
  }
  return {
    username,
    from,
    to,
    granularity,
    retiredMonths: [], // no retention here (test/operations/retention.spec.ts covers retired months)
    totals: tally.sum(from, to),
    rows: [...buckets].map(([date, days]) => ({ date, ...tally.sum(from, to, days) })),
    editDecisions: [...tally.editsIn(from, to)]
      .map(([key, v]) => ({ tool: key.slice(0, key.indexOf('|')), language: key.slice(key.indexOf('|') + 1), ...v }))
      .sort((a, b) => b.accepted + b.rejected - (a.accepted + a.rejected) || (a.tool < b.tool ? -1 : a.tool > b.tool ? 1 : a.language < b.language ? -1 : 1)),
    apiByModel: [...tally.apiIn(from, to)].map(([model, v]) => ({ model, ...v })).sort((a, b) => b.requests - a.requests || (a.model < b.model ? -1 : 1)),
  };
}

describe('GET /api/v1/users/:username/activity', () => {
  const tally = new ActivityTally();
  let user: { username: string; token: string };
  let other: { username: string; token: string };
  const today = utcDay(new Date());

  beforeAll(async () => {
    user = await registerUser(t.http, 'activity-ada');
    other = await registerUser(t.http, 'activity-bob');
    await feed(user.token, tally, Date.now(), 3);
    // Another user's activity must not leak into this one's.
    await feed(other.token, new ActivityTally(), Date.now(), 7);
  });

  it('sums the last 30 UTC days by day by default, with edit decisions and API requests over the range', async () => {
    const res = await t.http.get(`/api/v1/users/${user.username}/activity`).expect(200);
    const from = addDays(today, -29);
    expect(res.body).toEqual(expected(user.username, tally, from, today, 'day'));
    // The fixture's and the built points both count: more than one day and both active-time kinds.
    expect(res.body.rows.length).toBeGreaterThanOrEqual(2);
    expect(res.body.totals.activeTimeCli).toBeGreaterThan(0);
    expect(res.body.totals.activeTimeUser).toBeGreaterThan(0);
    expect(res.body.editDecisions.some((e: { language: string }) => e.language === '')).toBe(true);
  });

  it.each(['day', 'week', 'month'] as const)('buckets by %s: each bucket starts on its day, Monday or first of the month', async (granularity) => {
    const from = addDays(today, -40);
    const res = await t.http.get(`/api/v1/users/${user.username}/activity`).query({ from, to: today, granularity }).expect(200);
    expect(res.body).toEqual(expected(user.username, tally, from, today, granularity));
    const rows = res.body.rows as Array<{ date: string }>;
    if (granularity === 'week') for (const r of rows) expect(new Date(`${r.date}T00:00:00Z`).getUTCDay()).toBe(1);
    if (granularity === 'month') for (const r of rows) expect(r.date.slice(8)).toBe('01');
    // Every bucket of the range adds up to the totals.
    const sessions = rows.reduce((s, r) => s + (r as unknown as { sessions: number }).sessions, 0);
    expect(sessions).toBe(res.body.totals.sessions);
  });

  it('counts only the days of the range asked for', async () => {
    const days = [...tally.days.keys()].sort();
    expect(days.length).toBeGreaterThanOrEqual(2);
    const last = days.at(-1)!;
    const res = await t.http.get(`/api/v1/users/${user.username}/activity`).query({ from: last, to: last }).expect(200);
    expect(res.body).toEqual(expected(user.username, tally, last, last, 'day'));
    const before = await t.http.get(`/api/v1/users/${user.username}/activity`).query({ from: '2025-01-01', to: '2025-01-31' }).expect(200);
    expect(before.body).toEqual(expected(user.username, tally, '2025-01-01', '2025-01-31', 'day'));
    expect(before.body.rows).toEqual([]);
    expect(before.body.totals.sessions).toBe(0);
    // A lone `to`: the 30 days ending there.
    const lone = await t.http.get(`/api/v1/users/${user.username}/activity`).query({ to: last }).expect(200);
    expect([lone.body.from, lone.body.to]).toEqual([addDays(last, -29), last]);
  });

  it('finds the user in any case and answers 404 for an unknown one', async () => {
    const res = await t.http.get(`/api/v1/users/${user.username.toUpperCase()}/activity`).expect(200);
    expect(res.body.username).toBe(user.username);
    const missing = await t.http.get('/api/v1/users/nobody-here/activity').expect(404);
    expect(missing.headers['content-type']).toMatch(/problem\+json/);
  });

  it.each([
    [{ from: '2025-06-10', to: '2025-06-01' }, 'from'],
    [{ from: '2010-01-01', to: '2025-01-01' }, 'to'],
    [{ from: '2025-02-30', to: '2025-03-01' }, 'from'],
    [{ from: '1999-12-31', to: '2000-01-05' }, 'from'],
    [{ from: `${Number(today.slice(0, 4)) + 1}-06-01` }, 'from'],
    [{ from: '2001-01-01' }, 'to'],
    [{ granularity: 'year' }, 'granularity'],
    [{ to: 'yesterday' }, 'to'],
  ])('refuses %j with 400 naming %s, storing nothing', async (query, field) => {
    // Uploads' shared-table deltas are folded in by a timer: fold them first, so only this request could change a count.
    await settleSharedDays(t);
    const before = await rowCounts(db.query);
    const res = await t.http.get(`/api/v1/users/${user.username}/activity`).query(query).expect(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    expect(await rowCounts(db.query)).toEqual(before);
  });

  it('is read like /usage: anonymous readers are refused with READ_ACCESS=token, any token may read', async () => {
    const closed = await startApp(db, { READ_ACCESS: 'token', ADMIN_TOKEN });
    try {
      await closed.http.get(`/api/v1/users/${user.username}/activity`).expect(401);
      await closed.http.get(`/api/v1/users/${user.username}/usage`).expect(401);
      const mine = await closed.http.get(`/api/v1/users/${user.username}/activity`).set('authorization', `Bearer ${other.token}`).expect(200);
      expect(mine.body).toEqual(expected(user.username, tally, addDays(today, -29), today, 'day'));
      await closed.http.get(`/api/v1/users/${user.username}/activity`).set('authorization', `Bearer ${ADMIN_TOKEN}`).expect(200);
      await closed.http.get(`/api/v1/users/${user.username}/activity`).set('authorization', 'Bearer not-a-token').expect(401);
    } finally {
      await closed.close();
    }
  });
});
