import { utcDay } from '../../src/common/dates.js';
import { registerUser, upload } from '../helpers/api.js';
import { type TestApp, useTestApp } from '../helpers/test-app.js';

/** Ranks past 9 must sort as numbers (1, 2, …, 10, 11, 12), not as text (1, 10, 11, 12, 2, …). */
describe('leaderboard order with more than nine users', () => {
  let t: TestApp;
  const costs = new Map<string, number>();

  useTestApp({ LOG_LEVEL: 'warn' }, (app) => ({ t } = app));
  beforeAll(async () => {
    for (let i = 1; i <= 12; i++) {
      const username = `order-${String(i).padStart(2, '0')}`;
      const { token } = await registerUser(t.http, username);
      const tokens = 1000 * i;
      const day = {
        date: utcDay(new Date(), -1),
        inputTokens: tokens,
        outputTokens: 0,
        cacheCreationTokens: 0,
        cacheReadTokens: 0,
        totalTokens: tokens,
        totalCost: i / 10,
        modelBreakdowns: [],
      };
      await upload(t.http, token, { daily: [day], totals: {} }).expect(200);
      costs.set(username, i / 10);
    }
  }, 180_000);

  it.each(['all', '7d', 'month'])('ranks %s by cost as numbers', async (period) => {
    const res = await t.http.get('/api/v1/leaderboard').query({ period, limit: 500 }).expect(200);
    expect(res.body.entries.map((e: { rank: number }) => e.rank)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(res.body.entries.map((e: { username: string }) => e.username)).toEqual([...costs.keys()].reverse());
  });

  it('pages through ranks 10 to 12', async () => {
    const res = await t.http.get('/api/v1/leaderboard').query({ period: 'all', limit: 5, offset: 9 }).expect(200);
    expect(res.body.entries.map((e: { rank: number; username: string }) => [e.rank, e.username])).toEqual([
      [10, 'order-03'],
      [11, 'order-02'],
      [12, 'order-01'],
    ]);
  });
});
