import { upload } from '../helpers/api.js';
import { fixture } from '../helpers/ccusage.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startApp, type TestApp } from '../helpers/test-app.js';
import { ADMIN, client } from '../teams/helpers.js';
import { distinctiveDays, money, report, sums, type Person } from './helpers.js';

/**
 * The "done when", end to end: a company's private server (REGISTRATION=invite,
 * READ_ACCESS=token, DEFAULT_VISIBILITY=teams, DEFAULT_SHOW_COST=false). People join only by
 * invite, see their team's board with tokens but not each other's money, see nobody outside their
 * teams, and each sees their own usage per project.
 */
describe('a company running a private server', () => {
  let db: TestDatabase;
  let t: TestApp;
  let c: ReturnType<typeof client>;
  let lead: Person;
  let dev1: Person;
  let dev2: Person;
  let stranger: Person;
  let slug: string;
  const MODEL = 'claude-sonnet-4-5-20250929';

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startApp(db, {
      ADMIN_TOKEN: ADMIN,
      REGISTRATION: 'invite',
      READ_ACCESS: 'token',
      DEFAULT_VISIBILITY: 'teams',
      DEFAULT_SHOW_COST: 'false',
    });
    c = client(t.http);
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const register = async (username: string, token: string | undefined, body: object, days: ReturnType<typeof distinctiveDays>) => {
    const res = await c.post('/api/v1/users', token, { username, ...body }).expect(201);
    await upload(t.http, res.body.token, report(days)).expect(200);
    return { username, token: res.body.token as string, days };
  };

  it('lets people in only by invite, or by the admin', async () => {
    await c.post('/api/v1/users', undefined, { username: 'walk-in' }).expect(403);
    lead = await register('lead', ADMIN, {}, distinctiveDays(21, [-2, -1], MODEL));
    slug = (await c.post('/api/v1/teams?owner=lead', ADMIN, { slug: 'platform', name: 'Platform' }).expect(201)).body.slug;
    const code = (await c.post(`/api/v1/teams/${slug}/invites`, lead.token, { maxUses: 2 }).expect(201)).body.code;
    dev1 = await register('dev1', undefined, { invite: code }, distinctiveDays(22, [-3, -1], MODEL));
    dev2 = await register('dev2', undefined, { invite: code }, distinctiveDays(23, [-1], MODEL));
    // The invite is used up; someone else needs the admin.
    await c.post('/api/v1/users', undefined, { username: 'late', invite: code }).expect(410);
    stranger = await register('stranger', ADMIN, {}, distinctiveDays(24, [-1], MODEL));
    const members = await c.get(`/api/v1/teams/${slug}/members`, lead.token).expect(200);
    expect(members.body.members.map((m: { username: string }) => m.username).sort()).toEqual(['dev1', 'dev2', 'lead']);
  });

  it("shows each colleague the team's board with everyone's tokens and only their own money", async () => {
    const team = [lead, dev1, dev2];
    for (const viewer of team) {
      const board = await c.get(`/api/v1/teams/${slug}/leaderboard?period=all&metric=tokens`, viewer.token).expect(200);
      const expected = [...team].sort((a, b) => sums(b).totalTokens - sums(a).totalTokens);
      expect(
        board.body.entries.map((e: { username: string; totalTokens: number; totalCost: string | null }) => [e.username, e.totalTokens, e.totalCost]),
      ).toEqual(expected.map((p) => [p.username, sums(p).totalTokens, p === viewer ? money(sums(p).cost) : null]));
      // Ranked by cost, a colleague sees only themself: no one else's money, not even its order.
      const byCost = await c.get(`/api/v1/teams/${slug}/leaderboard?period=all&metric=cost`, viewer.token).expect(200);
      expect(byCost.body.entries.map((e: { username: string; rank: number }) => [e.username, e.rank])).toEqual([[viewer.username, 1]]);
    }
  });

  it('shows nobody outside their teams, and the stranger nobody but himself', async () => {
    const community = await c.get('/api/v1/leaderboard?period=all&metric=tokens', dev1.token).expect(200);
    expect(community.body.entries.map((e: { username: string }) => e.username).sort()).toEqual(['dev1', 'dev2', 'lead']);
    const alone = await c.get('/api/v1/leaderboard?period=all&metric=tokens', stranger.token).expect(200);
    expect(alone.body.entries.map((e: { username: string }) => e.username)).toEqual(['stranger']);
    await c.get('/api/v1/users/dev1', stranger.token).expect(404);
    await c.get('/api/v1/users/stranger', dev1.token).expect(404);
    const theirBoard = await c.get(`/api/v1/teams/${slug}/leaderboard?period=all`, stranger.token).expect(200);
    expect(theirBoard.body.entries).toEqual([]);
    await c.get('/api/v1/leaderboard', undefined).expect(401);
    // The admin sees everyone, with money.
    const all = await c.get('/api/v1/leaderboard?period=all&metric=cost', ADMIN).expect(200);
    expect(all.body.entries.map((e: { username: string }) => e.username).sort()).toEqual(['dev1', 'dev2', 'lead', 'stranger']);
    expect(all.body.entries.every((e: { totalCost: string | null }) => e.totalCost !== null)).toBe(true);
  });

  it('gives each person their own usage per project, and nobody else theirs', async () => {
    await upload(t.http, dev2.token, fixture('claude-daily-instances.json'), { device: 'laptop' }).expect(200);
    const sample = fixture('claude-daily-instances.json') as { projects: Record<string, Array<{ date: string }>> };
    const keys = Object.keys(sample.projects);
    const dates = Object.values(sample.projects)
      .flat()
      .map((d) => d.date)
      .sort();
    const mine = await c.get(`/api/v1/users/dev2/projects?from=${dates[0]}&to=${dates.at(-1)}`, dev2.token).expect(200);
    expect(mine.body.projects.map((p: { path: string }) => p.path).sort()).toEqual([...keys].sort());
    for (const who of [dev1, lead, stranger]) {
      const res = await c.get(`/api/v1/users/dev2/projects`, who.token);
      expect(res.status).toBe(403);
      for (const key of keys) expect(res.text).not.toContain(key);
    }
  });
});
