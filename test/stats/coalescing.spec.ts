import { utcDay } from '../../src/common/dates.js';
import { ReadCoalescer } from '../../src/common/read-coalescer.js';
import { StatsRepository } from '../../src/usage/stats.repository.js';
import { registerUser, upload } from '../helpers/api.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

const oneDay = (tokens: number) => ({
  daily: [
    {
      date: utcDay(new Date(), -1),
      inputTokens: tokens,
      outputTokens: 0,
      cacheCreationTokens: 0,
      cacheReadTokens: 0,
      totalTokens: tokens,
      totalCost: tokens / 1000,
      modelBreakdowns: [],
    },
  ],
  totals: {},
});

/**
 * Counts the leaderboard queries an app runs, and holds each one until `release` is called; counts
 * the leaderboard requests that reached the coalescer, so a test waits for them all to arrive
 * (however slow the machine) before it releases the held computation.
 */
function instrument(t: TestApp, { holdAfterQuery = false } = {}) {
  const repository = t.app.get(StatsRepository);
  const original = repository.leaderboard.bind(repository);
  const state = { calls: 0, arrived: 0, gate: Promise.resolve(), release: () => {} };
  repository.leaderboard = async (...args: Parameters<typeof original>) => {
    state.calls += 1;
    if (!holdAfterQuery) await state.gate;
    const rows = await original(...args);
    // Held with its rows already read: what a computation looks like when a write lands during it.
    if (holdAfterQuery) await state.gate;
    return rows;
  };
  const coalescer = t.app.get(ReadCoalescer);
  const run = coalescer.run.bind(coalescer);
  coalescer.run = <T>(key: string, compute: () => Promise<T>) => {
    if (key.startsWith('leaderboard|')) state.arrived += 1;
    return run(key, compute);
  };
  return {
    state,
    hold() {
      state.gate = new Promise<void>((r) => (state.release = r));
    },
    /** Resolves once `n` leaderboard requests in all have reached the coalescer. */
    async arrivals(n: number) {
      const deadline = Date.now() + 20_000;
      while (state.arrived < n) {
        if (Date.now() > deadline) throw new Error(`only ${state.arrived} of ${n} requests arrived`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

describe('request coalescing of shared answers', () => {
  let db: TestDatabase;
  let on: TestApp;
  let off: TestApp;
  let token: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    // The coalescer is measured by the SQL rankings it runs; the in-memory index would run none
    // (its own freshness is test/stats/ranking-index.spec.ts).
    on = await startApp(db, { LOG_LEVEL: 'warn', RANKING_INDEX: 'false' });
    off = await startApp(db, { LOG_LEVEL: 'warn', COALESCE_READS: 'false', RANKING_INDEX: 'false' });
    ({ token } = await registerUser(on.http, 'coalesce-a'));
    await upload(on.http, token, oneDay(1000)).expect(200);
  });
  afterAll(async () => {
    await on?.close();
    await off?.close();
    await db?.drop();
  });

  it('answers identical concurrent requests from two computations: the one running, and one shared by all that arrived during it', async () => {
    const probe = instrument(on);
    probe.hold();
    const pending = Array.from({ length: 8 }, () =>
      on.http
        .get('/api/v1/leaderboard')
        .query({ period: '7d' })
        .then((r) => r),
    );
    await probe.arrivals(8);
    probe.state.release();
    const answers = await Promise.all(pending);
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(probe.state.calls).toBe(2);
    // Different parameters are different answers.
    await Promise.all([
      on.http.get('/api/v1/leaderboard').query({ period: '7d', metric: 'tokens' }),
      on.http.get('/api/v1/leaderboard').query({ period: '30d' }),
    ]);
    expect(probe.state.calls).toBe(4);
  });

  it('does not let a read that follows an upload join a computation that started before it', async () => {
    const probe = instrument(on);
    probe.hold();
    const before = on.http
      .get('/api/v1/leaderboard')
      .query({ period: 'all' })
      .then((r) => r);
    await probe.arrivals(1);
    const { token: second } = await registerUser(on.http, 'coalesce-b');
    await upload(on.http, second, oneDay(5000)).expect(200);
    const after = on.http
      .get('/api/v1/leaderboard')
      .query({ period: 'all' })
      .then((r) => r);
    await probe.arrivals(2);
    probe.state.release();
    const [b, a] = await Promise.all([before, after]);
    expect(probe.state.calls).toBe(2);
    expect(a.body.entries.map((e: { username: string }) => e.username)).toEqual(['coalesce-b', 'coalesce-a']);
    expect(b.status).toBe(200);
  });

  it('answers a read that follows an upload through another replica with that upload, though an identical read was running', async () => {
    // `on` and `off` are two instances on one database: replicas.
    const probe = instrument(on, { holdAfterQuery: true });
    probe.hold();
    const running = on.http
      .get('/api/v1/leaderboard')
      .query({ period: '30d' })
      .then((r) => r);
    await probe.arrivals(1);
    while (probe.state.calls < 1) await new Promise((r) => setTimeout(r, 10));
    // The running computation has read the leaderboard; now a new user's upload lands through the other replica.
    const { token: third } = await registerUser(off.http, 'coalesce-c');
    await upload(off.http, third, oneDay(9000)).expect(200);
    const after = on.http
      .get('/api/v1/leaderboard')
      .query({ period: '30d' })
      .then((r) => r);
    await probe.arrivals(2);
    probe.state.release();
    const [r, a] = await Promise.all([running, after]);
    const names = (res: typeof r) => res.body.entries.map((e: { username: string }) => e.username);
    expect(names(r)).not.toContain('coalesce-c');
    expect(names(a)).toContain('coalesce-c');
    expect(probe.state.calls).toBe(2);
  });

  it('computes every request with COALESCE_READS=false', async () => {
    const probe = instrument(off);
    probe.hold();
    const pending = Array.from({ length: 4 }, () =>
      off.http
        .get('/api/v1/leaderboard')
        .query({ period: '7d' })
        .then((r) => r),
    );
    await probe.arrivals(4);
    probe.state.release();
    await Promise.all(pending);
    expect(probe.state.calls).toBe(4);
  });
});
