import { addDays, utcDay } from '../../src/common/dates.js';
import { addCosts } from '../../src/common/decimal.js';
import { PERIODS, periodRange } from '../../src/read-model/periods.js';
import { RankingIndexService } from '../../src/read-model/ranking-index.service.js';
import { METRICS, type Metric } from '../../src/read-model/sums.js';
import { StatsService } from '../../src/usage/stats.service.js';
import { registerUser, upload } from '../helpers/api.js';
import { fixture } from '../helpers/ccusage.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

/**
 * The reads the web dashboard is built on: leaderboard sparklines, a user's ranks in every period,
 * the community series and the models' series. Each is checked against other endpoints' answers
 * over the same data (real ccusage samples, some moved to recent days), on the in-memory ranking
 * index and on RANKING_INDEX=false where ranking is involved.
 */

const TODAY = utcDay(new Date());
const FIRST = '2025-06-01';
const TOKEN_FIELD: Record<Exclude<Metric, 'cost'>, string> = {
  tokens: 'totalTokens',
  input: 'inputTokens',
  output: 'outputTokens',
  cacheCreation: 'cacheCreationTokens',
  cacheRead: 'cacheReadTokens',
};
const KINDS = ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens', 'totalTokens'] as const;

type Row = Record<string, unknown> & { date?: string; period?: string };

/** A real report with its days moved so that the last one is `lastDay` (the numbers untouched). */
function redated(name: string, lastDay: string): unknown {
  const report = structuredClone(fixture(name)) as { daily: Row[] };
  const days = [...new Set(report.daily.map((r) => (r.date ?? r.period)!))].sort();
  const moved = new Map(days.map((d, i) => [d, addDays(lastDay, i - (days.length - 1))]));
  for (const row of report.daily) {
    if (row.date) row.date = moved.get(row.date);
    if (row.period) row.period = moved.get(row.period);
  }
  return report;
}

/** A metric's value in an answer's row: cost as its 4-place string, tokens as an integer string. */
const valueOf = (row: Record<string, unknown>, metric: Metric, costField = 'totalCost') =>
  metric === 'cost' ? (row[costField] as string) : String(row[TOKEN_FIELD[metric]]);
const zero = (metric: Metric) => (metric === 'cost' ? '0.0000' : '0');

interface DailyRow {
  username: string;
  date: string;
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  totalTokens: number;
  totalCost: string;
}

const isoMonday = (date: string) => addDays(date, -((new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7));
const bucketOf = (granularity: string, date: string) => (granularity === 'day' ? date : granularity === 'week' ? isoMonday(date) : `${date.slice(0, 7)}-01`);

describe('dashboard reads', () => {
  let db: TestDatabase;
  /** Ranks from the in-memory index. */
  let a: TestApp;
  /** Ranks in SQL. */
  let s: TestApp;
  const names = ['dash-a', 'dash-b', 'dash-c', 'dash-d', 'dash-e', 'dash-f', 'dash-g'];

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startApp(db, { LOG_LEVEL: 'warn' });
    s = await startApp(db, { LOG_LEVEL: 'warn', RANKING_INDEX: 'false' });
    const tokens = new Map<string, string>();
    for (const name of names) tokens.set(name, (await registerUser(a.http, name)).token);
    const uploads: Array<[string, unknown]> = [
      ['dash-a', redated('daily.json', TODAY)],
      ['dash-a', fixture('daily.json')],
      ['dash-b', redated('claude-daily-breakdown.json', addDays(TODAY, -20))],
      ['dash-b', redated('heavy-daily.json', addDays(TODAY, -44))],
      // Identical usage: a tie in every metric and period.
      ['dash-c', redated('mixed-claude-codex-daily.json', addDays(TODAY, -1))],
      ['dash-d', redated('mixed-claude-codex-daily.json', addDays(TODAY, -1))],
      ['dash-e', fixture('heavy-claude-daily.json')],
      ['dash-e', redated('daily-by-agent.json', addDays(TODAY, -60))],
      ['dash-g', redated('claude-daily.json', addDays(TODAY, -100))],
      // dash-f uploads nothing: no rank anywhere.
    ];
    for (const [i, [name, report]] of uploads.entries()) await upload(a.http, tokens.get(name), report, { device: `device-${i}` }).expect(200);
    const service = a.app.get(RankingIndexService);
    await service.sync();
    await service.sync();
    expect(await service.current()).toBeDefined();
  }, 180_000);

  afterAll(async () => {
    await a?.close();
    await s?.close();
    await db?.drop();
  });

  const apps = () =>
    [
      ['index', a],
      ['sql', s],
    ] as const;

  /** Every user's daily rows in a range, from the export (all pages). */
  async function dailyRows(from: string, to: string): Promise<DailyRow[]> {
    const rows: DailyRow[] = [];
    let cursor: string | undefined;
    do {
      const res = await a.http
        .get('/api/v1/usage')
        .query({ from, to, limit: 5000, ...(cursor ? { cursor } : {}) })
        .expect(200);
      rows.push(...(res.body.rows as DailyRow[]));
      cursor = res.body.nextCursor ?? undefined;
    } while (cursor);
    return rows;
  }

  describe('leaderboard sparklines', () => {
    it("give each entry its metric on each of the last 30 days, equal to the user's own daily usage", async () => {
      const from = addDays(TODAY, -29);
      const usage = new Map<string, Array<Record<string, unknown>>>();
      for (const name of names) {
        const res = await a.http.get(`/api/v1/users/${name}/usage`).query({ from, to: TODAY, granularity: 'day', models: 'false' }).expect(200);
        usage.set(name, res.body.rows);
      }
      let lines = 0;
      let nonZero = 0;
      for (const [, t] of apps()) {
        for (const metric of METRICS) {
          for (const period of ['30d', 'all', '7d']) {
            const res = await t.http.get('/api/v1/leaderboard').query({ period, metric, sparklines: 'true', limit: 500 }).expect(200);
            expect(res.body.entries.length).toBeGreaterThan(0);
            for (const entry of res.body.entries as Array<Record<string, unknown> & { username: string; last30Days: string[] }>) {
              const byDay = new Map((usage.get(entry.username) ?? []).map((r) => [r.date as string, valueOf(r, metric)]));
              const expected = Array.from({ length: 30 }, (_, i) => byDay.get(addDays(from, i)) ?? zero(metric));
              expect({ user: entry.username, metric, line: entry.last30Days }).toEqual({ user: entry.username, metric, line: expected });
              // Over 30d the line adds up to the entry's own value.
              if (period === '30d') {
                const sum = metric === 'cost' ? addCosts(entry.last30Days) : String(entry.last30Days.reduce((n, v) => n + Number(v), 0));
                expect(sum).toBe(valueOf(entry, metric));
              }
              lines++;
              nonZero += entry.last30Days.filter((v) => v !== zero(metric)).length;
            }
          }
        }
      }
      expect(lines).toBeGreaterThan(50);
      expect(nonZero).toBeGreaterThan(50);
    });

    it('are the same from the index and from SQL, on any page, and absent unless asked for', async () => {
      for (const query of [
        { period: 'all', metric: 'tokens', limit: 2, offset: 1 },
        { period: '90d', metric: 'cost', limit: 500 },
        { from: addDays(TODAY, -50), to: addDays(TODAY, -10), metric: 'cacheRead', limit: 3 },
      ]) {
        const fromIndex = await a.http
          .get('/api/v1/leaderboard')
          .query({ ...query, sparklines: 'true' })
          .expect(200);
        const fromSql = await s.http
          .get('/api/v1/leaderboard')
          .query({ ...query, sparklines: 'true' })
          .expect(200);
        expect(fromIndex.body).toEqual(fromSql.body);
        for (const e of fromIndex.body.entries) expect(e.last30Days).toHaveLength(30);
        const plain = await a.http.get('/api/v1/leaderboard').query(query).expect(200);
        const off = await a.http
          .get('/api/v1/leaderboard')
          .query({ ...query, sparklines: 'false' })
          .expect(200);
        for (const e of [...plain.body.entries, ...off.body.entries]) expect(e).not.toHaveProperty('last30Days');
        expect(plain.body.entries).toEqual(fromIndex.body.entries.map(({ last30Days: _line, ...rest }: Record<string, unknown>) => rest));
      }
    });

    it('are part of the coalescing key: concurrent requests with and without get their own answers', async () => {
      const [withLines, without] = await Promise.all([
        a.http.get('/api/v1/leaderboard').query({ period: '30d', sparklines: 'true' }),
        a.http.get('/api/v1/leaderboard').query({ period: '30d' }),
      ]);
      expect(withLines.body.entries[0].last30Days).toHaveLength(30);
      expect(without.body.entries[0]).not.toHaveProperty('last30Days');
    });

    it('leave the CSV as it was and refuse anything but true or false', async () => {
      const plain = await a.http.get('/api/v1/leaderboard').query({ period: 'all', format: 'csv' }).expect(200);
      const asked = await a.http.get('/api/v1/leaderboard').query({ period: 'all', format: 'csv', sparklines: 'true' }).expect(200);
      expect(asked.text).toBe(plain.text);
      for (const bad of ['yes', 'TRUE', '1', '']) {
        const res = await a.http.get('/api/v1/leaderboard').query({ sparklines: bad }).expect(400);
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(res.body.errors).toEqual([expect.objectContaining({ path: 'sparklines', in: 'query' })]);
      }
    });
  });

  describe("a user's ranks", () => {
    it("equal each period's leaderboard, on the index and in SQL, for every metric", async () => {
      let ranked = 0;
      for (const [label, t] of apps()) {
        for (const metric of METRICS) {
          const boards = new Map<string, { from: string | null; to: string | null; total: number; entries: Array<Record<string, unknown>> }>();
          for (const period of PERIODS) boards.set(period, (await t.http.get('/api/v1/leaderboard').query({ period, metric, limit: 500 }).expect(200)).body);
          for (const name of names) {
            const res = await t.http.get(`/api/v1/users/${name}/ranks`).query({ metric }).expect(200);
            expect(res.body.username).toBe(name);
            expect(res.body.metric).toBe(metric);
            expect(res.body.ranks.map((r: { period: string }) => r.period)).toEqual([...PERIODS]);
            for (const r of res.body.ranks) {
              const board = boards.get(r.period)!;
              const entry = board.entries.find((e) => e.username === name);
              const expected = {
                period: r.period,
                from: board.from,
                to: board.to,
                rank: entry ? entry.rank : null,
                total: board.total,
                value: entry ? valueOf(entry, metric) : zero(metric),
              };
              expect({ label, name, metric, ...r }).toEqual({ label, name, metric, ...expected });
              if (entry) ranked++;
            }
          }
        }
      }
      expect(ranked).toBeGreaterThan(2 * METRICS.length * 20);
    });

    it('come from the index for every named period, and its rankOf agrees with SQL', async () => {
      const index = (await a.app.get(RankingIndexService).current())!;
      const stats = a.app.get(StatsService);
      const ids = await db.query<{ id: number; username: string }>('SELECT id, username FROM users');
      for (const { id, username } of ids) {
        for (const period of PERIODS) {
          for (const metric of METRICS) {
            const range = periodRange(period, TODAY);
            const fromIndex = index.rankOf(range, metric, id);
            expect(fromIndex).toBeDefined();
            expect({ username, period, metric, ...fromIndex }).toEqual({ username, period, metric, ...(await stats.rankOfInSql(range, metric, id)) });
          }
        }
      }
    });

    it('share a rank between tied users and say null without data', async () => {
      const c = (await a.http.get('/api/v1/users/dash-c/ranks').expect(200)).body.ranks;
      const d = (await a.http.get('/api/v1/users/DASH-D/ranks').expect(200)).body.ranks;
      expect(c.find((r: { period: string }) => r.period === '7d').rank).not.toBeNull();
      expect(d).toEqual(c);
      const f = (await a.http.get('/api/v1/users/dash-f/ranks').query({ metric: 'tokens' }).expect(200)).body;
      expect(f.ranks.every((r: { rank: number | null; value: string }) => r.rank === null && r.value === '0')).toBe(true);
      expect(f.ranks.find((r: { period: string }) => r.period === 'all').total).toBe(6);
    });

    it('answer 404 for an unknown user and 400 for a bad metric or name', async () => {
      const missing = await a.http.get('/api/v1/users/nobody-here/ranks').expect(404);
      expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
      const metric = await a.http.get('/api/v1/users/dash-a/ranks').query({ metric: 'Cost' }).expect(400);
      expect(metric.body.errors).toEqual([expect.objectContaining({ path: 'metric', in: 'query' })]);
      await a.http.get('/api/v1/users/-bad-/ranks').expect(400);
    });

    it('carry cache headers and answer 304 to a matching If-None-Match', async () => {
      const first = await a.http.get('/api/v1/users/dash-a/ranks').expect(200);
      expect(first.headers['cache-control']).toMatch(/max-age=/);
      await a.http.get('/api/v1/users/dash-a/ranks').set('If-None-Match', first.headers.etag).expect(304);
    });
  });

  describe('the community series', () => {
    const sumRows = (rows: DailyRow[]) => ({
      inputTokens: rows.reduce((n, r) => n + r.inputTokens, 0),
      outputTokens: rows.reduce((n, r) => n + r.outputTokens, 0),
      cacheCreationTokens: rows.reduce((n, r) => n + r.cacheCreationTokens, 0),
      cacheReadTokens: rows.reduce((n, r) => n + r.cacheReadTokens, 0),
      totalTokens: rows.reduce((n, r) => n + r.totalTokens, 0),
      totalCost: addCosts(rows.map((r) => r.totalCost)),
    });

    /** What the series should be: every user's daily rows (the export), grouped by bucket. */
    async function expectedSeries(from: string, to: string, granularity: string) {
      const buckets = new Map<string, DailyRow[]>();
      for (const row of await dailyRows(from, to)) {
        const key = bucketOf(granularity, row.date);
        buckets.set(key, [...(buckets.get(key) ?? []), row]);
      }
      return [...buckets.keys()].sort().map((date) => {
        const rows = buckets.get(date)!;
        return { date, activeUsers: new Set(rows.map((r) => r.username)).size, ...sumRows(rows), withheld: false, costWithheld: false };
      });
    }

    it.each(['day', 'week', 'month'])('sums every user per %s, with distinct active users, and adds up to the summary', async (granularity) => {
      for (const [from, to] of [
        [FIRST, TODAY],
        [addDays(TODAY, -50), addDays(TODAY, -3)],
        ['2025-06-04', '2025-07-14'],
      ]) {
        const res = await a.http.get('/api/v1/stats/series').query({ from, to, granularity }).expect(200);
        expect(res.body).toEqual({ from, to, granularity, rows: await expectedSeries(from, to, granularity) });
        expect(res.body.rows.length).toBeGreaterThan(0);
        const summary = (await a.http.get('/api/v1/stats/summary').query({ from, to }).expect(200)).body;
        const { date: _d, activeUsers: _u, withheld: _w, costWithheld: _c, ...sums } = res.body.rows[0];
        const total = Object.fromEntries(
          Object.keys(sums).map((k) => [
            k,
            k === 'totalCost'
              ? addCosts(res.body.rows.map((r: DailyRow) => r.totalCost))
              : res.body.rows.reduce((n: number, r: DailyRow) => n + (r[k as keyof DailyRow] as number), 0),
          ]),
        );
        expect({ ...total, withheld: false, costWithheld: false }).toEqual(summary.totals);
      }
    });

    it('defaults to whole recent buckets ending today', async () => {
      const monday = isoMonday(TODAY);
      const months = Number(TODAY.slice(0, 4)) * 12 + Number(TODAY.slice(5, 7)) - 12;
      const defaults: Record<string, string> = {
        day: addDays(TODAY, -89),
        week: addDays(monday, -84),
        month: `${Math.floor(months / 12)}-${String((months % 12) + 1).padStart(2, '0')}-01`,
      };
      for (const [granularity, from] of Object.entries(defaults)) {
        const res = await a.http
          .get('/api/v1/stats/series')
          .query(granularity === 'day' ? {} : { granularity })
          .expect(200);
        expect(res.body).toEqual({ from, to: TODAY, granularity, rows: await expectedSeries(from, TODAY, granularity) });
      }
    });

    it('answers CSV and refuses bad parameters', async () => {
      const csv = await a.http.get('/api/v1/stats/series').query({ from: FIRST, to: TODAY, format: 'csv' }).expect(200);
      expect(csv.text.split('\r\n')[0]).toBe(
        'date,activeUsers,inputTokens,outputTokens,cacheCreationTokens,cacheReadTokens,totalTokens,totalCost,withheld,costWithheld',
      );
      for (const [query, path] of [
        [{ from: FIRST }, 'to'],
        [{ to: TODAY }, 'from'],
        [{ from: TODAY, to: FIRST }, 'from'],
        [{ from: '2000-01-01', to: '2025-01-01' }, 'to'],
        [{ granularity: 'year' }, 'granularity'],
        [{ from: '2025-02-30', to: TODAY }, 'from'],
      ] as const) {
        const res = await a.http.get('/api/v1/stats/series').query(query).expect(400);
        expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
      }
    });
  });

  describe("the models' series", () => {
    interface Listed {
      cost: string;
      totalTokens: number;
      provider: string;
      model?: string;
    }

    /** One model's rows (its own series endpoint), as the models' series lists them. */
    async function modelRows(model: string, from: string, to: string, granularity: string) {
      const res = await a.http
        .get(`/api/v1/models/${encodeURIComponent(model)}/usage`)
        .query({ from, to, granularity })
        .expect(200);
      return (res.body.rows as Array<Record<string, unknown>>).map((r) => ({
        date: r.date as string,
        ...Object.fromEntries(KINDS.map((k) => [k, r[k] as number])),
        cost: r.cost as string,
        withheld: false,
        costWithheld: false,
      }));
    }

    /** Rows of several series added up per bucket. */
    function added(lists: Array<Array<Record<string, unknown> & { date: string; cost: string }>>) {
      const buckets = new Map<string, Array<Record<string, unknown> & { cost: string }>>();
      for (const row of lists.flat()) buckets.set(row.date, [...(buckets.get(row.date) ?? []), row]);
      return [...buckets.keys()].sort().map((date) => {
        const rows = buckets.get(date)!;
        return {
          date,
          ...Object.fromEntries(KINDS.map((k) => [k, rows.reduce((n, r) => n + (r[k] as number), 0)])),
          cost: addCosts(rows.map((r) => r.cost)),
          withheld: false,
          costWithheld: false,
        };
      });
    }

    const totalsOf = (list: Listed[]) => ({
      totalTokens: list.reduce((n, m) => n + m.totalTokens, 0),
      cost: addCosts(list.map((m) => m.cost)),
      withheld: false,
      costWithheld: false,
    });

    it.each(['day', 'week', 'month'])(
      'by model per %s: the top ones as their own series, the rest as one, equal to each model’s usage',
      async (granularity) => {
        for (const [from, to] of [
          [FIRST, TODAY],
          [addDays(TODAY, -40), TODAY],
        ]) {
          const models = (await a.http.get('/api/v1/models').query({ from, to, limit: 500 }).expect(200)).body.models as Listed[];
          expect(models.length).toBeGreaterThan(3);
          const top = 3;
          const res = await a.http.get('/api/v1/models/series').query({ from, to, granularity, top }).expect(200);
          expect(res.body).toMatchObject({ from, to, granularity, by: 'model' });
          const rows = await Promise.all(models.map((m) => modelRows(m.model!, from, to, granularity)));
          const expected = [
            ...models.slice(0, top).map((m, i) => ({ key: m.model, provider: m.provider, totals: totalsOf([m]), rows: rows[i] })),
            { key: null, provider: null, totals: totalsOf(models.slice(top)), rows: added(rows.slice(top)) },
          ];
          expect(res.body.series).toEqual(expected);
          // Everything: all series together are every model.
          const all = await a.http.get('/api/v1/models/series').query({ from, to, granularity, top: 20 }).expect(200);
          expect(all.body.series.map((x: { key: string }) => x.key)).toEqual(models.map((m) => m.model));
          expect(all.body.series.slice(0, top)).toEqual(expected.slice(0, top));
        }
      },
    );

    it('by provider: the top providers and the rest, equal to /providers and the sums of their models', async () => {
      const [from, to] = [FIRST, TODAY];
      const providers = (await a.http.get('/api/v1/providers').query({ from, to }).expect(200)).body.providers as Listed[];
      const models = (await a.http.get('/api/v1/models').query({ from, to, limit: 500 }).expect(200)).body.models as Listed[];
      expect(providers.length).toBe(2);
      for (const granularity of ['day', 'month']) {
        const res = await a.http.get('/api/v1/models/series').query({ from, to, granularity, by: 'provider', top: 1 }).expect(200);
        const rowsOf = async (provider: string) =>
          added(await Promise.all(models.filter((m) => m.provider === provider).map((m) => modelRows(m.model!, from, to, granularity))));
        expect(res.body).toEqual({
          from,
          to,
          granularity,
          by: 'provider',
          series: [
            { key: providers[0].provider, provider: providers[0].provider, totals: totalsOf([providers[0]]), rows: await rowsOf(providers[0].provider) },
            { key: null, provider: null, totals: totalsOf([providers[1]]), rows: await rowsOf(providers[1].provider) },
          ],
        });
      }
    });

    it('defaults to all time, or to the last 90 days by day', async () => {
      const week = await a.http.get('/api/v1/models/series').query({ granularity: 'week' }).expect(200);
      const summary = (await a.http.get('/api/v1/stats/summary').expect(200)).body;
      expect([week.body.from, week.body.to]).toEqual([summary.from, summary.to]);
      const explicit = await a.http.get('/api/v1/models/series').query({ granularity: 'week', from: summary.from, to: summary.to }).expect(200);
      expect(week.body).toEqual(explicit.body);
      const day = await a.http.get('/api/v1/models/series').expect(200);
      expect(day.body).toEqual(
        (
          await a.http
            .get('/api/v1/models/series')
            .query({ from: addDays(TODAY, -89), to: TODAY })
            .expect(200)
        ).body,
      );
      expect(day.body.series.length).toBeGreaterThan(0);
      // A range without data: no series.
      const empty = await a.http.get('/api/v1/models/series').query({ from: '2024-01-01', to: '2024-01-31' }).expect(200);
      expect(empty.body).toEqual({ from: '2024-01-01', to: '2024-01-31', granularity: 'day', by: 'model', series: [] });
    });

    it('refuses bad parameters', async () => {
      for (const [query, path] of [
        [{ top: '0' }, 'top'],
        [{ top: '21' }, 'top'],
        [{ top: 'x' }, 'top'],
        [{ top: '2.5' }, 'top'],
        [{ by: 'user' }, 'by'],
        [{ granularity: 'hour' }, 'granularity'],
        [{ from: FIRST }, 'to'],
      ] as const) {
        const res = await a.http.get('/api/v1/models/series').query(query).expect(400);
        expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
      }
    });
  });
});
