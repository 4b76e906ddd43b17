import { jest } from '@jest/globals';
import { ActivityTally, bucketOf, type LogsJson, type MetricsJson } from '../helpers/activity-tally.js';
import { registerUser } from '../helpers/api.js';
import { type MetricPoint, logsRequest, metricsRequest } from '../helpers/otlp-build.js';
import { type TestApp, useTestApp } from '../helpers/test-app.js';

/**
 * Week and month buckets across their boundaries. The receiver takes points of the last 48 hours
 * only, so this file moves the service's clock (Date alone; timers stay real) to a Monday that is
 * also the first of a month, 2026-06-01 06:00 UTC: Saturday 30 May, Sunday 31 May and Monday
 * 1 June are then all in the window and fall in two ISO weeks and two months.
 */

const NOW = Date.parse('2026-06-01T06:00:00Z');
const AT = ['2026-05-30T12:00:00Z', '2026-05-31T12:00:00Z', '2026-06-01T05:00:00Z'].map((iso) => Date.parse(iso));

beforeAll(() => {
  jest.useFakeTimers({
    now: NOW,
    advanceTimers: true,
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'requestAnimationFrame',
      'cancelAnimationFrame',
      'requestIdleCallback',
      'cancelIdleCallback',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
});
afterAll(() => {
  jest.useRealTimers();
});

let t: TestApp;
useTestApp({}, (ready) => ({ t } = ready));

async function send(token: string, signal: 'metrics' | 'logs', body: unknown) {
  const res = await t.http.post(`/v1/${signal}`).set('authorization', `Bearer ${token}`).set('content-type', 'application/json').send(JSON.stringify(body));
  expect({ status: res.status, body: res.text }).toEqual({ status: 200, body: '{}' });
}

describe('activity across week and month boundaries', () => {
  const tally = new ActivityTally();
  let user: { username: string; token: string };

  beforeAll(async () => {
    expect(new Date().toISOString().slice(0, 10)).toBe('2026-06-01');
    user = await registerUser(t.http, 'bucket-ivy');
    for (const [i, at] of AT.entries()) {
      const points: MetricPoint[] = [
        { metric: 'claude_code.session.count', value: i + 1, endMs: at },
        { metric: 'claude_code.commit.count', value: 10 * (i + 1), endMs: at },
        { metric: 'claude_code.lines_of_code.count', value: 100 + i, attributes: { type: 'added' }, endMs: at },
        { metric: 'claude_code.active_time.total', value: 30.0625 * (i + 1), attributes: { type: 'user' }, endMs: at },
        { metric: 'claude_code.code_edit_tool.decision', value: i + 2, attributes: { decision: 'accept', tool_name: 'Edit', language: 'Go' }, endMs: at },
      ];
      const metrics = metricsRequest(points, { 'ccstats.device': 'laptop' }) as MetricsJson;
      const logs = logsRequest([{ name: 'api_request', model: 'claude-opus-4-1-20250805', session: `s${i}`, sequence: 0, timeMs: at }]) as LogsJson;
      await send(user.token, 'metrics', metrics);
      await send(user.token, 'logs', logs);
      tally.metrics(metrics).logs(logs);
    }
  });

  it.each([
    ['day', ['2026-05-30', '2026-05-31', '2026-06-01']],
    ['week', ['2026-05-25', '2026-06-01']],
    ['month', ['2026-05-01', '2026-06-01']],
  ] as const)('buckets by %s into %j', async (granularity, labels) => {
    const res = await t.http.get(`/api/v1/users/${user.username}/activity`).query({ granularity }).expect(200);
    expect([res.body.from, res.body.to]).toEqual(['2026-05-03', '2026-06-01']);
    const days = [...tally.days.keys()].sort();
    expect(res.body.rows).toEqual(
      labels.map((label) => ({
        date: label,
        ...tally.sum(
          '2026-05-03',
          '2026-06-01',
          days.filter((d) => bucketOf(granularity, d) === label),
        ),
      })),
    );
    expect(res.body.totals).toEqual(tally.sum('2026-05-03', '2026-06-01'));
  });

  it('ranks over ranges that take May from its days and June whole, and the other way round', async () => {
    const cases: Array<[Record<string, string>, string, string]> = [
      [{ period: '30d' }, '2026-05-03', '2026-06-01'],
      [{ period: 'month' }, '2026-06-01', '2026-06-30'],
      [{ period: 'week' }, '2026-06-01', '2026-06-07'],
      [{ from: '2026-05-01', to: '2026-05-31' }, '2026-05-01', '2026-05-31'],
      [{ from: '2026-05-31', to: '2026-06-01' }, '2026-05-31', '2026-06-01'],
      [{ period: 'all' }, '2026-05-30', '2026-06-01'],
    ];
    for (const [query, from, to] of cases) {
      const res = await t.http
        .get('/api/v1/leaderboard')
        .query({ ...query, metric: 'commits' })
        .expect(200);
      expect({
        query,
        from: res.body.from,
        to: res.body.to,
        entries: res.body.entries.map((e: { username: string; value: string }) => [e.username, e.value]),
      }).toEqual({
        query,
        from,
        to,
        entries: [[user.username, String(tally.sum(from, to).commits)]],
      });
      const summary = await t.http.get('/api/v1/stats/summary').query({ from, to }).expect(200);
      expect(summary.body.activity.commits).toBe(tally.sum(from, to).commits);
    }
  });
});
