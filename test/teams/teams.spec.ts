import { registerUser, rowCounts, uniqueName } from '../helpers/api.js';
import { BACKEND, type TestDatabase } from '../helpers/database.js';
import { type TestApp, useTestApp } from '../helpers/test-app.js';
import { ADMIN, client, createTeam, invite, memberRoles, populatedTeam } from './helpers.js';

/** Teams, roles and their permission edges (docs/teams.md): owner, team admin, member, outsider, anonymous, the admin token. */
describe(`teams (${BACKEND})`, () => {
  let t: TestApp;
  let db: TestDatabase;
  useTestApp({ ADMIN_TOKEN: ADMIN }, (app) => ({ t, db } = app));
  const c = () => client(t.http);

  describe('creation', () => {
    test('the creator owns the team; slugs are unique without regard to case; refusals store nothing', async () => {
      const alice = await registerUser(t.http);
      const slug = uniqueName('Crew');
      const res = await c().post('/api/v1/teams', alice.token, { slug, name: 'The crew', description: 'We ship' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ slug, name: 'The crew', description: 'We ship', visibility: 'public', memberCount: 1, role: 'owner' });
      expect(await memberRoles(t.http, slug)).toEqual({ [alice.username]: 'owner' });

      const other = await registerUser(t.http);
      const before = await rowCounts(db.query);
      const refusals: Array<[string | undefined, object, number, string?]> = [
        [undefined, { slug: uniqueName('t'), name: 'x' }, 401],
        [alice.token, { slug: slug.toUpperCase(), name: 'Again' }, 409],
        [alice.token, { slug: 'Admin', name: 'reserved' }, 400],
        [alice.token, { slug: '-bad', name: 'x' }, 400],
        [alice.token, { slug: uniqueName('t'), name: '' }, 400],
        [alice.token, { slug: uniqueName('t'), name: 'a\u200bb' }, 400],
        [alice.token, { slug: uniqueName('t'), name: 'x', description: 'd'.repeat(501) }, 400],
        [alice.token, { slug: uniqueName('t'), name: 'x', visibility: 'secret' }, 400],
        [alice.token, { slug: uniqueName('t'), name: 'x', extra: 1 }, 400],
        [ADMIN, { slug: uniqueName('t'), name: 'no owner named' }, 400],
      ];
      for (const [token, body, status] of refusals) {
        const r = await c().post('/api/v1/teams', token, body);
        expect([JSON.stringify(body), r.status, r.headers['content-type']]).toEqual([
          JSON.stringify(body),
          status,
          expect.stringMatching(/^application\/problem\+json/),
        ]);
      }
      expect((await c().post(`/api/v1/teams?owner=${other.username}`, alice.token, { slug: uniqueName('t'), name: 'x' })).status).toBe(403);
      expect((await c().post('/api/v1/teams?owner=nobody-here', ADMIN, { slug: uniqueName('t'), name: 'x' })).status).toBe(404);
      expect(await rowCounts(db.query)).toEqual(before);
    });

    test('the admin token creates a team for a named owner', async () => {
      const bob = await registerUser(t.http);
      const slug = uniqueName('adm');
      const res = await c().post(`/api/v1/teams?owner=${bob.username.toUpperCase()}`, ADMIN, { slug, name: 'Made by admin', visibility: 'private' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ slug, visibility: 'private', memberCount: 1, role: null });
      expect(await memberRoles(t.http, slug)).toEqual({ [bob.username]: 'owner' });
    });

    test('a user owns at most 20 teams; the 21st is 409 and stores nothing', async () => {
      const carol = await registerUser(t.http);
      for (let i = 0; i < 20; i++) await createTeam(t.http, carol.token);
      const before = await rowCounts(db.query);
      const res = await c().post('/api/v1/teams', carol.token, { slug: uniqueName('t'), name: 'one too many' });
      expect(res.status).toBe(409);
      expect(res.body.maxOwnedTeams).toBe(20);
      expect(await rowCounts(db.query)).toEqual(before);
      // The admin is not limited.
      expect((await c().post(`/api/v1/teams?owner=${carol.username}`, ADMIN, { slug: uniqueName('t'), name: 'by admin' })).status).toBe(201);
    });
  });

  describe('reads and visibility', () => {
    test('a private team is 404 and absent from lists for outsiders and anonymous callers; members and the admin see it', async () => {
      const p = await populatedTeam(t.http, 'private');
      const pub = await populatedTeam(t.http, 'public');
      for (const path of [`/api/v1/teams/${p.slug}`, `/api/v1/teams/${p.slug}/members`]) {
        expect((await c().get(path, p.outsider.token)).status).toBe(404);
        expect((await c().get(path, undefined)).status).toBe(404);
        for (const who of [p.owner.token, p.admin.token, p.member.token, ADMIN]) expect((await c().get(path, who)).status).toBe(200);
      }
      const unknown = await c().get(`/api/v1/teams/${uniqueName('none')}`, p.outsider.token);
      const hidden = await c().get(`/api/v1/teams/${p.slug}`, p.outsider.token);
      expect(hidden.body.title).toBe(unknown.body.title);

      const slugsFor = async (token: string | undefined) =>
        ((await c().get('/api/v1/teams?limit=500', token)).body.teams as Array<{ slug: string }>).map((x) => x.slug);
      for (const who of [p.outsider.token, undefined]) {
        const seen = await slugsFor(who);
        expect(seen).toContain(pub.slug);
        expect(seen).not.toContain(p.slug);
      }
      for (const who of [p.member.token, ADMIN]) expect(await slugsFor(who)).toEqual(expect.arrayContaining([p.slug, pub.slug]));

      const mine = await c().get(`/api/v1/teams?q=${p.slug.toUpperCase()}`, p.admin.token);
      expect(mine.body).toMatchObject({ total: 1, teams: [{ slug: p.slug, memberCount: 3, role: 'admin', visibility: 'private' }] });
      const asOwner = await c().get(`/api/v1/teams/${p.slug}`, p.owner.token);
      expect(asOwner.body).toMatchObject({ memberCount: 3, role: 'owner' });
      expect((await c().get(`/api/v1/teams/${pub.slug}`, undefined)).body).toMatchObject({ role: null, memberCount: 3 });
    });

    test('members are listed owners first, paged, and as CSV', async () => {
      const p = await populatedTeam(t.http, 'public');
      const res = await c().get(`/api/v1/teams/${p.slug}/members`, undefined);
      expect(res.body.total).toBe(3);
      expect(res.body.members.map((m: { username: string; role: string }) => [m.username, m.role])).toEqual([
        [p.owner.username, 'owner'],
        [p.admin.username, 'admin'],
        [p.member.username, 'member'],
      ]);
      const page = await c().get(`/api/v1/teams/${p.slug}/members?limit=1&offset=2`, undefined);
      expect(page.body).toMatchObject({ total: 3, limit: 1, offset: 2, members: [{ username: p.member.username }] });
      const csv = await c().get(`/api/v1/teams/${p.slug}/members?format=csv`, undefined);
      expect(csv.headers['content-type']).toMatch(/^text\/csv/);
      expect(csv.text.trim().split(/\r?\n/)).toEqual([
        'username,role,joinedAt',
        ...res.body.members.map((m: { username: string; role: string; joinedAt: string }) => `${m.username},${m.role},${m.joinedAt}`),
      ]);
      const list = await c().get(`/api/v1/teams?q=${p.slug}&format=csv`, undefined);
      expect(list.text.split(/\r?\n/)[0]).toBe('slug,name,visibility,memberCount,role,createdAt');
    });
  });

  describe('settings and deletion', () => {
    test.each(['public', 'private'] as const)('PATCH and DELETE of a %s team: who may', async (visibility) => {
      const p = await populatedTeam(t.http, visibility);
      const path = `/api/v1/teams/${p.slug}`;
      const outsiderStatus = visibility === 'private' ? 404 : 403;
      const before = await rowCounts(db.query);
      expect((await c().patch(path, undefined, { name: 'x' })).status).toBe(401);
      expect((await c().patch(path, p.outsider.token, { name: 'x' })).status).toBe(outsiderStatus);
      expect((await c().patch(path, p.member.token, { name: 'x' })).status).toBe(403);
      expect((await c().patch(path, p.owner.token, {})).status).toBe(400);
      expect((await c().del(path, undefined)).status).toBe(401);
      expect((await c().del(path, p.outsider.token)).status).toBe(outsiderStatus);
      expect((await c().del(path, p.member.token)).status).toBe(403);
      expect((await c().del(path, p.admin.token)).status).toBe(403);
      expect(await rowCounts(db.query)).toEqual(before);

      const byOwner = await c().patch(path, p.owner.token, { name: 'Renamed', description: '' });
      expect(byOwner.body).toMatchObject({ name: 'Renamed', description: '', visibility, role: 'owner' });
      const byAdmin = await c().patch(path, p.admin.token, { description: 'Now described' });
      expect(byAdmin.body).toMatchObject({ name: 'Renamed', description: 'Now described', role: 'admin' });
      const byServer = await c().patch(path, ADMIN, { visibility: visibility === 'public' ? 'private' : 'public' });
      expect(byServer.status).toBe(200);
      expect((await c().get(path, p.outsider.token)).status).toBe(visibility === 'public' ? 404 : 200);

      expect((await c().del(path, p.owner.token)).status).toBe(204);
      expect((await c().get(path, ADMIN)).status).toBe(404);
      const left = await db.query<{ n: string }>(`SELECT count(*) AS n FROM team_members m JOIN users u ON u.id = m.user_id WHERE u.username = $1`, [
        p.member.username,
      ]);
      expect(Number(left[0].n)).toBe(0);
      expect((await c().get(`/api/v1/invites/${p.code}`, undefined)).status).toBe(404);

      const q = await populatedTeam(t.http, visibility);
      expect((await c().del(`/api/v1/teams/${q.slug}`, ADMIN)).status).toBe(204);
    });
  });

  describe('roles', () => {
    test('owners set any role, team admins switch members and admins only, members nobody; the last owner stays', async () => {
      const p = await populatedTeam(t.http, 'public');
      const [m2] = await Promise.all([registerUser(t.http)]);
      expect((await c().post(`/api/v1/invites/${p.code}/accept`, m2.token)).status).toBe(201);
      const role = (who: string | undefined, username: string, r: string) => c().patch(`/api/v1/teams/${p.slug}/members/${username}`, who, { role: r });

      const before = await rowCounts(db.query);
      expect((await role(undefined, p.member.username, 'admin')).status).toBe(401);
      expect((await role(p.outsider.token, p.member.username, 'admin')).status).toBe(403);
      expect((await role(p.member.token, m2.username, 'admin')).status).toBe(403);
      expect((await role(p.member.token, p.member.username, 'admin')).status).toBe(403);
      expect((await role(p.admin.token, p.owner.username, 'member')).status).toBe(403);
      expect((await role(p.admin.token, p.member.username, 'owner')).status).toBe(403);
      expect((await role(p.admin.token, p.admin.username, 'owner')).status).toBe(403);
      expect((await role(p.owner.token, p.owner.username, 'admin')).status).toBe(409);
      expect((await role(ADMIN, p.owner.username, 'member')).status).toBe(409);
      expect((await role(p.owner.token, p.outsider.username, 'admin')).status).toBe(404);
      expect((await role(p.owner.token, p.member.username, 'boss')).status).toBe(400);
      expect(await rowCounts(db.query)).toEqual(before);

      const promoted = await role(p.admin.token, p.member.username, 'admin');
      expect(promoted.body).toMatchObject({ username: p.member.username, role: 'admin' });
      expect((await role(p.admin.token, p.member.username, 'member')).body.role).toBe('member');
      expect((await role(p.owner.token, m2.username, 'owner')).body.role).toBe('owner');
      // Two owners now: either may step down, the second one may not.
      expect((await role(m2.token, p.owner.username, 'member')).body.role).toBe('member');
      expect((await role(m2.token, m2.username, 'admin')).status).toBe(409);
      expect((await role(ADMIN, p.member.username, 'owner')).body.role).toBe('owner');
      expect(await memberRoles(t.http, p.slug)).toEqual({
        [p.owner.username]: 'member',
        [p.admin.username]: 'admin',
        [p.member.username]: 'owner',
        [m2.username]: 'owner',
      });
    });

    test('leaving and removing: anyone leaves but the last owner, owners remove anyone, team admins members only', async () => {
      const p = await populatedTeam(t.http, 'private');
      const [m2, m3] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
      for (const who of [m2, m3]) expect((await c().post(`/api/v1/invites/${p.code}/accept`, who.token)).status).toBe(201);
      const remove = (who: string | undefined, username: string) => c().del(`/api/v1/teams/${p.slug}/members/${username}`, who);

      const before = await rowCounts(db.query);
      expect((await remove(undefined, p.member.username)).status).toBe(401);
      expect((await remove(p.outsider.token, p.member.username)).status).toBe(404);
      expect((await remove(p.member.token, m2.username)).status).toBe(403);
      expect((await remove(p.admin.token, p.owner.username)).status).toBe(403);
      expect((await remove(p.owner.token, p.owner.username)).status).toBe(409);
      expect((await remove(ADMIN, p.owner.username)).status).toBe(409);
      expect((await remove(p.owner.token, p.outsider.username)).status).toBe(404);
      expect(await rowCounts(db.query)).toEqual(before);

      expect((await remove(p.member.token, p.member.username)).status).toBe(204);
      expect((await remove(p.admin.token, m2.username)).status).toBe(204);
      expect((await c().patch(`/api/v1/teams/${p.slug}/members/${m3.username}`, p.owner.token, { role: 'admin' })).status).toBe(200);
      expect((await remove(p.admin.token, m3.username)).status).toBe(403);
      expect((await remove(p.owner.token, m3.username)).status).toBe(204);
      expect((await remove(p.admin.token, p.admin.username)).status).toBe(204);
      expect(await memberRoles(t.http, p.slug)).toEqual({ [p.owner.username]: 'owner' });
      // Gone members no longer see the private team.
      expect((await c().get(`/api/v1/teams/${p.slug}`, p.member.token)).status).toBe(404);
      expect((await c().post(`/api/v1/invites/${p.code}/accept`, p.member.token)).status).toBe(201);
      expect((await remove(ADMIN, p.member.username)).status).toBe(204);
    });
  });

  describe('user deletion', () => {
    test('the oldest admin succeeds a deleted sole owner, else the oldest member; a team left empty is deleted', async () => {
      const p = await populatedTeam(t.http, 'public');
      expect((await c().del(`/api/v1/users/${p.owner.username}`, p.owner.token)).status).toBe(204);
      expect(await memberRoles(t.http, p.slug)).toEqual({ [p.admin.username]: 'owner', [p.member.username]: 'member' });

      const q = await populatedTeam(t.http, 'public');
      const late = await registerUser(t.http);
      expect((await c().post(`/api/v1/invites/${q.code}/accept`, late.token)).status).toBe(201);
      expect((await c().patch(`/api/v1/teams/${q.slug}/members/${q.admin.username}`, q.owner.token, { role: 'member' })).status).toBe(200);
      expect((await c().del(`/api/v1/users/${q.owner.username}`, ADMIN)).status).toBe(204);
      // No admin left: the member who joined first (the demoted admin, who joined before the others).
      expect(await memberRoles(t.http, q.slug)).toEqual({ [q.admin.username]: 'owner', [q.member.username]: 'member', [late.username]: 'member' });

      // A team with a second owner keeps its owners as they are.
      const r = await populatedTeam(t.http, 'public');
      expect((await c().patch(`/api/v1/teams/${r.slug}/members/${r.member.username}`, r.owner.token, { role: 'owner' })).status).toBe(200);
      expect((await c().del(`/api/v1/users/${r.owner.username}`, ADMIN)).status).toBe(204);
      expect(await memberRoles(t.http, r.slug)).toEqual({ [r.admin.username]: 'admin', [r.member.username]: 'owner' });

      const solo = await registerUser(t.http);
      const slug = await createTeam(t.http, solo.token, { visibility: 'private' });
      await invite(t.http, slug, solo.token);
      expect((await c().del(`/api/v1/users/${solo.username}`, solo.token)).status).toBe(204);
      expect((await c().get(`/api/v1/teams/${slug}`, ADMIN)).status).toBe(404);
      expect(await db.query(`SELECT 1 FROM teams WHERE lower(slug) = lower($1)`, [slug])).toEqual([]);
    });
  });
});
