import { hashInviteCode, invitePrefix, newInviteCode } from '../../src/teams/invite-codes.js';
import { TeamsRepository } from '../../src/teams/teams.repository.js';
import { registerUser, rowCounts, uniqueName } from '../helpers/api.js';
import { BACKEND, type TestDatabase } from '../helpers/database.js';
import { type TestApp, useTestApp } from '../helpers/test-app.js';
import { ADMIN, client, createTeam, invite, memberRoles } from './helpers.js';

/** REGISTRATION=invite: only holders of a valid team invite (or the admin token) register, and they join that team. */
describe(`registration by invite (${BACKEND})`, () => {
  let t: TestApp;
  let db: TestDatabase;
  useTestApp({ ADMIN_TOKEN: ADMIN, REGISTRATION: 'invite' }, (app) => ({ t, db } = app));
  const c = () => client(t.http);

  test('without an invite 403, with a bad one 403 or 410, and nothing is stored; a good one registers into the team', async () => {
    const owner = await registerUser(t.http, uniqueName(), ADMIN);
    const slug = await createTeam(t.http, owner.token, { visibility: 'private' });
    const good = await invite(t.http, slug, owner.token, { maxUses: 2 });
    const revoked = await invite(t.http, slug, owner.token);
    expect((await c().del(`/api/v1/teams/${slug}/invites/${revoked.id}`, owner.token)).status).toBe(204);
    const [team] = await db.query<{ id: number }>(`SELECT id FROM teams WHERE slug = $1`, [slug]);
    const expired = newInviteCode();
    await t.app.get(TeamsRepository).createInvite({
      teamId: team.id,
      codeHash: hashInviteCode(expired),
      codePrefix: invitePrefix(expired),
      expiresInHours: -2,
      maxUses: null,
      createdBy: null,
    });

    const before = await rowCounts(db.query);
    const none = await c().post('/api/v1/users', undefined, { username: uniqueName() });
    expect(none.status).toBe(403);
    expect(none.body.detail).toMatch(/REGISTRATION=invite/);
    const refusals: Array<[string, number, string?]> = [
      [newInviteCode(), 403],
      [expired, 410, 'expired'],
      [revoked.code, 410, 'revoked'],
    ];
    for (const [code, status, reason] of refusals) {
      const res = await c().post('/api/v1/users', undefined, { username: uniqueName(), invite: code });
      expect([res.status, res.body.reason]).toEqual([status, reason]);
    }
    expect((await c().post('/api/v1/users', undefined, { username: uniqueName(), invite: 'bad code!' })).status).toBe(400);
    // A taken name with a good invite: the invite's use is not counted either.
    expect((await c().post('/api/v1/users', undefined, { username: owner.username, invite: good.code })).status).toBe(409);
    expect(await rowCounts(db.query)).toEqual(before);

    const name = uniqueName();
    const res = await c().post('/api/v1/users', undefined, { username: name, invite: good.code });
    expect(res.status).toBe(201);
    expect(await memberRoles(t.http, slug)).toEqual({ [owner.username]: 'owner', [name]: 'member' });
    const mine = await c().get(`/api/v1/teams/${slug}`, res.body.token);
    expect(mine.body).toMatchObject({ role: 'member', memberCount: 2 });
    const [row] = await db.query<{ uses: number }>(`SELECT uses FROM team_invites WHERE code_hash = $1`, [hashInviteCode(good.code)]);
    expect(row.uses).toBe(1);
    // The admin registers without an invite, or with one (the new user joins).
    expect((await c().post('/api/v1/users', ADMIN, { username: uniqueName() })).status).toBe(201);
    const third = uniqueName();
    expect((await c().post('/api/v1/users', ADMIN, { username: third, invite: good.code })).status).toBe(201);
    expect(Object.keys(await memberRoles(t.http, slug))).toHaveLength(3);
    // Used up now.
    const late = await c().post('/api/v1/users', undefined, { username: uniqueName(), invite: good.code });
    expect([late.status, late.body.reason]).toEqual([410, 'used-up']);
  });
});

describe(`registration with an invite under REGISTRATION=open (${BACKEND})`, () => {
  let t: TestApp;
  useTestApp({ ADMIN_TOKEN: ADMIN }, (app) => ({ t } = app));

  test('an invite in the body joins the team; a bad one refuses the registration', async () => {
    const owner = await registerUser(t.http);
    const slug = await createTeam(t.http, owner.token);
    const { code } = await invite(t.http, slug, owner.token);
    const name = uniqueName();
    expect((await client(t.http).post('/api/v1/users', undefined, { username: name, invite: code })).status).toBe(201);
    expect(await memberRoles(t.http, slug)).toEqual({ [owner.username]: 'owner', [name]: 'member' });
    expect((await client(t.http).post('/api/v1/users', undefined, { username: uniqueName(), invite: newInviteCode() })).status).toBe(403);
    expect((await client(t.http).post('/api/v1/users', undefined, { username: uniqueName() })).status).toBe(201);
  });
});
