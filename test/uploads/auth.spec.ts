import { createHash } from 'node:crypto';
import { registerUser, uniqueName, upload } from '../helpers/api.js';
import { fixture } from '../helpers/ccusage.js';
import type { TestDatabase } from '../helpers/database.js';
import { startApp, type TestApp, useTestApp } from '../helpers/test-app.js';

const ADMIN = 'the-admin-token-of-the-auth-tests';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('users, tokens and who may do what', () => {
  let db: TestDatabase;
  let open: TestApp;

  useTestApp({ LOG_LEVEL: 'warn', ADMIN_TOKEN: ADMIN }, (app) => ({ db, t: open } = app));

  it('registers a user with a token shown once and stored only as its SHA-256', async () => {
    const username = uniqueName('Alice');
    const res = await open.http.post('/api/v1/users').send({ username }).expect(201);
    expect(res.body).toEqual({ username, token: expect.stringMatching(/^ccs_[A-Za-z0-9_-]{43}$/), createdAt: expect.any(String) });
    expect(Math.abs(Date.parse(res.body.createdAt) - Date.now())).toBeLessThan(60_000);
    const rows = await db.query<{ token_hash: string; prefix: string; name: string }>(
      `SELECT t.token_hash, t.prefix, t.name FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE u.username = $1`,
      [username],
    );
    expect(rows).toEqual([{ token_hash: sha256(res.body.token), prefix: res.body.token.slice(0, 10), name: 'default' }]);
    const leaked = await db.query(`SELECT 1 FROM api_tokens WHERE token_hash = $1 OR prefix = $1 OR name = $1`, [res.body.token]);
    expect(leaked).toHaveLength(0);
  });

  it('refuses a taken name without regard to case (409)', async () => {
    const username = uniqueName('Bob');
    await open.http.post('/api/v1/users').send({ username }).expect(201);
    const res = await open.http.post('/api/v1/users').send({ username: username.toUpperCase() }).expect(409);
    expect(res.body.detail).toContain('taken');
  });

  it.each([
    ['empty', ''],
    ['51 characters', 'a'.repeat(51)],
    ['starting with a dot', '.alice'],
    ['with a space', 'alice smith'],
    ['with a slash', 'alice/bob'],
    ['non-ASCII', 'ålice'],
  ])('refuses a username that is %s (400)', async (_why, username) => {
    const res = await open.http.post('/api/v1/users').send({ username }).expect(400);
    expect(res.body.errors[0]).toMatchObject({ path: 'username', in: 'body' });
  });

  it('refuses unknown fields and a missing username (400)', async () => {
    await open.http.post('/api/v1/users').send({}).expect(400);
    const res = await open.http.post('/api/v1/users').send({ username: uniqueName(), admin: true }).expect(400);
    expect(res.body.errors[0].path).toBe('');
  });

  it('lets owner and admin issue, list and revoke tokens; others get 403, nobody 401', async () => {
    const alice = await registerUser(open.http);
    const mallory = await registerUser(open.http);
    const second = await open.http.post(`/api/v1/users/${alice.username}/tokens`).set(bearer(alice.token)).send({ name: 'desktop' }).expect(201);
    expect(second.body).toMatchObject({ name: 'desktop', token: expect.stringMatching(/^ccs_/), revokedAt: null });
    const byAdmin = await open.http.post(`/api/v1/users/${alice.username}/tokens`).set(bearer(ADMIN)).expect(201);
    expect(byAdmin.body.name).toBe('token');
    await open.http.post(`/api/v1/users/${alice.username}/tokens`).set(bearer(mallory.token)).expect(403);
    await open.http.post(`/api/v1/users/${alice.username}/tokens`).expect(401);

    await upload(open.http, second.body.token, fixture('claude-daily.json')).expect(200);
    const list = await open.http.get(`/api/v1/users/${alice.username}/tokens`).set(bearer(alice.token)).expect(200);
    expect(list.body.tokens.map((x: { name: string }) => x.name)).toEqual(['default', 'desktop', 'token']);
    for (const entry of list.body.tokens) expect(Object.keys(entry).sort()).toEqual(['createdAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt']);
    expect(list.body.tokens[1].lastUsedAt).not.toBeNull();
    await open.http.get(`/api/v1/users/${alice.username}/tokens`).set(bearer(mallory.token)).expect(403);

    await open.http.delete(`/api/v1/users/${alice.username}/tokens/${second.body.id}`).set(bearer(mallory.token)).expect(403);
    await open.http.delete(`/api/v1/users/${alice.username}/tokens/${second.body.id}`).set(bearer(alice.token)).expect(204);
    const revoked = await upload(open.http, second.body.token, fixture('claude-daily.json')).expect(401);
    expect(revoked.body.detail).toContain('revoked');
    await open.http.delete(`/api/v1/users/${alice.username}/tokens/${second.body.id}`).set(bearer(alice.token)).expect(404);
    await open.http.delete(`/api/v1/users/${alice.username}/tokens/not-a-number`).set(bearer(alice.token)).expect(400);
    // The other tokens still work.
    await upload(open.http, alice.token, fixture('claude-daily.json')).expect(200);
  });

  it('lets the admin upload for a user', async () => {
    const carol = await registerUser(open.http);
    const res = await upload(open.http, ADMIN, fixture('claude-daily.json'), { username: carol.username.toUpperCase(), device: 'ci' }).expect(200);
    expect(res.body).toMatchObject({ username: carol.username, device: 'ci', inserted: 7 });
  });

  it('deletes a user and, by the cascades, every row of theirs (owner or admin)', async () => {
    const dave = await registerUser(open.http);
    const erin = await registerUser(open.http);
    await upload(open.http, dave.token, fixture('claude-daily.json')).expect(200);
    await upload(open.http, dave.token, fixture('daily.json'), { device: 'second' }).expect(200);
    await open.http.delete(`/api/v1/users/${dave.username}`).set(bearer(erin.token)).expect(403);
    await open.http.delete(`/api/v1/users/${dave.username}`).expect(401);
    await open.http.delete(`/api/v1/users/${dave.username}`).set(bearer(dave.token)).expect(204);
    const left = await db.query<{ n: string | number }>(
      `SELECT (SELECT count(*) FROM usage_stats s WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = s.user_id))
            + (SELECT count(*) FROM model_usage m WHERE NOT EXISTS (SELECT 1 FROM usage_stats s WHERE s.id = m.usage_stats_id))
            + (SELECT count(*) FROM device_days d WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = d.user_id))
            + (SELECT count(*) FROM device_day_models m WHERE NOT EXISTS (SELECT 1 FROM device_days d WHERE d.id = m.device_day_id))
            + (SELECT count(*) FROM uploads p WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = p.user_id))
            + (SELECT count(*) FROM api_tokens t WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = t.user_id)) AS n`,
    );
    expect(Number(left[0].n)).toBe(0);
    await open.http.get(`/api/v1/users/${dave.username}/usage`).expect(404);
    await upload(open.http, dave.token, fixture('claude-daily.json')).expect(401);
    await open.http.delete(`/api/v1/users/${erin.username}`).set(bearer(ADMIN)).expect(204);
  });

  describe('with REGISTRATION=closed', () => {
    let closed: TestApp;
    let noAdmin: TestApp;
    beforeAll(async () => {
      closed = await startApp(db, { LOG_LEVEL: 'warn', REGISTRATION: 'closed', ADMIN_TOKEN: ADMIN });
      noAdmin = await startApp(db, { LOG_LEVEL: 'warn', REGISTRATION: 'closed' });
    });
    afterAll(async () => {
      await closed?.close();
      await noAdmin?.close();
    });

    it('registers only with the admin token', async () => {
      const user = await registerUser(open.http);
      await closed.http.post('/api/v1/users').send({ username: uniqueName() }).expect(401);
      await closed.http.post('/api/v1/users').set(bearer(user.token)).send({ username: uniqueName() }).expect(403);
      await closed.http.post('/api/v1/users').set(bearer(ADMIN)).send({ username: uniqueName() }).expect(201);
    });

    it('says how to enable admin actions when no admin token is configured (403)', async () => {
      const res = await noAdmin.http.post('/api/v1/users').send({ username: uniqueName() }).expect(403);
      expect(res.body.detail).toContain('ADMIN_TOKEN');
      // Whatever a caller sends, nothing is an admin token.
      await noAdmin.http.post('/api/v1/users').set(bearer(ADMIN)).send({ username: uniqueName() }).expect(401);
    });
  });
});
