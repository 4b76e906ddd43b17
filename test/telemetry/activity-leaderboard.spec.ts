import { addDays, utcDay } from '../../src/common/dates.js';
import { type DayRange, PERIODS, periodRange } from '../../src/read-model/periods.js';
import { ACTIVITY_RANK_METRICS, type ActivityRankMetric, METRICS } from '../../src/read-model/sums.js';
import { ActivityTally, type LogsJson, type MetricsJson } from '../helpers/activity-tally.js';
import { registerUser, upload } from '../helpers/api.js';
import { fixture } from '../helpers/ccusage.js';
import { type EventRecord, logsRequest, type MetricPoint, metricsRequest } from '../helpers/otlp-build.js';
import { otelFixture, shiftTimes } from '../helpers/otlp.js';
import { type TestApp, useTestApp } from '../helpers/test-app.js';

/**
 * Activity leaderboards (sessions, linesAdded, commits, pullRequests, activeTime), a user's ranks by
 * them and the summary's activity, over telemetry sent through the real receiver; every leaderboard
 * entry's value (token metrics too) against the totals it ranks by. Expected values are worked out
 * here from what each user sent.
 */

let t: TestApp;
useTestApp({}, (ready) => ({ t } = ready));

const HOUR = 3_600_000;
const today = utcDay(new Date());

async function send(token: string, signal: 'metrics' | 'logs', body: unknown) {
  const res = await t.http.post(`/v1/${signal}`).set('authorization', `Bearer ${token}`).set('content-type', 'application/json').send(JSON.stringify(body));
  expect({ status: res.status, body: res.text }).toEqual({ status: 200, body: '{}' });
}

/** Built activity at two moments (about a day apart), sized by `seed`; users with one seed send the same. */
function activity(seed: number, now: number) {
  return [now - 30 * HOUR, now - 5 * 60_000].map((at, i) => {
    const k = seed * 3 + i;
    const points: MetricPoint[] = [
      { metric: 'claude_code.session.count', value: 1 + (k % 4), endMs: at },
      { metric: 'claude_code.commit.count', value: k % 5, endMs: at },
      { metric: 'claude_code.pull_request.count', value: (seed + i) % 3, endMs: at },
      { metric: 'claude_code.lines_of_code.count', value: 10 * k + 3, attributes: { type: 'added', model: 'claude-opus-4-1-20250805' }, endMs: at },
      { metric: 'claude_code.lines_of_code.count', value: k, attributes: { type: 'removed', model: 'claude-opus-4-1-20250805' }, endMs: at },
      { metric: 'claude_code.active_time.total', value: 60.1234 * (k + 1), attributes: { type: 'user' }, endMs: at },
      { metric: 'claude_code.active_time.total', value: 3.25 * k, attributes: { type: 'cli' }, endMs: at },
    ];
    const events: EventRecord[] = Array.from({ length: 1 + (k % 3) }, (_, n) => ({
      name: n === 2 ? ('api_error' as const) : ('api_request' as const),
      model: 'claude-sonnet-4-5-20250929',
      session: `session-${seed}-${i}`,
      sequence: n,
      timeMs: at,
    }));
    return { metrics: metricsRequest(points, { 'ccstats.device': 'laptop' }), logs: logsRequest(events, { 'ccstats.device': 'laptop' }) };
  });
}

/** The field(s) of the tally each ranked metric sums. */
const FIELDS: Record<ActivityRankMetric, Array<keyof ReturnType<ActivityTally['micros']>>> = {
  sessions: ['sessions'],
  linesAdded: ['linesAdded'],
  commits: ['commits'],
  pullRequests: ['pullRequests'],
  activeTime: ['activeTimeUser', 'activeTimeCli'],
};

/** A ranked metric's value over a range as the API prints it (counts whole, seconds to at most 3 places). */
function valueOf(tally: ActivityTally, metric: ActivityRankMetric, range: DayRange | undefined): string {
  const micros = tally.micros(range?.from ?? '0000-01-01', range?.to ?? '9999-12-31');
  const sum = FIELDS[metric].reduce((s, f) => s + micros[f], 0);
  return metric === 'activeTime' ? String(Math.round(sum / 1000) / 1000) : String(Math.round(sum / 1_000_000));
}

describe('activity leaderboards, ranks and summary', () => {
  /** Who sent what; amy and ben send the same (ties in every metric), fox only uploads. */
  const tallies = new Map<string, ActivityTally>();
  const tokens = new Map<string, string>();
  const plans: Array<{ name: string; seed?: number; capture?: boolean; upload?: boolean }> = [
    { name: 'lb-amy', seed: 2, capture: true },
    { name: 'lb-ben', seed: 2, capture: true },
    { name: 'lb-cat', seed: 5, capture: true },
    { name: 'lb-dan', seed: 1, upload: true },
    { name: 'lb-eli', seed: 4 },
    { name: 'lb-fox', upload: true },
  ];

  beforeAll(async () => {
    const now = Date.now();
    for (const plan of plans) {
      const { token } = await registerUser(t.http, plan.name);
      tokens.set(plan.name, token);
      const tally = new ActivityTally();
      tallies.set(plan.name, tally);
      if (plan.capture) {
        const metrics = shiftTimes(JSON.parse(otelFixture('otlp-json-delta-metrics.json').toString('utf8')) as MetricsJson, now - 60_000);
        const logs = shiftTimes(JSON.parse(otelFixture('otlp-json-logs.json').toString('utf8')) as LogsJson, now - 60_000);
        await send(token, 'metrics', metrics);
        await send(token, 'logs', logs);
        tally.metrics(metrics).logs(logs);
      }
      if (plan.seed !== undefined) {
        for (const batch of activity(plan.seed, now)) {
          await send(token, 'metrics', batch.metrics);
          await send(token, 'logs', batch.logs);
          tally.metrics(batch.metrics).logs(batch.logs);
        }
      }
      if (plan.upload) await upload(t.http, token, fixture('claude-daily-breakdown.json'), { device: 'desk' }).expect(200);
    }
  });

  /** The leaderboard the tallies say: users with a non-zero value, most first, ties sharing a rank and ordered by name. */
  function expectedBoard(metric: ActivityRankMetric, range: DayRange | undefined) {
    const rows = [...tallies]
      .map(([username, tally]) => ({ username, value: valueOf(tally, metric, range) }))
      .filter((r) => Number(r.value) > 0)
      .sort((a, b) => Number(b.value) - Number(a.value) || (a.username < b.username ? -1 : 1));
    return rows.map((r) => ({ rank: rows.findIndex((o) => o.value === r.value) + 1, username: r.username, value: r.value }));
  }

  const ranges = (): Array<[string, Record<string, string>, DayRange | undefined]> => [
    ...PERIODS.map((period): [string, Record<string, string>, DayRange | undefined] => [period, { period }, periodRange(period, today)]),
    // Yesterday alone: loose days before the last day with data (activity_days, not the month's sum).
    ['yesterday', { from: addDays(today, -1), to: addDays(today, -1) }, { from: addDays(today, -1), to: addDays(today, -1) }],
    ['last 40 days', { from: addDays(today, -40), to: today }, { from: addDays(today, -40), to: today }],
  ];

  it.each(ACTIVITY_RANK_METRICS)('ranks by %s in every period: values, ties, order and total from what was sent', async (metric) => {
    for (const [label, query, range] of ranges()) {
      const res = await t.http
        .get('/api/v1/leaderboard')
        .query({ ...query, metric, limit: 100 })
        .expect(200);
      const expected = expectedBoard(metric, range);
      const got = res.body.entries.map((e: { rank: number; username: string; value: string }) => ({ rank: e.rank, username: e.username, value: e.value }));
      expect({ label, metric, total: res.body.total, entries: got }).toEqual({ label, metric, total: expected.length, entries: expected });
    }
    // The pair that sent the same shares a rank, ordered by name, in the all-time board.
    const all = expectedBoard(metric, undefined);
    const amy = all.find((e) => e.username === 'lb-amy');
    const ben = all.find((e) => e.username === 'lb-ben');
    if (amy) {
      expect(ben?.rank).toBe(amy.rank);
      expect(all.indexOf(ben!)).toBe(all.indexOf(amy) + 1);
    }
  });

  it('has ties and non-zero values to rank (the data is not trivial)', () => {
    for (const metric of ACTIVITY_RANK_METRICS) expect(expectedBoard(metric, undefined).length).toBeGreaterThanOrEqual(3);
    const commits = expectedBoard('commits', undefined);
    expect(commits.filter((e) => e.rank === commits.find((x) => x.username === 'lb-amy')!.rank)).toHaveLength(2);
  });

  it("gives each entry the user's token totals, active days and top model over the same range", async () => {
    for (const [label, query, range] of ranges()) {
      const board = (
        await t.http
          .get('/api/v1/leaderboard')
          .query({ ...query, metric: 'sessions', limit: 100 })
          .expect(200)
      ).body;
      const costBoard = (
        await t.http
          .get('/api/v1/leaderboard')
          .query({ ...query, metric: 'cost', limit: 100 })
          .expect(200)
      ).body;
      for (const entry of board.entries) {
        const usage = await t.http
          .get(`/api/v1/users/${entry.username}/usage`)
          .query({ ...(range ?? {}), models: 'false' })
          .expect(200);
        const tokenEntry = costBoard.entries.find((e: { username: string }) => e.username === entry.username);
        const { rank: _r, value: _v, ...rest } = entry;
        expect({ label, ...rest }).toEqual({
          label,
          username: entry.username,
          displayName: null,
          ...usage.body.totals,
          activeDays: usage.body.rows.length,
          topModel: tokenEntry?.topModel ?? null,
        });
      }
      // Telemetry's tokens count in the token fields: the captured session's users have some.
      if (range === undefined) expect(board.entries.find((e: { username: string }) => e.username === 'lb-amy').totalTokens).toBeGreaterThan(0);
    }
  });

  it('pages with limit and offset, the total unchanged', async () => {
    const expected = expectedBoard('linesAdded', periodRange('7d', today));
    const page = await t.http.get('/api/v1/leaderboard').query({ period: '7d', metric: 'linesAdded', limit: 2, offset: 1 }).expect(200);
    expect(page.body.entries.map((e: { username: string; rank: number }) => [e.username, e.rank])).toEqual(
      expected.slice(1, 3).map((e) => [e.username, e.rank]),
    );
    expect(page.body.total).toBe(expected.length);
    const past = await t.http.get('/api/v1/leaderboard').query({ period: '7d', metric: 'linesAdded', offset: 50 }).expect(200);
    expect(past.body).toMatchObject({ entries: [], total: expected.length });
  });

  it('names the first and last day of the metric for all time', async () => {
    for (const metric of ACTIVITY_RANK_METRICS) {
      const days = [...tallies.values()]
        .flatMap((tally) => [...tally.days].filter(([, row]) => FIELDS[metric].some((f) => row[f] > 0)).map(([day]) => day))
        .sort();
      const res = await t.http.get('/api/v1/leaderboard').query({ period: 'all', metric }).expect(200);
      expect({ metric, from: res.body.from, to: res.body.to }).toEqual({ metric, from: days[0], to: days.at(-1) });
    }
  });

  it('draws each entry’s last 30 days of an activity metric from its days', async () => {
    for (const metric of ACTIVITY_RANK_METRICS) {
      const res = await t.http.get('/api/v1/leaderboard').query({ period: '30d', metric, sparklines: 'true' }).expect(200);
      expect(res.body.entries.length).toBeGreaterThan(0);
      for (const entry of res.body.entries) {
        const tally = tallies.get(entry.username)!;
        const line = Array.from({ length: 30 }, (_, i) => {
          const day = addDays(today, i - 29);
          return valueOf(tally, metric, { from: day, to: day });
        });
        expect({ metric, user: entry.username, line: entry.last30Days }).toEqual({ metric, user: entry.username, line });
      }
    }
  });

  it("gives every token leaderboard entry its metric's value as the totals print it", async () => {
    const field = {
      cost: 'totalCost',
      tokens: 'totalTokens',
      input: 'inputTokens',
      output: 'outputTokens',
      cacheCreation: 'cacheCreationTokens',
      cacheRead: 'cacheReadTokens',
    } as const;
    for (const metric of METRICS) {
      for (const period of ['today', '30d', 'all'] as const) {
        const res = await t.http.get('/api/v1/leaderboard').query({ period, metric, limit: 100 }).expect(200);
        expect(res.body.entries.length).toBeGreaterThan(0);
        for (const e of res.body.entries) expect({ metric, period, value: e.value }).toEqual({ metric, period, value: String(e[field[metric]]) });
        if (metric === 'cost') for (const e of res.body.entries) expect(e.value).toMatch(/^\d+\.\d{4}$/);
      }
    }
  });

  it('ranks a user by an activity metric in every period as that period’s leaderboard does', async () => {
    for (const metric of ACTIVITY_RANK_METRICS) {
      const boards = new Map<
        string,
        { total: number; entries: Array<{ username: string; rank: number; value: string }>; from: string | null; to: string | null }
      >();
      for (const period of PERIODS) boards.set(period, (await t.http.get('/api/v1/leaderboard').query({ period, metric, limit: 100 }).expect(200)).body);
      for (const name of tallies.keys()) {
        const res = await t.http.get(`/api/v1/users/${name}/ranks`).query({ metric }).expect(200);
        expect(res.body.metric).toBe(metric);
        for (const place of res.body.ranks) {
          const board = boards.get(place.period)!;
          const entry = board.entries.find((e) => e.username === name);
          expect({ metric, name, ...place }).toEqual({
            metric,
            name,
            period: place.period,
            from: board.from,
            to: board.to,
            rank: entry?.rank ?? null,
            total: board.total,
            value: entry?.value ?? '0',
          });
        }
      }
    }
    await t.http.get('/api/v1/users/nobody-at-all/ranks').query({ metric: 'commits' }).expect(404);
    await t.http.get('/api/v1/users/lb-amy/ranks').query({ metric: 'vibes' }).expect(400);
  });

  it("serves the activity board's value in its CSV", async () => {
    const json = await t.http.get('/api/v1/leaderboard').query({ period: '7d', metric: 'activeTime' }).expect(200);
    const csv = await t.http.get('/api/v1/leaderboard').query({ period: '7d', metric: 'activeTime', format: 'csv' }).expect(200);
    const lines = csv.text.split('\r\n').slice(0, -1);
    const header = lines[0].split(',');
    const at = header.indexOf('value');
    expect(at).toBeGreaterThan(1);
    expect(lines.slice(1).map((l) => [l.split(',')[1], l.split(',')[at]])).toEqual(
      json.body.entries.map((e: { username: string; value: string }) => [e.username, e.value]),
    );
  });

  it("sums every user's activity in the summary, over a range and over all time", async () => {
    for (const range of [undefined, periodRange('today', today), { from: addDays(today, -1), to: addDays(today, -1) }, periodRange('month', today)]) {
      const res = await t.http
        .get('/api/v1/stats/summary')
        .query(range ?? {})
        .expect(200);
      const sums = [...tallies.values()].map((tally) => tally.micros(range?.from ?? '0000-01-01', range?.to ?? '9999-12-31'));
      const total = (f: keyof (typeof sums)[number]) => sums.reduce((s, x) => s + x[f], 0);
      const whole = (f: keyof (typeof sums)[number]) => Math.round(total(f) / 1_000_000);
      expect({ range, activity: res.body.activity }).toEqual({
        range,
        activity: {
          sessions: whole('sessions'),
          linesAdded: whole('linesAdded'),
          linesRemoved: whole('linesRemoved'),
          commits: whole('commits'),
          pullRequests: whole('pullRequests'),
          activeTime: Math.round((total('activeTimeUser') + total('activeTimeCli')) / 1000) / 1000,
          apiRequests: whole('apiRequests'),
          apiErrors: whole('apiErrors'),
          users: sums.filter((x) => Object.values(x).some((v) => v > 0)).length,
          withheld: false,
        },
      });
    }
  });
});
