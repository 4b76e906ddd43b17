import { utcDay } from '../../src/common/dates.js';
import { registerUser, upload } from '../helpers/api.js';
import type { TestDatabase } from '../helpers/database.js';
import { startApp, type TestApp, useTestApp } from '../helpers/test-app.js';

/**
 * Every stats endpoint checked against sums computed here, from the reports this test uploads.
 * Generated costs have at most four decimals, so the server's rounding is the identity on them and
 * the expected values need no rounding rules of their own.
 */

const TODAY = utcDay(new Date());
const day = (offset: number) => utcDay(new Date(), offset);
const KINDS = ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens'] as const;
type Kind = (typeof KINDS)[number];
const MODELS = ['claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805', 'gpt-5-codex'];

interface GenModel extends Record<Kind, number> {
  modelName: string;
  cost: number; // in ten-thousandths of a dollar, as an integer
}
interface GenDay extends Record<Kind, number> {
  date: string;
  totalTokens: number;
  cost: number;
  models: GenModel[];
}

/** A deterministic report: `days` days ending at `lastOffset`, values from a seed. */
function generate(seed: number, days: number, lastOffset = 0): GenDay[] {
  const out: GenDay[] = [];
  let x = seed;
  const next = (n: number) => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x % n;
  };
  for (let i = days - 1; i >= 0; i--) {
    const models = MODELS.slice(0, 1 + next(3)).map((modelName) => ({
      modelName,
      inputTokens: next(5000),
      outputTokens: next(20000),
      cacheCreationTokens: next(100000),
      cacheReadTokens: next(3_000_000),
      cost: next(50_000),
    }));
    const sum = (k: Kind) => models.reduce((s, m) => s + m[k], 0);
    const extra = next(3) === 0 ? next(1000) : 0; // tokens without a model are legitimate
    const d: GenDay = {
      date: day(lastOffset - i),
      inputTokens: sum('inputTokens') + extra,
      outputTokens: sum('outputTokens'),
      cacheCreationTokens: sum('cacheCreationTokens'),
      cacheReadTokens: sum('cacheReadTokens'),
      totalTokens: 0,
      cost: models.reduce((s, m) => s + m.cost, 0) + next(100),
      models,
    };
    d.totalTokens = KINDS.reduce((s, k) => s + d[k], 0);
    out.push(d);
  }
  return out;
}

const toReport = (days: GenDay[]) => ({
  daily: days.map((d) => ({
    date: d.date,
    inputTokens: d.inputTokens,
    outputTokens: d.outputTokens,
    cacheCreationTokens: d.cacheCreationTokens,
    cacheReadTokens: d.cacheReadTokens,
    totalTokens: d.totalTokens,
    totalCost: d.cost / 10_000,
    modelsUsed: d.models.map((m) => m.modelName),
    modelBreakdowns: d.models.map((m) => ({ ...m, cost: m.cost / 10_000 })),
  })),
  totals: {},
});

const money = (tenThousandths: number) => `${Math.floor(tenThousandths / 10_000)}.${String(tenThousandths % 10_000).padStart(4, '0')}`;

/** What one user has per day: the sum over their devices' reports. */
type Ledger = Map<string, GenDay>;

function mergeDevices(devices: GenDay[][]): Ledger {
  const ledger: Ledger = new Map();
  for (const days of devices) {
    for (const d of days) {
      const seen = ledger.get(d.date);
      if (!seen) {
        ledger.set(d.date, structuredClone(d));
        continue;
      }
      for (const k of KINDS) seen[k] += d[k];
      seen.totalTokens += d.totalTokens;
      seen.cost += d.cost;
      for (const m of d.models) {
        const sm = seen.models.find((x) => x.modelName === m.modelName);
        if (!sm) seen.models.push(structuredClone(m));
        else {
          for (const k of KINDS) sm[k] += m[k];
          sm.cost += m.cost;
        }
      }
    }
  }
  return ledger;
}

function sumRange(ledger: Ledger, from: string, to: string) {
  const days = [...ledger.values()].filter((d) => d.date >= from && d.date <= to);
  const t = { inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, totalTokens: 0, cost: 0, activeDays: days.length };
  for (const d of days) {
    for (const k of KINDS) t[k] += d[k];
    t.totalTokens += d.totalTokens;
    t.cost += d.cost;
  }
  return t;
}

const isoMonday = (date: string) => {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return utcDay(new Date(`${date}T00:00:00Z`), -((weekday + 6) % 7));
};

describe('stats endpoints against an independent computation', () => {
  let db: TestDatabase;
  let t: TestApp;
  const ledgers = new Map<string, Ledger>();
  const tokens = new Map<string, string>();

  useTestApp({ LOG_LEVEL: 'warn' }, (app) => ({ db, t } = app));
  beforeAll(async () => {
    // Six users; two have identical usage (a tie); some report from two devices; one is quiet lately.
    const plans: Array<{ name: string; devices: GenDay[][] }> = [
      { name: 'ada', devices: [generate(1, 70), generate(2, 20, -3)] },
      { name: 'bob', devices: [generate(3, 45)] },
      { name: 'cy', devices: [generate(3, 45)] },
      { name: 'dee', devices: [generate(4, 120), generate(5, 10)] },
      { name: 'eve', devices: [generate(6, 30, -40)] },
      { name: 'fay', devices: [generate(7, 8)] },
    ];
    for (const plan of plans) {
      const { token } = await registerUser(t.http, plan.name);
      tokens.set(plan.name, token);
      for (const [i, days] of plan.devices.entries()) await upload(t.http, token, toReport(days), { device: `device-${i}` }).expect(200);
      ledgers.set(plan.name, mergeDevices(plan.devices));
    }
  }, 180_000);

  function expectedBoard(from: string, to: string, metric: 'cost' | 'tokens' | Kind = 'cost') {
    const rows = [...ledgers.entries()].map(([username, ledger]) => ({ username, ...sumRange(ledger, from, to) })).filter((r) => r.activeDays > 0);
    const value = (r: (typeof rows)[number]) => (metric === 'cost' ? r.cost : metric === 'tokens' ? r.totalTokens : r[metric]);
    rows.sort((a, b) => value(b) - value(a) || (a.username < b.username ? -1 : 1));
    return rows.map((r) => ({
      rank: rows.findIndex((o) => value(o) === value(r)) + 1,
      username: r.username,
      displayName: null,
      // The ranked metric as the API prints it: cost with four places, tokens as an integer.
      value: metric === 'cost' ? money(r.cost) : String(value(r)),
      inputTokens: r.inputTokens,
      outputTokens: r.outputTokens,
      cacheCreationTokens: r.cacheCreationTokens,
      cacheReadTokens: r.cacheReadTokens,
      totalTokens: r.totalTokens,
      totalCost: money(r.cost),
      activeDays: r.activeDays,
    }));
  }

  const strip = (entries: Array<Record<string, unknown>>) => entries.map(({ topModel: _topModel, ...rest }) => rest);

  it.each([
    ['7d', day(-6), TODAY],
    ['30d', day(-29), TODAY],
    ['90d', day(-89), TODAY],
    ['today', TODAY, TODAY],
  ])('ranks users over %s from their uploaded days, ties sharing a rank', async (period, from, to) => {
    const res = await t.http.get('/api/v1/leaderboard').query({ period, limit: 500 }).expect(200);
    const expected = expectedBoard(from, to);
    expect(res.body).toMatchObject({ period, from, to, metric: 'cost', total: expected.length });
    expect(strip(res.body.entries)).toEqual(expected);
  });

  it('shares ranks between equal users (1, 2, 2, 4) ordered by username', async () => {
    const res = await t.http
      .get('/api/v1/leaderboard')
      .query({ from: day(-44), to: TODAY, metric: 'tokens' })
      .expect(200);
    const ranks = res.body.entries.map((e: { rank: number; username: string }) => [e.username, e.rank]);
    const bob = ranks.find((r: [string, number]) => r[0] === 'bob');
    const cy = ranks.find((r: [string, number]) => r[0] === 'cy');
    expect(bob[1]).toBe(cy[1]);
    expect(ranks.indexOf(bob)).toBe(ranks.indexOf(cy) - 1);
    expect(strip(res.body.entries)).toEqual(expectedBoard(day(-44), TODAY, 'tokens'));
    const next = ranks[ranks.indexOf(cy) + 1];
    if (next) expect(next[1]).toBe(cy[1] + 2);
  });

  it.each(['input', 'output', 'cacheCreation', 'cacheRead'] as const)('ranks by %s tokens', async (metric) => {
    const res = await t.http.get('/api/v1/leaderboard').query({ period: '90d', metric }).expect(200);
    expect(strip(res.body.entries)).toEqual(expectedBoard(day(-89), TODAY, `${metric}Tokens`));
  });

  it('ranks all time, the current month and year, and pages with limit and offset', async () => {
    const all = await t.http.get('/api/v1/leaderboard').query({ period: 'all' }).expect(200);
    expect(strip(all.body.entries)).toEqual(expectedBoard('0000-01-01', '9999-12-31'));
    const monthStart = `${TODAY.slice(0, 7)}-01`;
    const month = await t.http.get('/api/v1/leaderboard').query({ period: 'month' }).expect(200);
    expect(month.body.from).toBe(monthStart);
    expect(strip(month.body.entries)).toEqual(expectedBoard(monthStart, TODAY));
    const year = await t.http.get('/api/v1/leaderboard').query({ period: 'year' }).expect(200);
    expect(strip(year.body.entries)).toEqual(expectedBoard(`${TODAY.slice(0, 4)}-01-01`, TODAY));
    const page = await t.http.get('/api/v1/leaderboard').query({ period: 'all', limit: 2, offset: 2 }).expect(200);
    expect(strip(page.body.entries)).toEqual(expectedBoard('0000-01-01', '9999-12-31').slice(2, 4));
    expect(page.body.total).toBe(6);
  });

  it("names each entry's model with the most cost in the range", async () => {
    const res = await t.http.get('/api/v1/leaderboard').query({ period: '30d' }).expect(200);
    for (const entry of res.body.entries) {
      const costs = new Map<string, number>();
      for (const d of ledgers.get(entry.username)!.values()) {
        if (d.date < day(-29)) continue;
        for (const m of d.models) costs.set(m.modelName, (costs.get(m.modelName) ?? 0) + m.cost);
      }
      const best = [...costs.entries()].sort((a, b) => b[1] - a[1])[0][0];
      expect({ user: entry.username, top: entry.topModel }).toEqual({ user: entry.username, top: best });
    }
  });

  it("gives a user's usage by day, ISO week and month, with models", async () => {
    const ledger = ledgers.get('dee')!;
    const from = day(-100);
    const to = TODAY;
    for (const granularity of ['day', 'week', 'month'] as const) {
      const res = await t.http.get('/api/v1/users/dee/usage').query({ from, to, granularity }).expect(200);
      const bucketOf = (d: string) => (granularity === 'day' ? d : granularity === 'week' ? isoMonday(d) : `${d.slice(0, 7)}-01`);
      const buckets = new Map<string, GenDay[]>();
      for (const d of ledger.values()) if (d.date >= from && d.date <= to) buckets.set(bucketOf(d.date), [...(buckets.get(bucketOf(d.date)) ?? []), d]);
      const expected = [...buckets.entries()].sort().map(([label, days]) => {
        const merged = mergeDevices([days]);
        const s = sumRange(merged, '0000-01-01', '9999-12-31');
        const models = new Map<string, GenModel>();
        for (const d of days)
          for (const m of d.models) {
            const seen = models.get(m.modelName);
            if (!seen) models.set(m.modelName, structuredClone(m));
            else {
              for (const k of KINDS) seen[k] += m[k];
              seen.cost += m.cost;
            }
          }
        return {
          date: label,
          activeDays: s.activeDays,
          inputTokens: s.inputTokens,
          outputTokens: s.outputTokens,
          cacheCreationTokens: s.cacheCreationTokens,
          cacheReadTokens: s.cacheReadTokens,
          totalTokens: s.totalTokens,
          totalCost: money(s.cost),
          models: [...models.values()]
            .sort((a, b) => b.cost - a.cost || (a.modelName < b.modelName ? -1 : 1))
            .map((m) => ({
              model: m.modelName,
              provider: m.modelName.startsWith('gpt') ? 'openai' : 'anthropic',
              inputTokens: m.inputTokens,
              outputTokens: m.outputTokens,
              cacheCreationTokens: m.cacheCreationTokens,
              cacheReadTokens: m.cacheReadTokens,
              totalTokens: KINDS.reduce((s2, k) => s2 + m[k], 0),
              cost: money(m.cost),
            })),
        };
      });
      expect({ granularity, rows: res.body.rows }).toEqual({ granularity, rows: expected });
      if (granularity === 'week') for (const r of res.body.rows) expect(new Date(`${r.date}T00:00:00Z`).getUTCDay()).toBe(1);
    }
    const bare = await t.http.get('/api/v1/users/dee/usage').query({ granularity: 'month', models: 'false' }).expect(200);
    expect(bare.body.rows[0]).not.toHaveProperty('models');
  });

  it('serves the same numbers as CSV (RFC 4180, header row) as JSON', async () => {
    const json = await t.http.get('/api/v1/leaderboard').query({ period: '30d' }).expect(200);
    const csv = await t.http.get('/api/v1/leaderboard').query({ period: '30d' }).set('Accept', 'text/csv').expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.text.split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines[0]).toBe(
      'rank,username,inputTokens,outputTokens,cacheCreationTokens,cacheReadTokens,totalTokens,totalCost,activeDays,topModel,value,displayName',
    );
    expect(lines.slice(1, -1)).toEqual(
      json.body.entries.map((e: Record<string, unknown>) =>
        [
          e.rank,
          e.username,
          e.inputTokens,
          e.outputTokens,
          e.cacheCreationTokens,
          e.cacheReadTokens,
          e.totalTokens,
          e.totalCost,
          e.activeDays,
          e.topModel,
          e.value,
          e.displayName ?? '',
        ].join(','),
      ),
    );
    const usersCsv = await t.http.get('/api/v1/users').query({ format: 'csv', sort: 'totalCost' }).expect(200);
    const usersJson = await t.http.get('/api/v1/users').query({ sort: 'totalCost' }).expect(200);
    expect(
      usersCsv.text
        .split('\r\n')
        .slice(1, -1)
        .map((l: string) => l.split(',')[0]),
    ).toEqual(usersJson.body.users.map((u: { username: string }) => u.username));
  });

  it("pages every user's daily rows with a cursor, and streams them all as CSV", async () => {
    const from = day(-59);
    const expected = [...ledgers.entries()]
      .flatMap(([username, ledger]) => [...ledger.values()].filter((d) => d.date >= from).map((d) => `${d.date},${username},${d.totalTokens},${money(d.cost)}`))
      .sort();
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await t.http
        .get('/api/v1/usage')
        .query({ from, to: TODAY, limit: 37, ...(cursor ? { cursor } : {}) })
        .expect(200);
      for (const r of res.body.rows) seen.push(`${r.date},${r.username},${r.totalTokens},${r.totalCost}`);
      cursor = res.body.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThan(2);
    expect([...seen].sort()).toEqual(expected);
    expect(seen).toEqual([...seen].sort((a, b) => a.slice(0, 10).localeCompare(b.slice(0, 10)) || 0)); // date order
    const csv = await t.http.get('/api/v1/usage').query({ from, to: TODAY, format: 'csv' }).expect(200);
    const rows = csv.text
      .split('\r\n')
      .slice(1, -1)
      .map((l: string) => {
        const f = l.split(',');
        return `${f[1]},${f[0]},${f[6]},${f[7]}`;
      });
    expect(rows.sort()).toEqual(expected);
    const one = await t.http.get('/api/v1/usage').query({ from, to: TODAY, username: 'fay' }).expect(200);
    expect(one.body.rows).toHaveLength(8);
  });

  it("answers the spec's weekly stats: the last 7 days, newest first, then by username", async () => {
    const res = await t.http.get('/api/v1/usage/weekly').expect(200);
    const expected = [...ledgers.entries()]
      .flatMap(([username, ledger]) =>
        [...ledger.values()].filter((d) => d.date >= day(-6)).map((d) => ({ username, date: d.date, totalCost: money(d.cost), totalTokens: d.totalTokens })),
      )
      .sort((a, b) => (a.date === b.date ? (a.username < b.username ? -1 : 1) : a.date < b.date ? 1 : -1));
    expect(res.body).toMatchObject({ from: day(-6), to: TODAY, total: expected.length });
    expect(res.body.rows).toEqual(expected);
  });

  it('gives model and provider breakdowns with distinct users and cost shares', async () => {
    const from = day(-29);
    const res = await t.http.get('/api/v1/models').query({ from, to: TODAY }).expect(200);
    const per = new Map<string, { users: Set<string>; days: Set<string>; cost: number; input: number; total: number }>();
    for (const [username, ledger] of ledgers)
      for (const d of ledger.values()) {
        if (d.date < from) continue;
        for (const m of d.models) {
          const p = per.get(m.modelName) ?? { users: new Set(), days: new Set(), cost: 0, input: 0, total: 0 };
          p.users.add(username);
          p.days.add(d.date);
          p.cost += m.cost;
          p.input += m.inputTokens;
          p.total += KINDS.reduce((s, k) => s + m[k], 0);
          per.set(m.modelName, p);
        }
      }
    const allCost = [...per.values()].reduce((s, p) => s + p.cost, 0);
    const expected = [...per.entries()]
      .sort((a, b) => b[1].cost - a[1].cost)
      .map(([model, p]) => ({ model, users: p.users.size, activeDays: p.days.size, inputTokens: p.input, totalTokens: p.total, cost: money(p.cost) }));
    expect(
      res.body.models.map((m: Record<string, unknown>) => ({
        model: m.model,
        users: m.users,
        activeDays: m.activeDays,
        inputTokens: m.inputTokens,
        totalTokens: m.totalTokens,
        cost: m.cost,
      })),
    ).toEqual(expected);
    for (const m of res.body.models) expect(m.costShare).toBeCloseTo(per.get(m.model)!.cost / allCost, 5);
    const providers = await t.http.get('/api/v1/providers').query({ from, to: TODAY }).expect(200);
    const openai = providers.body.providers.find((p: { provider: string }) => p.provider === 'openai');
    expect(openai.cost).toBe(money(per.get('gpt-5-codex')?.cost ?? 0));
    expect(openai.users).toBe(per.get('gpt-5-codex')?.users.size ?? 0);
  });

  it("gives one model's series by week with distinct users per week", async () => {
    const model = 'claude-sonnet-4-5-20250929';
    const res = await t.http
      .get(`/api/v1/models/${model}/usage`)
      .query({ from: day(-60), to: TODAY, granularity: 'week' })
      .expect(200);
    const weeks = new Map<string, { users: Set<string>; input: number; cost: number }>();
    for (const [username, ledger] of ledgers)
      for (const d of ledger.values()) {
        if (d.date < day(-60)) continue;
        const m = d.models.find((x) => x.modelName === model);
        if (!m) continue;
        const w = weeks.get(isoMonday(d.date)) ?? { users: new Set(), input: 0, cost: 0 };
        w.users.add(username);
        w.input += m.inputTokens;
        w.cost += m.cost;
        weeks.set(isoMonday(d.date), w);
      }
    expect(res.body.rows.map((r: Record<string, unknown>) => [r.date, r.users, r.inputTokens, r.cost])).toEqual(
      [...weeks.entries()].sort().map(([w, v]) => [w, v.users.size, v.input, money(v.cost)]),
    );
  });

  it('summarises a range: users, active users, days, totals, top model and top user', async () => {
    const from = day(-29);
    const res = await t.http.get('/api/v1/stats/summary').query({ from, to: TODAY }).expect(200);
    const board = expectedBoard(from, TODAY);
    const days = new Set([...ledgers.values()].flatMap((l) => [...l.keys()].filter((d) => d >= from)));
    const tokensSum = board.reduce((s, b) => s + b.totalTokens, 0);
    expect(res.body).toMatchObject({
      from,
      to: TODAY,
      users: 6,
      activeUsers: board.length,
      days: days.size,
      topUser: { username: board[0].username, totalCost: board[0].totalCost },
    });
    expect(res.body.totals.totalTokens).toBe(tokensSum);
    // Only ccusage uploads here: telemetry's activity is empty (test/telemetry/activity-leaderboard.spec.ts has it).
    const none = {
      sessions: 0,
      linesAdded: 0,
      linesRemoved: 0,
      commits: 0,
      pullRequests: 0,
      activeTime: 0,
      apiRequests: 0,
      apiErrors: 0,
      users: 0,
      withheld: false,
    };
    expect(res.body.activity).toEqual(none);
    const models = await t.http.get('/api/v1/models').query({ from, to: TODAY }).expect(200);
    expect(res.body.topModel).toEqual({
      model: models.body.models[0].model,
      provider: models.body.models[0].provider,
      cost: models.body.models[0].cost,
      costWithheld: false,
    });
  });

  it('lists users with totals, filtered by prefix and sorted', async () => {
    const res = await t.http.get('/api/v1/users').query({ q: 'D', sort: 'totalTokens' }).expect(200);
    expect(res.body.users.map((u: { username: string }) => u.username)).toEqual(['dee']);
    const all = await t.http.get('/api/v1/users').query({ sort: 'totalCost', limit: 500 }).expect(200);
    const expected = expectedBoard('0000-01-01', '9999-12-31').map((b) => [b.username, b.totalCost, b.totalTokens, b.activeDays]);
    expect(all.body.users.map((u: Record<string, unknown>) => [u.username, u.totalCost, u.totalTokens, u.activeDays])).toEqual(expected);
    const last = await t.http.get('/api/v1/users').query({ sort: 'lastDate' }).expect(200);
    expect(last.body.users.at(-1).username).toBe('eve');
  });

  it("gives a user's profile: totals, last 7 and 30 days, top models and devices", async () => {
    const res = await t.http.get('/api/v1/users/ada').expect(200);
    const ledger = ledgers.get('ada')!;
    const all = sumRange(ledger, '0000-01-01', '9999-12-31');
    const w = sumRange(ledger, day(-6), TODAY);
    const m = sumRange(ledger, day(-29), TODAY);
    expect(res.body).toMatchObject({
      username: 'ada',
      firstDate: day(-69),
      lastDate: TODAY,
      activeDays: all.activeDays,
      totals: { totalTokens: all.totalTokens, totalCost: money(all.cost) },
      last7Days: { totalTokens: w.totalTokens, totalCost: money(w.cost), activeDays: w.activeDays },
      last30Days: { totalTokens: m.totalTokens, totalCost: money(m.cost), activeDays: m.activeDays },
      devices: [
        { device: 'device-0', days: 70, lastUpload: expect.any(String) },
        { device: 'device-1', days: 20, lastUpload: expect.any(String) },
      ],
    });
    const shares = res.body.topModels.reduce((s: number, x: { costShare: number }) => s + x.costShare, 0);
    expect(shares).toBeCloseTo(1, 4);
  });

  describe('HTTP caching', () => {
    it.each(['/api/v1/leaderboard?period=30d', '/api/v1/stats/summary'])('%s: ETag, Cache-Control, 304 on If-None-Match', async (url) => {
      const first = await t.http.get(url).expect(200);
      expect(first.headers['cache-control']).toMatch(/max-age=\d+/);
      const etag = first.headers.etag;
      expect(etag).toMatch(/^".+"$/);
      const again = await t.http.get(url).set('If-None-Match', etag).expect(304);
      expect(again.text ?? '').toBe('');
      await t.http.get(url).set('If-None-Match', '"something-else"').expect(200);
    });

    it('changes the ETag when the numbers change', async () => {
      const before = (await t.http.get('/api/v1/stats/summary').expect(200)).headers.etag;
      await upload(t.http, tokens.get('fay'), toReport(generate(99, 1)), { device: 'extra' }).expect(200);
      ledgers.set('fay', mergeDevices([[...ledgers.get('fay')!.values()], generate(99, 1)]));
      const after = (await t.http.get('/api/v1/stats/summary').expect(200)).headers.etag;
      expect(after).not.toBe(before);
    });
  });

  describe('bad parameters', () => {
    it.each([
      ['/api/v1/leaderboard?period=fortnight', 'period'],
      ['/api/v1/leaderboard?metric=vibes', 'metric'],
      ['/api/v1/leaderboard?limit=0', 'limit'],
      ['/api/v1/leaderboard?limit=501', 'limit'],
      ['/api/v1/leaderboard?offset=-1', 'offset'],
      ['/api/v1/leaderboard?from=2025-02-30&to=2025-03-01', 'from'],
      ['/api/v1/leaderboard?from=2025-06-10&to=2025-06-01', 'from'],
      ['/api/v1/leaderboard?from=2010-01-01&to=2025-01-01', 'to'],
      ['/api/v1/leaderboard?from=2025-06-01', 'to'],
      ['/api/v1/users/ada/usage?granularity=hour', 'granularity'],
      ['/api/v1/users/ada/usage?models=maybe', 'models'],
      ['/api/v1/users/ada/usage?from=20250601', 'from'],
      ['/api/v1/models?from=2025-06-01&to=2025-05-01', 'from'],
      ['/api/v1/users?sort=age', 'sort'],
      ['/api/v1/users?limit=1000', 'limit'],
      ['/api/v1/usage?cursor=bm9wZQ', 'cursor'],
      ['/api/v1/usage/weekly?limit=abc', 'limit'],
      ['/api/v1/stats/summary?to=2025-01-01', 'from'],
      ['/api/v1/leaderboard?format=xml', 'format'],
    ])('%s → 400 naming %s', async (url, param) => {
      const res = await t.http.get(url).expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(param);
    });

    it.each([
      '/api/v1/users/nobody',
      '/api/v1/users/nobody/usage',
      '/api/v1/models/no-such-model/usage',
      '/api/v1/usage?username=nobody',
      '/api/v1/usage?username=nobody&format=csv',
    ])('%s → 404', async (url) => {
      const res = await t.http.get(url).expect(404);
      expect(res.body.status).toBe(404);
    });
  });

  describe('READ_ACCESS=token', () => {
    let locked: TestApp;
    beforeAll(async () => {
      locked = await startApp(db, { LOG_LEVEL: 'warn', READ_ACCESS: 'token', ADMIN_TOKEN: 'reader-admin-token-of-the-stats-tests' });
    });
    afterAll(async () => {
      await locked?.close();
    });

    it.each([
      '/api/v1/leaderboard',
      '/api/v1/users',
      '/api/v1/users/ada',
      '/api/v1/users/ada/usage',
      '/api/v1/models',
      '/api/v1/providers',
      '/api/v1/stats/summary',
      '/api/v1/usage',
      '/api/v1/usage/weekly',
    ])('%s needs a token', async (url) => {
      await locked.http.get(url).expect(401);
      await locked.http
        .get(url)
        .set('Authorization', `Bearer ${tokens.get('bob')}`)
        .expect(200);
      await locked.http.get(url).set('Authorization', 'Bearer reader-admin-token-of-the-stats-tests').expect(200);
    });

    it('marks cached answers private', async () => {
      const res = await locked.http
        .get('/api/v1/stats/summary')
        .set('Authorization', `Bearer ${tokens.get('bob')}`)
        .expect(200);
      expect(res.headers['cache-control']).toMatch(/^private/);
    });
  });
});
