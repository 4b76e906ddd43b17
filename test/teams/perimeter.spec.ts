import { newInviteCode } from '../../src/teams/invite-codes.js';
import { registerUser } from '../helpers/api.js';
import { BACKEND } from '../helpers/database.js';
import { type TestApp, useTestApp } from '../helpers/test-app.js';
import { ADMIN, client, createTeam, invite } from './helpers.js';

/** Invite codes cannot be guessed at speed (wrong codes count as failed authentications); team and invite creation spend RATE_LIMIT_TEAMS. */
describe(`teams at the perimeter (${BACKEND})`, () => {
  let t: TestApp;
  useTestApp({ ADMIN_TOKEN: ADMIN, RATE_LIMITS: 'true', RATE_LIMIT_AUTH_FAILURES: '3/10m', RATE_LIMIT_TEAMS: '3/1h' }, (app) => ({ t } = app));
  const c = () => client(t.http);

  test('team and invite creations per user: the 4th is 429; another user and the admin are not counted', async () => {
    const [a, b] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    const slug = await createTeam(t.http, a.token);
    await invite(t.http, slug, a.token);
    await invite(t.http, slug, a.token);
    const over = await c().post(`/api/v1/teams/${slug}/invites`, a.token, {});
    expect(over.status).toBe(429);
    expect(over.headers['retry-after']).toBeDefined();
    expect(over.body.detail).toMatch(/teams and invites created by this user/);
    expect((await c().post('/api/v1/teams', b.token, { slug: `${slug}-b`, name: 'B' })).status).toBe(201);
    expect((await c().post(`/api/v1/teams/${slug}/invites`, ADMIN, {})).status).toBe(201);
  });

  test('wrong invite codes count as failed authentications: past the limit even a right code is 429', async () => {
    const owner = await registerUser(t.http);
    const slug = await createTeam(t.http, owner.token);
    const { code } = await invite(t.http, slug, ADMIN);
    const guesser = await registerUser(t.http);
    expect((await c().get(`/api/v1/invites/${code}`, undefined)).status).toBe(200);
    expect((await c().get(`/api/v1/invites/${newInviteCode()}`, undefined)).status).toBe(404);
    expect((await c().post(`/api/v1/invites/${newInviteCode()}/accept`, guesser.token)).status).toBe(404);
    // A right code is not a failure.
    expect((await c().get(`/api/v1/invites/${code}`, undefined)).status).toBe(200);
    expect((await c().get(`/api/v1/invites/${newInviteCode()}`, undefined)).status).toBe(404);
    const anonymous = await c().get(`/api/v1/invites/${code}`, undefined);
    expect(anonymous.status).toBe(429);
    expect(anonymous.body.detail).toMatch(/failed authentication attempts/);
    expect((await c().post(`/api/v1/invites/${code}/accept`, guesser.token)).status).toBe(429);
    // The admin is never limited.
    expect((await c().get(`/api/v1/invites/${code}`, ADMIN)).status).toBe(200);
  });
});
