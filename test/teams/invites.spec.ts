import { hashInviteCode, invitePrefix, newInviteCode } from '../../src/teams/invite-codes.js';
import { TeamsRepository } from '../../src/teams/teams.repository.js';
import { registerUser, rowCounts } from '../helpers/api.js';
import { BACKEND, type TestDatabase } from '../helpers/database.js';
import { type TestApp, useTestApp } from '../helpers/test-app.js';
import { ADMIN, client, createTeam, invite, memberRoles, populatedTeam } from './helpers.js';

/** Invite links: who creates, lists and revokes them; expiry, use limits (also under concurrency), revocation, unknown codes. */
describe(`team invites (${BACKEND})`, () => {
  let t: TestApp;
  let db: TestDatabase;
  useTestApp({ ADMIN_TOKEN: ADMIN }, (app) => ({ t, db } = app));
  const c = () => client(t.http);

  /** An invite stored through the repository, expired `hours` ago: no waiting for the clock. */
  async function expiredInvite(slug: string, hours = 1): Promise<string> {
    const [team] = await db.query<{ id: number }>(`SELECT id FROM teams WHERE slug = $1`, [slug]);
    const code = newInviteCode();
    await t.app.get(TeamsRepository).createInvite({
      teamId: team.id,
      codeHash: hashInviteCode(code),
      codePrefix: invitePrefix(code),
      expiresInHours: -hours,
      maxUses: null,
      createdBy: null,
    });
    return code;
  }

  test.each(['public', 'private'] as const)('who may create, list and revoke invites of a %s team', async (visibility) => {
    const p = await populatedTeam(t.http, visibility);
    const path = `/api/v1/teams/${p.slug}/invites`;
    const outsiderStatus = visibility === 'private' ? 404 : 403;
    const before = await rowCounts(db.query);
    expect((await c().post(path, undefined, {})).status).toBe(401);
    expect((await c().post(path, p.outsider.token, {})).status).toBe(outsiderStatus);
    expect((await c().post(path, p.member.token, {})).status).toBe(403);
    expect((await c().post(path, p.owner.token, { expiresInHours: 0 })).status).toBe(400);
    expect((await c().post(path, p.owner.token, { expiresInHours: 721 })).status).toBe(400);
    expect((await c().post(path, p.owner.token, { maxUses: 10_001 })).status).toBe(400);
    expect((await c().post(path, p.owner.token, { maxUses: 1.5 })).status).toBe(400);
    expect((await c().get(path, undefined)).status).toBe(401);
    expect((await c().get(path, p.outsider.token)).status).toBe(outsiderStatus);
    expect((await c().get(path, p.member.token)).status).toBe(403);
    expect(await rowCounts(db.query)).toEqual(before);

    const started = Date.now();
    const byAdmin = await c().post(path, p.admin.token, { expiresInHours: 2, maxUses: 5 });
    expect(byAdmin.status).toBe(201);
    expect(byAdmin.headers['cache-control']).toBe('no-store');
    expect(byAdmin.body).toMatchObject({ team: p.slug, maxUses: 5, uses: 0, revokedAt: null, createdBy: p.admin.username, state: 'valid' });
    expect(byAdmin.body.code).toMatch(/^cci_[A-Za-z0-9_-]{43}$/);
    expect(byAdmin.body.url).toBe(`/join/${byAdmin.body.code}`);
    expect(byAdmin.body.prefix).toBe(byAdmin.body.code.slice(0, 10));
    const hoursAhead = (Date.parse(byAdmin.body.expiresAt) - started) / 3_600_000;
    expect(hoursAhead).toBeGreaterThan(1.9);
    expect(hoursAhead).toBeLessThan(2.1);
    const byServer = await c().post(path, ADMIN, undefined);
    expect(byServer.body).toMatchObject({ maxUses: null, createdBy: null });
    expect((Date.parse(byServer.body.expiresAt) - started) / 3_600_000).toBeCloseTo(168, 0);
    // Only the hash is stored.
    const stored = await db.query<{ code_hash: string }>(`SELECT code_hash FROM team_invites WHERE id = $1`, [byAdmin.body.id]);
    expect(stored[0].code_hash).toBe(hashInviteCode(byAdmin.body.code));

    const list = await c().get(path, p.owner.token);
    expect(list.body.total).toBe(3);
    expect(list.body.invites.map((i: { id: number }) => i.id)).toEqual([byServer.body.id, byAdmin.body.id, expect.any(Number)]);
    expect(JSON.stringify(list.body)).not.toContain(byAdmin.body.code);
    expect(list.body.invites[0]).not.toHaveProperty('code');

    const revoke = (who: string | undefined, id: number) => c().del(`${path}/${id}`, who);
    expect((await revoke(undefined, byAdmin.body.id)).status).toBe(401);
    expect((await revoke(p.member.token, byAdmin.body.id)).status).toBe(403);
    expect((await revoke(p.outsider.token, byAdmin.body.id)).status).toBe(outsiderStatus);
    expect((await revoke(p.owner.token, 2_000_000_000)).status).toBe(404);
    expect((await revoke(p.owner.token, byAdmin.body.id)).status).toBe(204);
    expect((await revoke(ADMIN, byAdmin.body.id)).status).toBe(404);
    expect((await revoke(ADMIN, byServer.body.id)).status).toBe(204);
    const gone = await c().get(`/api/v1/invites/${byAdmin.body.code}`, undefined);
    expect(gone.status).toBe(410);
    expect(gone.body).toMatchObject({ status: 410, reason: 'revoked' });
    expect((await c().get(path, p.admin.token)).body.invites[1]).toMatchObject({ id: byAdmin.body.id, state: 'revoked', revokedAt: expect.any(String) });
    // Another team's invite id is not this team's.
    const other = await createTeam(t.http, p.owner.token);
    const foreign = await invite(t.http, other, p.owner.token);
    expect((await revoke(p.owner.token, foreign.id)).status).toBe(404);
  });

  test('an invite link: preview for anyone, accept once (201), again unchanged (200); unknown 404; admin token 403', async () => {
    const owner = await registerUser(t.http);
    const slug = await createTeam(t.http, owner.token, { visibility: 'private' });
    const { code } = await invite(t.http, slug, owner.token, { maxUses: 2 });
    const preview = await c().get(`/api/v1/invites/${code}`, undefined);
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ team: { slug, name: `Team ${slug}` }, valid: true, usesLeft: 2 });

    const dana = await registerUser(t.http);
    const before = await rowCounts(db.query);
    expect((await c().post(`/api/v1/invites/${code}/accept`, undefined)).status).toBe(401);
    expect((await c().post(`/api/v1/invites/${code}/accept`, ADMIN)).status).toBe(403);
    expect((await c().post(`/api/v1/invites/${newInviteCode()}/accept`, dana.token)).status).toBe(404);
    expect((await c().get(`/api/v1/invites/${newInviteCode()}`, undefined)).status).toBe(404);
    expect((await c().get(`/api/v1/invites/not%20a%20code`, undefined)).status).toBe(400);
    expect((await c().post(`/api/v1/invites/${code}/accept`, owner.token)).status).toBe(200);
    expect(await rowCounts(db.query)).toEqual(before);

    const joined = await c().post(`/api/v1/invites/${code}/accept`, dana.token);
    expect(joined.status).toBe(201);
    expect(joined.body).toMatchObject({ joined: true, team: { slug, role: 'member', memberCount: 2, visibility: 'private' } });
    const again = await c().post(`/api/v1/invites/${code}/accept`, dana.token);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ joined: false, team: { slug, role: 'member', memberCount: 2 } });
    expect((await c().get(`/api/v1/invites/${code}`, undefined)).body.usesLeft).toBe(1);
    expect((await c().get(`/api/v1/teams/${slug}`, dana.token)).status).toBe(200);
  });

  test('expired, used-up and revoked invites are 410 and admit nobody', async () => {
    const owner = await registerUser(t.http);
    const slug = await createTeam(t.http, owner.token);
    const expired = await expiredInvite(slug);
    const once = await invite(t.http, slug, owner.token, { maxUses: 1 });
    const [eve, fay] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    expect((await c().post(`/api/v1/invites/${once.code}/accept`, eve.token)).status).toBe(201);

    const before = await rowCounts(db.query);
    for (const [code, reason] of [
      [expired, 'expired'],
      [once.code, 'used-up'],
    ]) {
      const preview = await c().get(`/api/v1/invites/${code}`, undefined);
      expect([preview.status, preview.body.reason]).toEqual([410, reason]);
      const accept = await c().post(`/api/v1/invites/${code}/accept`, fay.token);
      expect([accept.status, accept.body.reason, accept.headers['content-type']]).toEqual([410, reason, expect.stringMatching(/^application\/problem\+json/)]);
    }
    expect(await rowCounts(db.query)).toEqual(before);
    expect(await memberRoles(t.http, slug)).toEqual({ [owner.username]: 'owner', [eve.username]: 'member' });
    const listed = (await c().get(`/api/v1/teams/${slug}/invites`, owner.token)).body.invites as Array<{ state: string; uses: number }>;
    expect(listed.map((i) => [i.state, i.uses])).toEqual([
      ['used-up', 1],
      ['expired', 0],
    ]);
  });

  test('10 concurrent acceptances of a maxUses=3 invite: exactly 3 join', async () => {
    const owner = await registerUser(t.http);
    const slug = await createTeam(t.http, owner.token);
    const { code, id } = await invite(t.http, slug, owner.token, { maxUses: 3 });
    const people = await Promise.all(Array.from({ length: 10 }, () => registerUser(t.http)));
    const answers = await Promise.all(people.map((p) => c().post(`/api/v1/invites/${code}/accept`, p.token)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([201, 201, 201, 410, 410, 410, 410, 410, 410, 410]);
    const roles = await memberRoles(t.http, slug);
    expect(Object.keys(roles)).toHaveLength(4);
    const joined = people.filter((_, i) => answers[i].status === 201).map((p) => p.username);
    expect(Object.keys(roles).sort()).toEqual([owner.username, ...joined].sort());
    const [row] = await db.query<{ uses: number }>(`SELECT uses FROM team_invites WHERE id = $1`, [id]);
    expect(row.uses).toBe(3);
  });
});
