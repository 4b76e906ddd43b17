import type request from 'supertest';
import { OPERATIONS_DISABLED_MESSAGE } from '../../src/auth/auth.service.js';
import { registerUser } from '../helpers/api.js';
import { BACKEND, type TestDatabase } from '../helpers/database.js';
import { startApp, type TestApp, useTestApp } from '../helpers/test-app.js';

/**
 * Items 10 and 12 of issue 8: the probes are public, minimal and deaf to Authorization; the health
 * detail and /metrics need the admin token or METRICS_TOKEN; refusals about a user do not depend
 * on whether the user exists.
 */

const ADMIN = 'access-admin-token-of-the-access-tests';
const METRICS = 'access-metrics-token-of-the-access-tests';
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const GARBAGE = ['Bearer not-a-token', 'Bearer ', 'Basic dXNlcjpwYXNz', 'nonsense', `Bearer ${'x'.repeat(5000)}`];

function expectChallenge(res: request.Response, error?: string): void {
  expect(res.status).toBe(401);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.headers['www-authenticate']).toBe(error ? `Bearer realm="ccstats", error="${error}"` : 'Bearer realm="ccstats"');
}

describe(`probes, health detail and metrics (${BACKEND})`, () => {
  let db: TestDatabase;
  let t: TestApp;
  let user: { username: string; token: string };

  useTestApp(
    { LOG_LEVEL: 'warn', ADMIN_TOKEN: ADMIN, METRICS_TOKEN: METRICS, BACKUP_ENABLED: 'false', RATE_LIMITS: 'true', RATE_LIMIT_AUTH_FAILURES: '6/15m' },
    (app) => ({ db, t } = app),
  );
  beforeAll(async () => {
    user = await registerUser(t.http);
  });

  it('answers /health/live and /health/ready with a status per check and nothing else, whatever Authorization says', async () => {
    for (const authorization of [undefined, ...GARBAGE, `Bearer ${user.token}`, `Bearer ${ADMIN}`]) {
      for (const path of ['/health/live', '/health/ready']) {
        const req = t.http.get(path);
        const res = await (authorization === undefined ? req : req.set('Authorization', authorization));
        expect({ path, authorization, status: res.status }).toEqual({ path, authorization, status: 200 });
        for (const check of Object.values(res.body.details as Record<string, object>)) expect(check).toEqual({ status: 'up' });
      }
    }
    const ready = await t.http.get('/health/ready').expect(200);
    expect(ready.body).toEqual({
      status: 'ok',
      info: { shutdown: { status: 'up' }, database: { status: 'up' }, migrations: { status: 'up' }, backupDisk: { status: 'up' }, heap: { status: 'up' } },
      error: {},
      details: { shutdown: { status: 'up' }, database: { status: 'up' }, migrations: { status: 'up' }, backupDisk: { status: 'up' }, heap: { status: 'up' } },
    });
    // The garbage above was never counted as failed authentication (the limit here is 6; they were 10).
    await t.http.get('/api/v1/info').set(bearer(user.token)).expect(200);
  });

  it.each(['/health', '/metrics'])(
    '%s: no token 401 with a challenge, a bad one 401, a user token 403, METRICS_TOKEN and the admin token 200',
    async (path) => {
      expectChallenge(await t.http.get(path));
      expectChallenge(await t.http.get(path).set(bearer('ccs_unknown')), 'invalid_token');
      const forbidden = await t.http.get(path).set(bearer(user.token)).expect(403);
      expect(forbidden.body.type).toBe('urn:ccstats:problem:forbidden');
      const scraped = await t.http.get(path).set(bearer(METRICS)).expect(200);
      const admin = await t.http.get(path).set(bearer(ADMIN)).expect(200);
      if (path === '/metrics') {
        expect(scraped.text).toMatch(/^ccstats_http_request_duration_seconds_count/m);
        expect(admin.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
      } else {
        expect(scraped.body.details.backupDisk).toMatchObject({ status: 'up', directory: expect.any(String), freeMb: expect.any(Number) });
        expect(Object.keys(admin.body.details)).toEqual(['shutdown', 'database', 'migrations', 'backupDisk', 'heap', 'pool', 'backup']);
      }
    },
  );

  it('accepts METRICS_TOKEN nowhere else', async () => {
    expectChallenge(await t.http.get(`/api/v1/users/${user.username}/tokens`).set(bearer(METRICS)), 'invalid_token');
    expectChallenge(await t.http.get('/api/v1/maintenance/backups').set(bearer(METRICS)), 'invalid_token');
  });

  it('METRICS_PUBLIC=true opens /metrics (whatever Authorization says) and only /metrics', async () => {
    const open = await startApp(db, { LOG_LEVEL: 'warn', ADMIN_TOKEN: ADMIN, BACKUP_ENABLED: 'false', METRICS_PUBLIC: 'true' });
    try {
      await open.http.get('/metrics').expect(200);
      await open.http.get('/metrics').set('Authorization', 'Bearer garbage').expect(200);
      expectChallenge(await open.http.get('/health'));
      await open.http.get('/health').set(bearer(ADMIN)).expect(200);
    } finally {
      await open.close();
    }
  });

  it('without ADMIN_TOKEN and METRICS_TOKEN the detail and metrics are off (403 saying how to turn them on)', async () => {
    const none = await startApp(db, { LOG_LEVEL: 'warn', BACKUP_ENABLED: 'false' });
    try {
      for (const path of ['/health', '/metrics']) {
        const res = await none.http.get(path).expect(403);
        expect(res.body.detail).toBe(OPERATIONS_DISABLED_MESSAGE);
      }
      await none.http.get('/health/ready').expect(200);
    } finally {
      await none.close();
    }
  });
});

describe(`who exists is not told to those who may not know (${BACKEND})`, () => {
  let t: TestApp;
  let alice: { username: string; token: string };
  let bob: { username: string; token: string };

  useTestApp({ LOG_LEVEL: 'warn', ADMIN_TOKEN: ADMIN, READ_ACCESS: 'token' }, (app) => ({ t } = app));
  beforeAll(async () => {
    alice = await registerUser(t.http);
    bob = await registerUser(t.http);
  });

  const ROUTES: Array<[string, (name: string) => string, 'get' | 'post' | 'delete']> = [
    ['delete the user', (name) => `/api/v1/users/${name}`, 'delete'],
    ['list tokens', (name) => `/api/v1/users/${name}/tokens`, 'get'],
    ['issue a token', (name) => `/api/v1/users/${name}/tokens`, 'post'],
    ['revoke a token', (name) => `/api/v1/users/${name}/tokens/1`, 'delete'],
    ['list uploads', (name) => `/api/v1/users/${name}/uploads`, 'get'],
  ];

  it.each(ROUTES)("%s: 401 without a token and 403 with another user's, the same for a real name and an unknown one", async (_what, path, method) => {
    const answers: Array<{ status: number; detail: string }> = [];
    for (const name of [alice.username, 'nobody-at-all']) {
      const anonymous = await t.http[method](path(name));
      expectChallenge(anonymous);
      const other = await t.http[method](path(name)).set(bearer(bob.token));
      expect(other.status).toBe(403);
      answers.push({ status: anonymous.status, detail: anonymous.body.detail }, { status: other.status, detail: other.body.detail });
    }
    // Identical answers for the real and the unknown name.
    expect(answers.slice(2)).toEqual(answers.slice(0, 2));
    // The admin may know: 404 for the unknown name.
    const admin = await t.http[method](path('nobody-at-all')).set(bearer(ADMIN));
    expect(admin.status).toBe(404);
  });

  it('still lets owners act on themselves, in any case of their name', async () => {
    await t.http.get(`/api/v1/users/${alice.username.toUpperCase()}/tokens`).set(bearer(alice.token)).expect(200);
    await t.http.delete(`/api/v1/users/${bob.username}`).set(bearer(bob.token)).expect(204);
  });
});
