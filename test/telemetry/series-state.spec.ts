import { TelemetrySweeper } from '../../src/maintenance/telemetry-sweeper.js';
import { registerUser } from '../helpers/api.js';
import type { TestDatabase } from '../helpers/database.js';
import { metricsRequest } from '../helpers/otlp.js';
import { type TestApp, useTestApp } from '../helpers/test-app.js';

/**
 * The receiver's series state across batches: cumulative values become deltas, a retried batch
 * counts once, a series forgotten by the hourly sweep cannot count again what it counted before.
 */

let t: TestApp;
let db: TestDatabase;
useTestApp({}, (ready) => ({ t, db } = ready));

const MINUTE = 60_000;
const MODEL = 'claude-sonnet-4-5-20250929';

async function send(token: string, body: unknown) {
  const res = await t.http.post('/v1/metrics').set('authorization', `Bearer ${token}`).set('content-type', 'application/json').send(JSON.stringify(body));
  expect(res.status).toBe(200);
  return res.body as { partialSuccess?: { rejectedDataPoints?: string; errorMessage?: string } };
}

async function outputTokens(username: string, token: string): Promise<number> {
  const usage = await t.http.get(`/api/v1/users/${username}/usage`).set('authorization', `Bearer ${token}`).expect(200);
  return usage.body.totals.outputTokens as number;
}

const cumulative = (startMs: number, endMs: number, value: number, session = 's-1') =>
  metricsRequest({ 'ccstats.device': 'laptop' }, [
    {
      name: 'claude_code.token.usage',
      temporality: 'cumulative',
      points: [{ startMs, endMs, value, attributes: { type: 'output', model: MODEL, 'session.id': session } }],
    },
  ]);

describe('telemetry series state', () => {
  it('turns cumulative values into deltas and counts a retried or older point nothing', async () => {
    const { username, token } = await registerUser(t.http);
    const start = Date.now() - 30 * MINUTE;
    await send(token, cumulative(start, start + MINUTE, 100));
    await send(token, cumulative(start, start + 2 * MINUTE, 250));
    await send(token, cumulative(start, start + 2 * MINUTE, 250)); // the exporter's retry
    await send(token, cumulative(start, start + MINUTE, 100)); // a late delivery of the first export
    expect(await outputTokens(username, token)).toBe(250);
    // A restart of the process: a new start time, counting from zero again.
    await send(token, cumulative(start + 3 * MINUTE, start + 4 * MINUTE, 40));
    expect(await outputTokens(username, token)).toBe(290);
  });

  it('forgets series not seen for a week, and takes a long-running series it no longer knows as a baseline', async () => {
    const { username, token } = await registerUser(t.http);
    const end = Date.now() - MINUTE;
    const weekAgo = end - 8 * 24 * 60 * MINUTE;
    // A series started minutes ago: its first export counts whole.
    await send(token, cumulative(end - 10 * MINUTE, end - 5 * MINUTE, 70, 'recent'));
    expect(await outputTokens(username, token)).toBe(70);
    const [{ id }] = await db.query<{ id: number }>('SELECT id FROM users WHERE username = $1', [username]);
    const before = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM telemetry_series WHERE user_id = $1', [id]);
    expect(Number(before[0].n)).toBe(1);

    // Last seen nine days ago: the sweep forgets it; a series seen now is kept.
    await db.query(`UPDATE telemetry_series SET last_seen_at = now() - interval '9 days' WHERE user_id = $1`, [id]);
    expect(await t.app.get(TelemetrySweeper).sweep()).toBeGreaterThanOrEqual(1);
    expect(await db.query('SELECT 1 FROM telemetry_series WHERE user_id = $1', [id])).toEqual([]);

    // A series that started eight days ago, unknown here: its value is a baseline, its increase counts.
    await send(token, cumulative(weekAgo, end - 2 * MINUTE, 5000, 'old'));
    expect(await outputTokens(username, token)).toBe(70);
    await send(token, cumulative(weekAgo, end - MINUTE, 5030, 'old'));
    expect(await outputTokens(username, token)).toBe(100);
  });

  it('refuses a delta point that overlaps one already counted, and says why', async () => {
    const { username, token } = await registerUser(t.http);
    const start = Date.now() - 30 * MINUTE;
    const delta = (fromMs: number, toMs: number, value: number) =>
      metricsRequest({ 'ccstats.device': 'laptop' }, [
        {
          name: 'claude_code.token.usage',
          temporality: 'delta',
          points: [{ startMs: fromMs, endMs: toMs, value, attributes: { type: 'output', model: MODEL } }],
        },
      ]);
    expect(await send(token, delta(start, start + MINUTE, 10))).toEqual({});
    expect(await send(token, delta(start + MINUTE, start + 2 * MINUTE, 20))).toEqual({});
    const overlap = await send(token, delta(start + 30_000, start + 3 * MINUTE, 99));
    expect(overlap.partialSuccess).toEqual({ rejectedDataPoints: '1', errorMessage: expect.stringContaining('overlaps') });
    expect(await outputTokens(username, token)).toBe(30);
  });
});
