/**
 * The benchmarked endpoints: their URLs and, as the baseline, the repository calls their services
 * make, shared by run.mjs (timing) and explain.mjs (plans).
 */
import { utcDay } from '../dist/common/dates.js';
import { periodRange } from '../dist/read-model/periods.js';

/** The page /models answers by default (limit 100). */
const MODELS_PAGE = { limit: 100, offset: 0 };

/** Users the per-user endpoints rotate through, spread over the ids, so no single user's pages stay hot. */
export function sampleUsers(n) {
  const picks = Math.min(64, n);
  return Array.from({ length: picks }, (_, i) => `user${String(1 + Math.floor((i * n) / picks)).padStart(5, '0')}`);
}

/**
 * The endpoints, each with its URL(s) and the repository calls its service makes (read from
 * stats.service.ts, models.service.ts and usage.service.ts), in the same order and concurrency.
 */
export function endpoints(repos, today, users) {
  const { stats, models, usage, usersRepo } = repos;
  const yearFrom = utcDay(new Date(`${today}T00:00:00Z`), -364);
  const monthFrom = utcDay(new Date(`${today}T00:00:00Z`), -29);
  const leaderboard = (period) => ({
    name: `leaderboard ${period}`,
    paths: [`/api/v1/leaderboard?period=${period}`],
    baseline: async () => {
      const range = periodRange(period, today);
      const rows = await stats.leaderboard(range, 'cost', 50, 0);
      if (!rows[0]) await stats.activeUsers(range);
      await stats.topModels(
        rows.map((r) => Number(r.userId)),
        range,
      );
      if (!range) await stats.dataBounds();
    },
  });
  const userYear = (granularity) => ({
    name: `user year by ${granularity}`,
    paths: users.map((u) => `/api/v1/users/${u}/usage?from=${yearFrom}&to=${today}&granularity=${granularity}`),
    baseline: async (i) => {
      const user = await usersRepo.find(users[i % users.length]);
      await usage.dataRange(user.id);
      await Promise.all([
        usage.userBuckets(user.id, yearFrom, today, granularity),
        usage.userModelBuckets(user.id, yearFrom, today, granularity),
        usage.userTotals(user.id, yearFrom, today),
      ]);
    },
  });
  return [
    leaderboard('7d'),
    leaderboard('30d'),
    leaderboard('month'),
    leaderboard('all'),
    userYear('day'),
    userYear('month'),
    {
      name: 'models 30 days',
      paths: [`/api/v1/models?from=${monthFrom}&to=${today}`],
      baseline: () => models.breakdown({ from: monthFrom, to: today }, 'model', MODELS_PAGE),
    },
    {
      name: 'stats/summary',
      paths: ['/api/v1/stats/summary'],
      baseline: async () => {
        await Promise.all([
          stats.userCount(),
          stats.activeUsers(undefined),
          stats.totals(undefined),
          models.breakdown(undefined, 'model', { limit: 1, offset: 0 }),
          stats.leaderboard(undefined, 'cost', 1, 0),
        ]);
        await stats.dataBounds();
      },
    },
  ];
}
