import type request from 'supertest';
import { Perimeter } from '../../src/security/perimeter.js';
import { uniqueName, upload } from '../helpers/api.js';
import { fixture } from '../helpers/ccusage.js';
import { BACKEND, type TestDatabase } from '../helpers/database.js';
import { startApp, type TestApp, useTestApp } from '../helpers/test-app.js';

/**
 * Item 6 of issue 8: request budgets per client address (registration, failed authentication) and
 * per user (uploads, token issuance), a cap on live tokens, 429 problem bodies with Retry-After,
 * the admin never limited, every limit switchable off, counts shared through the database.
 *
 * TRUST_PROXY=true lets each test speak from addresses of its own through X-Forwarded-For, so the
 * budgets of one test never touch another's (trust-proxy.spec.ts checks what TRUST_PROXY decides).
 */

const ADMIN = 'rate-limit-admin-token-of-the-rate-limit-tests';
const LIMITS = {
  RATE_LIMITS: 'true',
  TRUST_PROXY: 'true',
  RATE_LIMIT_REGISTRATION: '3/1h',
  RATE_LIMIT_AUTH_FAILURES: '3/15m',
  RATE_LIMIT_UPLOADS: '3/1h',
  RATE_LIMIT_TELEMETRY: '2/1h',
  RATE_LIMIT_TOKEN_ISSUANCE: '5/1h',
  MAX_ACTIVE_TOKENS: '3',
};
const ENV = { LOG_LEVEL: 'warn', ADMIN_TOKEN: ADMIN, ...LIMITS };
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

type Http = ReturnType<typeof request>;

let lastAddress = 0;
/** An address no other test of this file speaks from. */
function newAddress(): string {
  lastAddress += 1;
  return `203.0.113.${lastAddress}`;
}

function register(http: Http, address: string, username = uniqueName('rl'), token?: string) {
  const req = http.post('/api/v1/users').set('X-Forwarded-For', address).send({ username });
  return token ? req.set(bearer(token)) : req;
}

async function newUser(http: Http): Promise<{ username: string; token: string }> {
  const username = uniqueName('rl');
  const res = await register(http, newAddress(), username).expect(201);
  return { username, token: res.body.token as string };
}

/** A 429 problem body with Retry-After in whole seconds, within the window. */
function expectTooMany(res: request.Response, windowSeconds: number): void {
  expect(res.status).toBe(429);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ type: 'urn:ccstats:problem:too-many-requests', title: 'Too many requests', status: 429 });
  const retryAfter = Number(res.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  expect(res.body.retryAfterSeconds).toBe(retryAfter);
}

const countUsers = async (db: TestDatabase) => Number((await db.query<{ n: string | number }>('SELECT count(*) AS n FROM users'))[0].n);

describe(`rate limits (${BACKEND})`, () => {
  let db: TestDatabase;
  let t: TestApp;

  useTestApp(ENV, (app) => ({ db, t } = app));

  it('registration: RATE_LIMIT_REGISTRATION per client address, then 429 with Retry-After and nothing stored', async () => {
    const address = newAddress();
    for (let i = 0; i < 3; i++) {
      const res = await register(t.http, address).expect(201);
      expect(res.headers['x-ratelimit-limit']).toBe('3');
      expect(res.headers['x-ratelimit-remaining']).toBe(String(2 - i));
    }
    const users = await countUsers(db);
    const refused = await register(t.http, address);
    expectTooMany(refused, 3600);
    expect(refused.body.detail).toContain('registrations from this address: at most 3 per hour');
    // Failed attempts count too: the budget is for requests, not for accounts.
    await register(t.http, address, '').expect(429);
    expect(await countUsers(db)).toBe(users);

    // Another address has its own budget; the admin is never limited.
    await register(t.http, newAddress()).expect(201);
    for (let i = 0; i < 3; i++) await register(t.http, address, uniqueName('byadmin'), ADMIN).expect(201);
  });

  it('failed authentication: after RATE_LIMIT_AUTH_FAILURES wrong tokens an address is refused whatever token it sends, a valid one too', async () => {
    const alice = await newUser(t.http);
    const address = newAddress();
    const info = (token?: string) => {
      const req = t.http.get(`/api/v1/users/${alice.username}/tokens`).set('X-Forwarded-For', address);
      return token === undefined ? req : req.set(bearer(token));
    };
    await info(alice.token).expect(200);
    for (let i = 0; i < 3; i++) await info(`ccs_wrong${i}`).expect(401);

    expectTooMany(await info('ccs_wrong-again'), 900);
    const valid = await info(alice.token);
    expectTooMany(valid, 900);
    expect(valid.body.detail).toContain('failed authentication attempts from this address: at most 3 per 15 minutes');
    // A malformed header is an attempt as well.
    expectTooMany(await t.http.get('/api/v1/info').set('X-Forwarded-For', address).set('Authorization', 'Basic x'), 900);

    // Nothing else about the address is refused: no token, the admin token, other addresses.
    await t.http.get('/api/v1/info').set('X-Forwarded-For', address).expect(200);
    await info(ADMIN).expect(200);
    await t.http.get(`/api/v1/users/${alice.username}/tokens`).set('X-Forwarded-For', newAddress()).set(bearer(alice.token)).expect(200);
  });

  it('uploads: RATE_LIMIT_UPLOADS per user, whatever the address; the admin uploads for the user regardless', async () => {
    const bob = await newUser(t.http);
    const carol = await newUser(t.http);
    const report = fixture('claude-daily.json');
    for (let i = 0; i < 3; i++) await upload(t.http, bob.token, report).set('X-Forwarded-For', newAddress()).expect(200);
    const uploads = async () => Number((await db.query<{ n: string | number }>('SELECT count(*) AS n FROM uploads'))[0].n);
    const before = await uploads();
    const refused = await upload(t.http, bob.token, report).set('X-Forwarded-For', newAddress());
    expectTooMany(refused, 3600);
    expect(refused.body.detail).toContain('uploads by this user: at most 3 per hour');
    expect(await uploads()).toBe(before);

    await upload(t.http, carol.token, report).expect(200);
    await upload(t.http, ADMIN, report, { username: bob.username }).expect(200);
    // Anonymous uploads are refused before their body is read, and spend nobody's budget.
    await upload(t.http, undefined, report).expect(401);
  });

  it('telemetry: RATE_LIMIT_TELEMETRY batches per user over both signals, then 429 with Retry-After in an OTLP Status body, nothing stored', async () => {
    const dana = await newUser(t.http);
    const erin = await newUser(t.http);
    const batch = (token: string, signal: 'metrics' | 'logs') =>
      t.http
        .post(`/v1/${signal}`)
        .set(bearer(token))
        .set('X-Forwarded-For', newAddress())
        .set('content-type', 'application/json')
        .send(signal === 'metrics' ? '{"resourceMetrics":[]}' : '{"resourceLogs":[]}');
    await batch(dana.token, 'metrics').expect(200);
    await batch(dana.token, 'logs').expect(200);
    const receipts = async () => Number((await db.query<{ n: string | number }>('SELECT count(*) AS n FROM telemetry_receipts'))[0].n);
    const before = await receipts();
    const refused = await batch(dana.token, 'metrics');
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(refused.headers['content-type']).toMatch(/^application\/json/);
    expect(refused.body).toEqual({ message: expect.stringContaining('telemetry batches from this user: at most 2 per hour') });
    expect(await receipts()).toBe(before);
    await batch(erin.token, 'metrics').expect(200);
  });

  it('tokens: at most MAX_ACTIVE_TOKENS live ones (409 until one is revoked), RATE_LIMIT_TOKEN_ISSUANCE requests per user (429); the admin is held to neither', async () => {
    const dave = await newUser(t.http);
    const issue = () => t.http.post(`/api/v1/users/${dave.username}/tokens`).set(bearer(dave.token)).send({ name: 'machine' });
    await issue().expect(201); // 2 live, 1 request
    const second = await issue().expect(201); // 3 live, 2 requests
    const full = await issue().expect(409); // 3 requests
    expect(full.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(full.body).toMatchObject({ type: 'urn:ccstats:problem:conflict', maxActiveTokens: 3 });
    expect(full.body.detail).toContain('MAX_ACTIVE_TOKENS');

    await t.http.delete(`/api/v1/users/${dave.username}/tokens/${second.body.id}`).set(bearer(dave.token)).expect(204);
    await issue().expect(201); // 3 live again, 4 requests
    await issue().expect(409); // 5 requests
    expectTooMany(await issue(), 3600);

    const live = await db.query<{ n: string | number }>(
      `SELECT count(*) AS n FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE u.username = $1 AND t.revoked_at IS NULL`,
      [dave.username],
    );
    expect(Number(live[0].n)).toBe(3);
    await t.http.post(`/api/v1/users/${dave.username}/tokens`).set(bearer(ADMIN)).expect(201);
    await t.http.post(`/api/v1/users/${dave.username}/tokens`).set(bearer(ADMIN)).expect(201);
  });

  it('deletes ended windows, so the table holds only current ones', async () => {
    const short = await startApp(db, { ...ENV, RATE_LIMIT_REGISTRATION: '1/1s' });
    try {
      const address = newAddress();
      await register(short.http, address).expect(201);
      await register(short.http, address).expect(429);
      const key = `registration:${address}`;
      const rows = () => db.query<{ key: string }>('SELECT key FROM runtime.rate_limits WHERE key = $1', [key]);
      expect(await rows()).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 1_100));
      expect(await short.app.get(Perimeter).removeExpired()).toBeGreaterThanOrEqual(1);
      expect(await rows()).toHaveLength(0);
      // The next window starts afresh.
      await register(short.http, address).expect(201);
    } finally {
      await short.close();
    }
  });

  it('lets requests through when the counters cannot be read or written (fail open: the request meets the same database)', async () => {
    const address = newAddress();
    for (let i = 0; i < 3; i++) await register(t.http, address).expect(201);
    await register(t.http, address).expect(429);
    const other = newAddress();
    await db.query('ALTER TABLE runtime.rate_limits RENAME TO rate_limits_away');
    try {
      for (let i = 0; i < 5; i++) await register(t.http, other).expect(201);
      // A key already known to be over its limit stays refused from memory until its window ends.
      await register(t.http, address).expect(429);
    } finally {
      await db.query('ALTER TABLE runtime.rate_limits_away RENAME TO rate_limits');
    }
    await register(t.http, other).expect(201);
    for (let i = 0; i < 2; i++) await register(t.http, other).expect(201);
    await register(t.http, other).expect(429);
  });

  (BACKEND === 'postgres' ? it : it.skip)('two instances on one database share every count', async () => {
    const other = await startApp(db, ENV);
    try {
      const address = newAddress();
      await register(t.http, address).expect(201);
      await register(other.http, address).expect(201);
      await register(t.http, address).expect(201);
      expectTooMany(await register(other.http, address), 3600);
      expectTooMany(await register(t.http, address), 3600);

      const failing = newAddress();
      for (const app of [t, other, t]) await app.http.get('/api/v1/info').set('X-Forwarded-For', failing).set(bearer('ccs_nope')).expect(401);
      expectTooMany(await other.http.get('/api/v1/info').set('X-Forwarded-For', failing).set(bearer('ccs_nope')), 900);
    } finally {
      await other.close();
    }
  });
});

describe(`rate limits switched off (${BACKEND})`, () => {
  let db: TestDatabase;
  let off: TestApp;

  useTestApp({ ...ENV, RATE_LIMITS: 'false', MAX_ACTIVE_TOKENS: 'off' }, (app) => ({ db, t: off } = app));

  it('RATE_LIMITS=false and MAX_ACTIVE_TOKENS=off: nothing is counted or refused', async () => {
    const address = '198.51.100.1';
    let token = '';
    let username = '';
    for (let i = 0; i < 6; i++) {
      username = uniqueName('off');
      const res = await register(off.http, address, username).expect(201);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
      token = res.body.token as string;
    }
    for (let i = 0; i < 6; i++) await off.http.get('/api/v1/info').set('X-Forwarded-For', address).set(bearer('ccs_wrong')).expect(401);
    for (let i = 0; i < 6; i++) await off.http.post(`/api/v1/users/${username}/tokens`).set('X-Forwarded-For', address).set(bearer(token)).expect(201);
    for (let i = 0; i < 6; i++) await upload(off.http, token, fixture('claude-daily.json')).expect(200);
    expect(await db.query('SELECT key FROM runtime.rate_limits')).toEqual([]);
  });

  it('one limit off leaves the others on', async () => {
    const partial = await startApp(db, { ...ENV, RATE_LIMIT_REGISTRATION: 'off' });
    try {
      const address = '198.51.100.2';
      for (let i = 0; i < 6; i++) await register(partial.http, address).expect(201);
      for (let i = 0; i < 3; i++) await partial.http.get('/api/v1/info').set('X-Forwarded-For', address).set(bearer('ccs_wrong')).expect(401);
      await partial.http.get('/api/v1/info').set('X-Forwarded-For', address).set(bearer('ccs_wrong')).expect(429);
    } finally {
      await partial.close();
    }
  });
});
