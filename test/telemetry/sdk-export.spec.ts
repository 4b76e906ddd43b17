import { gunzipSync } from 'node:zlib';
import { registerUser } from '../helpers/api.js';
import type { TestDatabase } from '../helpers/database.js';
import { startFlakyProxy } from '../helpers/otel-proxy.js';
import {
  byMetricKey,
  ClaudeCodeEvents,
  ClaudeCodeMetrics,
  type ClientOptions,
  MODELS,
  oneUtcDay,
  Recorded,
  someWork,
  type Temporality,
  type Wire,
} from '../helpers/otel-sdk.js';
import { activityAnswer, type ActivityRow, expectedActivityAnswer, receipts, storedActivity, storedUsage, tablesContaining } from '../helpers/otel-stored.js';
import { seededRandom } from '../helpers/random.js';
import { type TestApp, useTestApp } from '../helpers/test-app.js';

/**
 * Issue 12's end-to-end proof with the official OpenTelemetry JS SDK as the client (the exporter
 * line Claude Code ships): Claude Code's meter, metric names, attributes and resource; delta and
 * cumulative, JSON and protobuf, gzip on and off (each pair of them at least once); several exports of
 * one series, retries, a dropped connection and a restart; and what GET /users/:username/usage,
 * GET /users/:username/activity and activity_days then hold equals what the test recorded, exactly.
 * Then Claude Code's events (OTEL_LOGS_EXPORTER=otlp) through the SDK's log exporters: each
 * api_request and api_error counts once per model, even when the exporter sends its batch twice;
 * the other events are accepted and stored nowhere, their prompt text and tool input least of all.
 */

let t: TestApp;
let db: TestDatabase;
useTestApp({ LOG_LEVEL: 'warn' }, (ready) => ({ t, db } = ready));

const endpoint = () => `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;

/** Checks that the service holds exactly what `tally` recorded, on `day` alone. */
async function expectStored(user: { username: string; token: string }, tally: Recorded, day: string): Promise<void> {
  const usage = await storedUsage(t.http, user.username, user.token);
  expect(usage.days).toEqual([day]);
  expect(usage.models).toEqual(tally.models());
  expect(usage.totalCost).toBe(tally.totalCost());
  expect(await storedActivity(db, user.username)).toEqual(tally.activityRows());
  await expectActivityAnswer(user, tally.activityRows(), day);
}

/** GET /users/:username/activity for the day: totals, the day's one row, edit decisions and models, from the recorded rows. */
async function expectActivityAnswer(user: { username: string; token: string }, rows: ActivityRow[], day: string): Promise<void> {
  const expected = expectedActivityAnswer(rows);
  expect(await activityAnswer(t.http, user.username, user.token, day)).toEqual({ ...expected, rows: [{ date: day, ...expected.totals }] });
}

const succeeded = (c: ClaudeCodeMetrics) =>
  c.outcomes.map((o) => (o.code === 0 ? 'ok' : `failed: ${o.error?.message} ${String((o.error as { data?: string } | undefined)?.data ?? '')}`));

describe('the SDK as Claude Code sets it up', () => {
  // Every pair of encoding, temporality and compression once (the retry, drop and restart cases below add more).
  const MATRIX: Array<[Wire, Temporality, boolean]> = [
    ['json', 'delta', false],
    ['json', 'cumulative', true],
    ['protobuf', 'delta', true],
    ['protobuf', 'cumulative', false],
  ];

  it.each(MATRIX)('%s, %s, gzip %s: three exports of one session count exactly what was recorded', async (wire, temporality, gzip) => {
    const user = await registerUser(t.http);
    const day = await oneUtcDay();
    // Through a proxy that only passes things on, to see what went over the wire.
    const proxy = await startFlakyProxy(endpoint(), () => 'forward');
    const client = new ClaudeCodeMetrics({ endpoint: proxy.endpoint, token: user.token, wire, temporality, gzip, device: 'laptop' });
    try {
      const random = seededRandom(MATRIX.findIndex(([w, tp, g]) => w === wire && tp === temporality && g === gzip) + 1);
      client.session();
      for (let exportNo = 0; exportNo < 3; exportNo++) {
        someWork(client, random, 3);
        await client.flush();
      }
    } finally {
      await client.shutdown();
      await proxy.close();
    }
    // Three flushes, and for cumulative one more at shutdown (the SDK sends its totals again when it stops).
    const exports = temporality === 'cumulative' ? 4 : 3;
    expect(succeeded(client)).toEqual(Array(exports).fill('ok'));
    expect(proxy.exchanges.map((e) => [e.path, e.status, e.headers['content-type'], e.headers['content-encoding']])).toEqual(
      Array(exports).fill(['/v1/metrics', 200, wire === 'json' ? 'application/json' : 'application/x-protobuf', gzip ? 'gzip' : undefined]),
    );
    // The temporality asked for is the one on the wire: the one session started before the first
    // export is in every cumulative export (totals) and only in the first delta export (increments).
    const body = (i: number) => (gzip ? gunzipSync(proxy.exchanges[i].body) : proxy.exchanges[i].body).toString('latin1');
    expect(body(0)).toContain('claude_code.session.count');
    expect(body(2)).toContain('claude_code.token.usage');
    expect(body(2).includes('claude_code.session.count')).toBe(temporality === 'cumulative');

    await expectStored(user, client.tally, day);
    const [receipt] = await receipts(db, user.username);
    expect(receipt).toMatchObject({ device: 'laptop', signal: 'metrics', batches: exports, duplicates: 0, refused: 0 });
  });

  it('a periodic reader on a short interval (Claude Code: 60 s) exports by itself; shutdown sends the rest', async () => {
    const user = await registerUser(t.http);
    const day = await oneUtcDay();
    const client = new ClaudeCodeMetrics({ endpoint: endpoint(), token: user.token, wire: 'protobuf', temporality: 'delta', device: 'desk', intervalMs: 200 });
    const random = seededRandom(42);
    try {
      client.session();
      for (let burst = 0; burst < 3; burst++) {
        someWork(client, random, 2);
        const exported = client.outcomes.length;
        // Waits for the timer's next export, not for a time: the bound only stops a broken run.
        for (let waited = 0; client.outcomes.length === exported && waited < 10_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
      }
      someWork(client, random, 1);
    } finally {
      await client.shutdown();
    }
    expect(client.outcomes.length).toBeGreaterThanOrEqual(4);
    expect(client.outcomes.every((o) => o.code === 0)).toBe(true);
    await expectStored(user, client.tally, day);
  });

  it('two devices (ccstats.device, host.name) and an exporter with neither are three devices of one user', async () => {
    const user = await registerUser(t.http);
    const day = await oneUtcDay();
    const random = seededRandom(7);
    const base = { endpoint: endpoint(), token: user.token, temporality: 'delta' as const };
    const tally = new Recorded();
    const clients = [
      new ClaudeCodeMetrics({ ...base, wire: 'json', device: 'work laptop', resource: { 'host.name': 'ignored-host' }, tally }),
      new ClaudeCodeMetrics({ ...base, wire: 'protobuf', resource: { 'host.name': 'build-box' }, tally }),
      new ClaudeCodeMetrics({ ...base, wire: 'protobuf', gzip: true, tally }),
    ];
    for (const c of clients) {
      c.session();
      someWork(c, random, 3);
      await c.flush();
      await c.shutdown();
    }
    for (const c of clients) expect(succeeded(c)).toEqual(['ok']);
    await expectStored(user, tally, day);
    expect((await receipts(db, user.username)).map((r) => r.device)).toEqual(['build-box', 'otel', 'work laptop']);
    const slices = await db.query<{ device: string; source: string }>(
      `SELECT d.device, d.source FROM device_days d JOIN users u ON u.id = d.user_id WHERE u.username = $1 ORDER BY 1`,
      [user.username],
    );
    expect(slices).toEqual([
      { device: 'build-box', source: 'telemetry' },
      { device: 'otel', source: 'telemetry' },
      { device: 'work laptop', source: 'telemetry' },
    ]);
  });
});

describe('exporter retries', () => {
  // Retry-After as the service sends it (1 s), and 0 (the exporter retries at once).
  it.each([
    ['json', 'delta', 1],
    ['protobuf', 'cumulative', 0],
  ] as const)(
    '%s %s: a batch the service stored but the exporter saw fail (503, Retry-After: %d) and sent again counts once',
    async (wire, temporality, retryAfter) => {
      const user = await registerUser(t.http);
      const day = await oneUtcDay();
      // The first and the third request: stored by the service, answered 503 to the exporter.
      const proxy = await startFlakyProxy(endpoint(), (i) => (i === 0 || i === 2 ? 'retry-after' : 'forward'), retryAfter);
      const client = new ClaudeCodeMetrics({ endpoint: proxy.endpoint, token: user.token, wire, temporality, gzip: true, device: 'laptop' });
      const random = seededRandom(wire === 'json' ? 11 : 12);
      let receipt: Awaited<ReturnType<typeof receipts>>[number] | undefined;
      try {
        client.session();
        someWork(client, random, 3);
        await client.flush();
        someWork(client, random, 3);
        await client.flush();
        [receipt] = await receipts(db, user.username);
      } finally {
        await client.shutdown();
        await proxy.close();
      }
      expect(succeeded(client).slice(0, 2)).toEqual(['ok', 'ok']);
      expect(proxy.exchanges.slice(0, 4).map((e) => [e.status, e.verdict])).toEqual([
        [200, 'retry-after'],
        [200, 'forward'],
        [200, 'retry-after'],
        [200, 'forward'],
      ]);
      // The exporter sent the very same bytes again.
      expect(proxy.exchanges[1].body.equals(proxy.exchanges[0].body)).toBe(true);
      expect(proxy.exchanges[3].body.equals(proxy.exchanges[2].body)).toBe(true);
      // Before shutdown (a cumulative exporter sends its totals once more then): two batches, each
      // delivered twice; every point of a second delivery was a duplicate, as many as the first accepted.
      expect(receipt).toMatchObject({ batches: 4, refused: 0, duplicates: receipt?.accepted });
      expect(receipt?.accepted).toBeGreaterThan(0);

      await expectStored(user, client.tally, day);
    },
  );

  it.each(['delta', 'cumulative'] as const)(
    '%s: a connection dropped after the service stored the batch loses nothing and counts nothing twice',
    async (temporality) => {
      const user = await registerUser(t.http);
      const day = await oneUtcDay();
      const proxy = await startFlakyProxy(endpoint(), (i) => (i === 1 ? 'drop' : 'forward'));
      const client = new ClaudeCodeMetrics({ endpoint: proxy.endpoint, token: user.token, wire: 'protobuf', temporality, device: 'laptop' });
      const random = seededRandom(temporality === 'delta' ? 21 : 22);
      try {
        client.session();
        for (let exportNo = 0; exportNo < 3; exportNo++) {
          someWork(client, random, 2);
          await client.flush();
        }
      } finally {
        await client.shutdown();
        await proxy.close();
      }
      // The SDK (0.208) does not retry a network error: it reports the export failed and goes on
      // (a cumulative exporter exports once more at shutdown). The service had stored the batch.
      const exports = temporality === 'cumulative' ? 4 : 3;
      expect(client.outcomes.map((o) => o.code)).toEqual([0, 1, 0, 0].slice(0, exports));
      expect(proxy.exchanges.map((e) => e.status)).toEqual(Array(exports).fill(200));
      await expectStored(user, client.tally, day);
      const [receipt] = await receipts(db, user.username);
      expect(receipt).toMatchObject({ batches: exports, refused: 0 });
    },
  );
});

describe('an exporter restart mid-day', () => {
  it.each(['cumulative', 'delta'] as const)(
    '%s: a new MeterProvider with the same resource and attributes starts its series again; both runs count',
    async (temporality) => {
      const user = await registerUser(t.http);
      const day = await oneUtcDay();
      const tally = new Recorded();
      const options: ClientOptions = { endpoint: endpoint(), token: user.token, wire: 'json', temporality, device: 'laptop', tally, sessionId: 'same-session' };
      const random = seededRandom(temporality === 'delta' ? 31 : 32);

      const first = new ClaudeCodeMetrics(options);
      first.session();
      someWork(first, random, 4);
      await first.flush();
      someWork(first, random, 4);
      await first.flush();
      await first.shutdown();
      const seriesBefore = await db.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM telemetry_series s JOIN users u ON u.id = s.user_id WHERE u.username = $1`,
        [user.username],
      );

      // The same process again (a crash and restart): its counters start from zero, at a later start
      // time, on series the first run had (same resource, scope, metric and attributes).
      const second = new ClaudeCodeMetrics(options);
      const models = [...tally.tokens.keys()];
      for (let exportNo = 0; exportNo < 2; exportNo++) {
        second.session();
        for (const model of models) {
          second.tokens(model, 'input', 10 + exportNo);
          second.tokens(model, 'output', 3);
          second.cost(model, '0.00012345');
        }
        second.activeTime('cli', '0.25');
        await second.flush();
      }
      await second.shutdown();

      // Two flushes each, and for cumulative one more at each shutdown.
      const exports = temporality === 'cumulative' ? 3 : 2;
      expect(succeeded(first)).toEqual(Array(exports).fill('ok'));
      expect(succeeded(second)).toEqual(Array(exports).fill('ok'));
      await expectStored(user, tally, day);
      const [receipt] = await receipts(db, user.username);
      expect(receipt).toMatchObject({ batches: 2 * exports, refused: 0, duplicates: 0 });
      // The second run's points fell on the first run's series (no new series keys): its counts came through the restart path.
      const seriesAfter = await db.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM telemetry_series s JOIN users u ON u.id = s.user_id WHERE u.username = $1`,
        [user.username],
      );
      expect(seriesAfter).toEqual(seriesBefore);
    },
  );
});

/** A session's events: requests to random models, some errors, prompts and tool results carrying `secret`. */
function someEvents(events: ClaudeCodeEvents, random: () => number, secret: string, requests = 12): void {
  for (let i = 0; i < requests; i++) {
    if (i % 4 === 0) events.userPrompt(`${secret} please refactor module ${i}`);
    const model = MODELS[Math.floor(random() * MODELS.length)];
    if (random() < 0.2) events.apiError(model, '529', 'Overloaded');
    events.apiRequest(model, {
      input: 1 + Math.floor(random() * 5000),
      output: 1 + Math.floor(random() * 2000),
      cacheRead: Math.floor(random() * 40_000),
      cacheCreation: Math.floor(random() * 9000),
      costUsd: Number((random() * 0.3).toFixed(8)),
      durationMs: 100 + Math.floor(random() * 4000),
    });
    if (random() < 0.5) events.toolResult('Bash', JSON.stringify({ command: `echo ${secret}` }));
  }
}

/** The rows of several sessions together, summed per metric and model. */
function together(...sessions: ClaudeCodeEvents[]): Array<{ metric: string; key: string; value: string }> {
  const sums = new Map<string, number>();
  for (const s of sessions) for (const r of s.activityRows()) sums.set(`${r.metric}|${r.key}`, (sums.get(`${r.metric}|${r.key}`) ?? 0) + Number(r.value));
  return [...sums]
    .map(([k, n]) => {
      const [metric, key] = k.split('|');
      return { metric, key, value: `${n}.000000` };
    })
    .sort(byMetricKey);
}

describe('events through the SDK log exporters', () => {
  it.each([
    ['json', false],
    ['protobuf', true],
  ] as Array<[Wire, boolean]>)('%s (gzip %s): API requests and errors per model, from two sessions, exactly; no prompt text stored', async (wire, gzip) => {
    const user = await registerUser(t.http);
    const day = await oneUtcDay();
    const secret = `prompt-secret-${wire}-${Date.now()}`;
    const random = seededRandom(wire === 'json' ? 101 : 102);
    const sessions = [0, 1].map(() => new ClaudeCodeEvents({ endpoint: endpoint(), token: user.token, wire, gzip, device: 'laptop' }));
    for (const events of sessions) {
      someEvents(events, random, secret);
      await events.flush();
      someEvents(events, random, secret, 5);
      await events.flush();
      await events.shutdown();
    }
    for (const events of sessions) expect(events.outcomes.map((o) => o.code)).toEqual([0, 0]);
    expect(await storedActivity(db, user.username, day)).toEqual(together(...sessions));
    expect(await storedActivity(db, user.username)).toEqual(together(...sessions));
    await expectActivityAnswer(user, together(...sessions), day);
    // Events never add tokens or cost: the metrics do (counting both would count twice).
    expect((await storedUsage(t.http, user.username, user.token)).days).toEqual([]);
    expect(await tablesContaining(db, secret)).toEqual([]);
    const [receipt] = await receipts(db, user.username);
    expect(receipt).toMatchObject({ device: 'laptop', signal: 'logs', batches: 4, duplicates: 0, refused: 0 });
  });

  it('a batch the service stored but the exporter saw fail (503, Retry-After) and sent again counts once', async () => {
    const user = await registerUser(t.http);
    const day = await oneUtcDay();
    const proxy = await startFlakyProxy(endpoint(), (i) => (i === 0 ? 'retry-after' : 'forward'), 0);
    const counted = (e: ClaudeCodeEvents) => [...e.emitted.values()].reduce((a, m) => a + m.apiRequests + m.apiErrors, 0);
    let firstBatch: number | undefined;
    const events = new ClaudeCodeEvents({ endpoint: proxy.endpoint, token: user.token, wire: 'protobuf', device: 'laptop' });
    try {
      someEvents(events, seededRandom(103), 'retried-secret', 20);
      await events.flush();
      firstBatch = counted(events);
      someEvents(events, seededRandom(104), 'retried-secret', 4);
      await events.flush();
    } finally {
      await events.shutdown();
      await proxy.close();
    }
    expect(events.outcomes.map((o) => o.code)).toEqual([0, 0]);
    expect(proxy.exchanges.map((e) => [e.status, e.verdict])).toEqual([
      [200, 'retry-after'],
      [200, 'forward'],
      [200, 'forward'],
    ]);
    expect(proxy.exchanges[1].body.equals(proxy.exchanges[0].body)).toBe(true);
    expect(await storedActivity(db, user.username, day)).toEqual(events.activityRows());
    await expectActivityAnswer(user, events.activityRows(), day);
    const [receipt] = await receipts(db, user.username);
    // Each API event counted once; the second delivery of the first batch was all duplicates.
    expect(receipt).toMatchObject({ batches: 3, refused: 0, accepted: counted(events), duplicates: firstBatch });
    expect(firstBatch ?? 0).toBeGreaterThan(0);
  });
});
