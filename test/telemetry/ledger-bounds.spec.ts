import { MAX_SERIES_PER_USER, MAX_TELEMETRY_DEVICES, MAX_TELEMETRY_MODELS_PER_DAY } from '../../src/ledger/telemetry-ledger.js';
import { registerUser, rowCounts, upload } from '../helpers/api.js';
import { fixture } from '../helpers/ccusage.js';
import type { TestDatabase } from '../helpers/database.js';
import { metricsRequest } from '../helpers/otlp.js';
import { settleSharedDays, type TestApp, useTestApp } from '../helpers/test-app.js';

/**
 * What one user's telemetry may take: devices (uploads and telemetry together), the size of one
 * reading, and sums the columns cannot hold; past each, a clear refusal and nothing stored.
 */

let t: TestApp;
let db: TestDatabase;
useTestApp({ SHARED_FOLD_INTERVAL_MS: '0' }, (ready) => ({ t, db } = ready));

const MINUTE = 60_000;
const MODEL = 'claude-sonnet-4-5-20250929';

function send(token: string, body: unknown) {
  return t.http.post('/v1/metrics').set('authorization', `Bearer ${token}`).set('content-type', 'application/json').send(JSON.stringify(body));
}

const tokens = (device: string, value: number, endMs = Date.now() - MINUTE, session = 's') =>
  metricsRequest({ 'ccstats.device': device }, [
    {
      name: 'claude_code.token.usage',
      temporality: 'delta',
      points: [{ startMs: endMs - MINUTE, endMs, value, attributes: { type: 'input', model: MODEL, 'session.id': session } }],
    },
  ]);

const devicesOf = async (userId: number) =>
  (
    await db.query<{ device: string }>(
      `SELECT device FROM device_days WHERE user_id = $1 UNION SELECT device FROM telemetry_receipts WHERE user_id = $1 UNION SELECT device FROM telemetry_day_models WHERE user_id = $1`,
      [userId],
    )
  ).map((r) => r.device);

describe('telemetry bounds per user', () => {
  it(`takes at most ${MAX_TELEMETRY_DEVICES} devices, uploads' included, and keeps refusing the next one`, async () => {
    const { username, token } = await registerUser(t.http);
    const [{ id }] = await db.query<{ id: number }>('SELECT id FROM users WHERE username = $1', [username]);
    await upload(t.http, token, fixture('claude-daily.json'), { device: 'uploaded' }).expect(200);
    for (let i = 1; i < MAX_TELEMETRY_DEVICES; i++) expect((await send(token, tokens(`d${i}`, 1))).body).toEqual({});
    expect((await devicesOf(id)).length).toBe(MAX_TELEMETRY_DEVICES);

    for (let attempt = 0; attempt < 2; attempt++) {
      const refused = await send(token, tokens('one-too-many', 5, Date.now() - (attempt + 1) * MINUTE));
      expect(refused.status).toBe(200);
      expect(refused.body.partialSuccess).toEqual({ rejectedDataPoints: '1', errorMessage: expect.stringContaining(`${MAX_TELEMETRY_DEVICES} devices`) });
    }
    expect(await devicesOf(id)).not.toContain('one-too-many');
    // A known device still reports.
    expect((await send(token, tokens('d1', 2, Date.now() - MINUTE, 'another-session'))).body).toEqual({});
    // And an upload from a new device is refused too (422), the same cap.
    await upload(t.http, token, fixture('claude-daily.json'), { device: 'new-machine' }).expect(422);
  });

  it('refuses one reading larger than any session, and a batch whose sums would overflow with 422 and nothing stored', async () => {
    const { token } = await registerUser(t.http);
    const huge = await send(token, tokens('laptop', 2e12));
    expect(huge.status).toBe(200);
    expect(huge.body.partialSuccess).toEqual({ rejectedDataPoints: '1', errorMessage: expect.stringContaining('more than any session') });

    // Cost: each point within the per-reading bound, their day past what a day keeps (999,999.9999 USD).
    // Consecutive minutes ending at yesterday's noon (UTC): one day whatever the hour the test runs,
    // within the receiver's 48 hours, and no two points overlapping.
    const noon = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() - 1, 12);
    const cost = (n: number, now = noon) =>
      metricsRequest({ 'ccstats.device': 'laptop' }, [
        {
          name: 'claude_code.cost.usage',
          temporality: 'delta',
          points: Array.from({ length: n }, (_, i) => ({
            startMs: now - (i + 2) * MINUTE,
            endMs: now - (i + 1) * MINUTE,
            value: 99_999,
            attributes: { model: MODEL },
          })),
        },
      ]);
    await settleSharedDays(t);
    const before = await rowCounts(db.query);
    const over = await send(token, cost(11));
    expect(over.status).toBe(422);
    expect(over.body).toEqual({ message: expect.stringContaining('nothing of it was stored') });
    expect(await rowCounts(db.query)).toEqual(before);
    expect((await send(token, cost(3, noon - 60 * MINUTE))).body).toEqual({});
  });

  it(`takes at most ${MAX_TELEMETRY_MODELS_PER_DAY} models on one device and day, as uploads`, async () => {
    const { username, token } = await registerUser(t.http);
    const end = Date.now() - MINUTE;
    const models = (names: string[]) =>
      metricsRequest({ 'ccstats.device': 'laptop' }, [
        {
          name: 'claude_code.token.usage',
          temporality: 'delta',
          points: names.map((model) => ({ startMs: end - MINUTE, endMs: end, value: 1, attributes: { type: 'input', model } })),
        },
      ]);
    const names = Array.from({ length: MAX_TELEMETRY_MODELS_PER_DAY + 1 }, (_, i) => `model-${String(i).padStart(3, '0')}`);
    const answer = await send(token, models(names));
    expect(answer.body.partialSuccess).toEqual({ rejectedDataPoints: '1', errorMessage: expect.stringContaining(`${MAX_TELEMETRY_MODELS_PER_DAY} models`) });
    const usage = await t.http.get(`/api/v1/users/${username}/usage`).set('authorization', `Bearer ${token}`).expect(200);
    expect(usage.body.totals.inputTokens).toBe(MAX_TELEMETRY_MODELS_PER_DAY);
    // A model the day already has still counts.
    expect((await send(token, models([names[0]]))).body).toEqual({});
  });

  it(`keeps at most ${MAX_SERIES_PER_USER} live series per user: new ones past it are refused, known ones still count`, async () => {
    const { username, token } = await registerUser(t.http);
    const [{ id }] = await db.query<{ id: number }>('SELECT id FROM users WHERE username = $1', [username]);
    expect((await send(token, tokens('laptop', 1, Date.now() - 3 * MINUTE, 'known'))).body).toEqual({});
    // The rest of the cap, as if earlier sessions had made them.
    await db.query(
      `INSERT INTO telemetry_series (user_id, series_key, temporality, covered) SELECT $1, 'filler-' || n, 'delta', '[]'::jsonb FROM generate_series(2, $2::int) n`,
      [id, MAX_SERIES_PER_USER],
    );
    const refused = await send(token, tokens('laptop', 1, Date.now() - 2 * MINUTE, 'a-new-session'));
    expect(refused.body.partialSuccess).toEqual({ rejectedDataPoints: '1', errorMessage: expect.stringContaining('live telemetry series') });
    expect((await send(token, tokens('laptop', 1, Date.now() - 2 * MINUTE, 'known'))).body).toEqual({});
  });
});
