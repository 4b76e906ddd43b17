import { addDays, utcDay } from '../../src/common/dates.js';
import { type DayRange, PERIODS, periodRange } from '../../src/read-model/periods.js';
import { windowStartFor } from '../../src/read-model/ranking-index.js';
import { RankingIndexService, WINDOW_DAYS } from '../../src/read-model/ranking-index.service.js';
import { METRICS } from '../../src/read-model/sums.js';
import { StatsService } from '../../src/usage/stats.service.js';
import { registerUser, upload } from '../helpers/api.js';
import { fixture } from '../helpers/ccusage.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { seededRandom } from '../helpers/random.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

/**
 * The in-memory ranking index (src/read-model/ranking-index*.ts) against the SQL ranking it
 * replaces, on the same data, and its freshness across two service instances on one database:
 * a read that starts after an upload's (or a deletion's) response, through the other instance,
 * reflects it.
 */

const today = utcDay(new Date());
const MODELS = ['claude-opus-4-1-20250805', 'claude-sonnet-4-20250514', 'claude-3-5-haiku-20241022'];

/** A ccusage daily report over `days` days ending yesterday, some days skipped, with models. */
function report(seed: number, days: number, scale = 1) {
  const next = seededRandom(seed);
  const daily = [];
  for (let i = days; i >= 1; i--) {
    if (next() < 0.3) continue;
    const models = MODELS.filter(() => next() < 0.6);
    const breakdowns = models.map((modelName) => {
      const input = Math.floor(next() * 50_000 * scale);
      const output = Math.floor(next() * 20_000 * scale);
      const cacheCreation = Math.floor(next() * 100_000 * scale);
      const cacheRead = Math.floor(next() * 2_000_000 * scale);
      return {
        modelName,
        inputTokens: input,
        outputTokens: output,
        cacheCreationTokens: cacheCreation,
        cacheReadTokens: cacheRead,
        cost: Math.round(next() * 300_000) / 10_000,
      };
    });
    const sum = (k: 'inputTokens' | 'outputTokens' | 'cacheCreationTokens' | 'cacheReadTokens') => breakdowns.reduce((s, b) => s + b[k], 0);
    daily.push({
      date: utcDay(new Date(), -i),
      inputTokens: sum('inputTokens'),
      outputTokens: sum('outputTokens'),
      cacheCreationTokens: sum('cacheCreationTokens'),
      cacheReadTokens: sum('cacheReadTokens'),
      totalTokens: sum('inputTokens') + sum('outputTokens') + sum('cacheCreationTokens') + sum('cacheReadTokens'),
      totalCost: breakdowns.reduce((s, b) => s + b.cost, 0),
      modelsUsed: models,
      modelBreakdowns: breakdowns,
    });
  }
  return { daily, totals: {} };
}

describe('the in-memory ranking index', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  /** The reference: the same service ranking in SQL. */
  let sqlApp: TestApp;
  const users: Array<{ username: string; token: string }> = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startApp(db, { LOG_LEVEL: 'warn' });
    b = await startApp(db, { LOG_LEVEL: 'warn' });
    sqlApp = await startApp(db, { LOG_LEVEL: 'warn', RANKING_INDEX: 'false' });
    for (let i = 0; i < 14; i++) users.push(await registerUser(a.http, `rank-${i}-${'zyxwvutsrqponm'[i]}`));
    // Two pairs upload identical reports: ties in every metric and period, broken by username.
    const seeds = [1, 2, 3, 3, 5, 6, 7, 7, 9, 10, 11, 12];
    for (let i = 0; i < seeds.length; i++) await upload(a.http, users[i].token, report(seeds[i], 200 - seeds[i] * 9)).expect(200);
    // Real ccusage output (older days: months before the index's daily window).
    await upload(a.http, users[12].token, fixture('claude-daily-breakdown.json')).expect(200);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await sqlApp?.close();
    await db?.drop();
  });

  /** Both instances' indexes built and caught up. */
  async function built(t: TestApp) {
    const service = t.app.get(RankingIndexService);
    await service.sync();
    await service.sync();
    const index = await service.current();
    expect(index).toBeDefined();
    return index!;
  }

  it('ranks every period, custom range, metric and page exactly as SQL does', async () => {
    const index = await built(a);
    const stats = a.app.get(StatsService);
    const next = seededRandom(42);
    const window = windowStartFor(today, WINDOW_DAYS);
    const ranges: Array<DayRange | undefined> = PERIODS.map((p) => periodRange(p, today));
    for (let i = 0; i < 12; i++) {
      const from = addDays(today, -Math.floor(next() * (WINDOW_DAYS - 5)));
      ranges.push({ from, to: addDays(from, Math.floor(next() * 60)) });
    }
    // Reaching into months before the window: whole months are answered there, partial ones not.
    ranges.push({ from: addDays(window, -31), to: today }, { from: `${window.slice(0, 7)}-01`, to: today }, { from: '2025-01-01', to: '2025-12-31' });
    let fromIndex = 0;
    for (const range of ranges) {
      for (const metric of METRICS) {
        for (const [limit, offset] of [
          [50, 0],
          [3, 0],
          [3, 3],
          [4, 5],
          [5, 100],
        ]) {
          const ranked = index.rank(range, metric, limit, offset);
          const sql = await stats.rankInSql(range, metric, limit, offset);
          if (ranked) {
            fromIndex++;
            expect({ range, metric, limit, offset, ...ranked }).toEqual({ range, metric, limit, offset, ...sql });
          }
          expect(await stats.rank(range, metric, limit, offset)).toEqual(sql);
        }
      }
    }
    // Every named period and every in-window custom range was answered by the index, not only SQL.
    expect(fromIndex).toBeGreaterThanOrEqual((PERIODS.length + 12 + 1) * METRICS.length * 5);
    // The pair with identical reports shares a rank.
    const all = index.rank(undefined, 'tokens', 50, 0)!;
    const tied = all.entries.filter((e) => e.username === users[2].username || e.username === users[3].username);
    expect(tied).toHaveLength(2);
    expect(tied[0].rank).toBe(tied[1].rank);
  });

  it('refuses ranges with partial months before its window, so SQL answers them', async () => {
    const index = await built(a);
    const window = windowStartFor(today, WINDOW_DAYS);
    expect(index.rank({ from: addDays(window, -10), to: today }, 'cost', 10, 0)).toBeUndefined();
    expect(index.rank({ from: addDays(window, -10), to: addDays(window, -1) }, 'cost', 10, 0)).toBeUndefined();
  });

  it('answers a read through one instance with the upload just finished through the other', async () => {
    await built(a);
    await built(b);
    const statsB = b.app.get(StatsService);
    const next = seededRandom(7);
    for (let round = 0; round < 12; round++) {
      const user = users[Math.floor(next() * 12)];
      const tokens = 1_000_000_000 + round * 10_000_000;
      await upload(a.http, user.token, {
        daily: [
          {
            date: utcDay(new Date(), -1 - (round % 5)),
            inputTokens: tokens,
            outputTokens: 0,
            cacheCreationTokens: 0,
            cacheReadTokens: 0,
            totalTokens: tokens,
            totalCost: round + 0.5,
            modelBreakdowns: [],
          },
        ],
        totals: {},
      }).expect(200);
      const res = await b.http.get('/api/v1/leaderboard').query({ period: '7d', metric: 'input', limit: 100 }).expect(200);
      const entry = (res.body.entries as Array<{ username: string; inputTokens: number }>).find((e) => e.username === user.username);
      expect(entry?.inputTokens).toBeGreaterThanOrEqual(tokens);
      const sql = await statsB.rankInSql(periodRange('7d', today), 'input', 100, 0);
      expect(res.body.total).toBe(sql.total);
      expect(
        res.body.entries.map((e: { username: string; inputTokens: number; totalCost: string; rank: number }) => [
          e.rank,
          e.username,
          e.inputTokens,
          e.totalCost,
        ]),
      ).toEqual(sql.entries.map((e) => [e.rank, e.username, e.totals.inputTokens, e.totals.totalCost]));
    }
  });

  it('stays fresh under concurrent uploads through one instance and reads through the other', async () => {
    await built(b);
    const user = users[4];
    let uploaded = 0;
    const checks: Array<Promise<void>> = [];
    for (let round = 1; round <= 10; round++) {
      const tokens = 5_000_000_000 + round;
      const write = upload(a.http, user.token, {
        daily: [
          {
            date: today,
            inputTokens: tokens,
            outputTokens: 0,
            cacheCreationTokens: 0,
            cacheReadTokens: 0,
            totalTokens: tokens,
            totalCost: 1,
            modelBreakdowns: [],
          },
        ],
        totals: {},
      }).then((res) => {
        expect(res.status).toBe(200);
        uploaded = Math.max(uploaded, tokens);
      });
      // Reads race the upload; each one checks only what had been acknowledged when it was sent.
      for (let r = 0; r < 4; r++) {
        const seen = uploaded;
        checks.push(
          b.http
            .get('/api/v1/leaderboard')
            .query({ period: 'today', metric: 'input' })
            .then((res) => {
              const entry = (res.body.entries as Array<{ username: string; inputTokens: number }>).find((e) => e.username === user.username);
              expect(entry?.inputTokens ?? 0).toBeGreaterThanOrEqual(seen);
            }),
        );
      }
      await write;
    }
    await Promise.all(checks);
  });

  it('answers whole leaderboards, top models included, as the SQL ranking does, also after uploads change a top model', async () => {
    await built(b);
    const boards = async (t: TestApp) =>
      Promise.all(
        (['today', '7d', '30d', 'all'] as const).flatMap((period) =>
          (['cost', 'tokens'] as const).map(async (metric) => (await t.http.get('/api/v1/leaderboard').query({ period, metric, limit: 20 }).expect(200)).body),
        ),
      );
    expect(await boards(b)).toEqual(await boards(sqlApp));
    // A new model, dearer than anything so far, becomes the top model of one user (cached before).
    const user = users[5];
    await upload(a.http, user.token, {
      daily: [
        {
          date: today,
          inputTokens: 10,
          outputTokens: 0,
          cacheCreationTokens: 0,
          cacheReadTokens: 0,
          totalTokens: 10,
          totalCost: 9999,
          modelsUsed: ['claude-opus-4-5-20251101'],
          modelBreakdowns: [
            { modelName: 'claude-opus-4-5-20251101', inputTokens: 10, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, cost: 9999 },
          ],
        },
      ],
      totals: {},
    }).expect(200);
    const after = await boards(b);
    expect(after).toEqual(await boards(sqlApp));
    const mine = after[0].entries.find((e: { username: string }) => e.username === user.username);
    expect(mine.topModel).toBe('claude-opus-4-5-20251101');
  });

  it('drops a deleted user at once on the other instance', async () => {
    await built(b);
    const gone = users[0];
    const before = await b.http.get('/api/v1/leaderboard').query({ period: '90d', limit: 100 }).expect(200);
    expect(before.body.entries.map((e: { username: string }) => e.username)).toContain(gone.username);
    await a.http.delete(`/api/v1/users/${gone.username}`).set('Authorization', `Bearer ${gone.token}`).expect(204);
    const after = await b.http.get('/api/v1/leaderboard').query({ period: '90d', limit: 100 }).expect(200);
    expect(after.body.entries.map((e: { username: string }) => e.username)).not.toContain(gone.username);
    expect(after.body.total).toBe(before.body.total - 1);
  });

  it('ranks a user who registered and uploaded through the other instance, by its username order', async () => {
    await built(b);
    // Two new names around existing ones: the index must learn both and order ties by name.
    const first = await registerUser(a.http, 'aaa-rank-new');
    const last = await registerUser(a.http, 'zzz-rank-new');
    const day = { date: today, inputTokens: 7, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, totalTokens: 7, totalCost: 0, modelBreakdowns: [] };
    await upload(a.http, last.token, { daily: [day], totals: {} }).expect(200);
    await upload(a.http, first.token, { daily: [day], totals: {} }).expect(200);
    const res = await b.http.get('/api/v1/leaderboard').query({ period: 'today', metric: 'input', limit: 100 }).expect(200);
    const names = (res.body.entries as Array<{ username: string; rank: number }>).filter((e) => e.username.endsWith('-rank-new'));
    expect(names.map((e) => e.username)).toEqual(['aaa-rank-new', 'zzz-rank-new']);
    expect(names[0].rank).toBe(names[1].rank);
  });

  it('keeps the change log short: rows are marked when first seen and only old marked rows go', async () => {
    const service = a.app.get(RankingIndexService);
    const count = async (where: string) =>
      Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM runtime.read_model_changes WHERE ${where}`))[0].n);
    expect(await count('seen_at IS NULL')).toBeGreaterThan(0);
    await service.prune();
    expect(await count('seen_at IS NULL')).toBe(0);
    const kept = await count('true');
    expect(kept).toBeGreaterThan(0);
    await db.query(
      `UPDATE runtime.read_model_changes SET seen_at = now() - interval '11 minutes' WHERE id IN (SELECT id FROM runtime.read_model_changes ORDER BY id LIMIT 3)`,
    );
    await service.prune();
    expect(await count('true')).toBe(kept - 3);
  });
});
