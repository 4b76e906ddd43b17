import { uniqueName } from '../helpers/api.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startApp, type TestApp } from '../helpers/test-app.js';
import { ADMIN, client, type Who } from '../teams/helpers.js';
import { distinctiveDays, money, person, type Person, sums, team } from './helpers.js';

/**
 * Each visibility and showCost on every read about users, for each kind of caller: anonymous, an
 * outsider, a teammate, the user themself and the admin. What each caller should see is decided
 * here from the rule in docs/privacy.md, and every expected number from what was uploaded.
 */
describe('privacy on the reads about users', () => {
  let db: TestDatabase;
  let t: TestApp;
  /**
   * A second replica on the same database, ranking in SQL (RANKING_INDEX=false) where the first ranks
   * from its in-memory index: privacy changed through one holds on the other at once.
   */
  let replica: TestApp;
  let pub: Person; // public, a display name
  let quiet: Person; // public, showCost false
  let mate1: Person; // teams, in the squad
  let mate2: Person; // teams, in the squad
  let hermit: Person; // private
  let outsider: Person; // public, in no team
  let squad: string;
  let everyone: Person[];

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startApp(db, { ADMIN_TOKEN: ADMIN });
    replica = await startApp(db, { ADMIN_TOKEN: ADMIN, RANKING_INDEX: 'false' });
    const model = 'claude-sonnet-4-5-20250929';
    pub = await person(t.http, uniqueName('pub'), distinctiveDays(1, [-3, -2], model), { displayName: 'Pub Lic' });
    quiet = await person(t.http, uniqueName('quiet'), distinctiveDays(2, [-2, -1], model), { showCost: false });
    mate1 = await person(t.http, uniqueName('mate1'), distinctiveDays(3, [-1], model), { visibility: 'teams' });
    mate2 = await person(t.http, uniqueName('mate2'), distinctiveDays(4, [-4, -1], model), { visibility: 'teams' });
    hermit = await person(t.http, uniqueName('hermit'), distinctiveDays(5, [-2], model), { visibility: 'private', displayName: 'Her Mit' });
    outsider = await person(t.http, uniqueName('out'), distinctiveDays(6, [-5], model));
    squad = await team(t.http, [mate1, mate2, pub]);
    everyone = [pub, quiet, mate1, mate2, hermit, outsider];
  }, 120_000);

  afterAll(async () => {
    await replica?.close();
    await t?.close();
    await db?.drop();
  });

  type Viewer = 'anonymous' | 'outsider' | 'mate2' | 'hermit' | 'quiet' | 'admin';
  const VIEWERS: Viewer[] = ['anonymous', 'outsider', 'mate2', 'hermit', 'quiet', 'admin'];
  const tokenOf = (v: Viewer): Who =>
    ({ anonymous: undefined, outsider: outsider.token, mate2: mate2.token, hermit: hermit.token, quiet: quiet.token, admin: ADMIN })[v];
  const selfOf = (v: Viewer): Person | undefined => ({ outsider, mate2, hermit, quiet })[v as 'outsider'];

  /** The rule, written out for the test: whom a viewer sees at all, and whose money. */
  function sees(v: Viewer, p: Person): boolean {
    if (v === 'admin' || selfOf(v) === p) return true;
    if (p === mate1 || p === mate2) return v === 'mate2';
    return p !== hermit;
  }
  const seesCost = (v: Viewer, p: Person) => sees(v, p) && (p !== quiet || v === 'admin' || v === 'quiet');

  function expectedBoard(v: Viewer, metric: 'tokens' | 'cost', among: Person[] = everyone) {
    const listed = among.filter((p) => (metric === 'cost' ? seesCost(v, p) : sees(v, p)));
    const value = (p: Person) => (metric === 'cost' ? sums(p).cost : sums(p).totalTokens);
    listed.sort((a, b) => value(b) - value(a));
    return listed.map((p, i) => ({
      rank: i + 1,
      username: p.username,
      totalTokens: sums(p).totalTokens,
      totalCost: seesCost(v, p) ? money(sums(p).cost) : null,
      displayName: p === pub ? 'Pub Lic' : p === hermit ? 'Her Mit' : null,
    }));
  }
  const boardOf = (body: { entries: Array<Record<string, unknown>> }) =>
    body.entries.map((e) => ({ rank: e.rank, username: e.username, totalTokens: e.totalTokens, totalCost: e.totalCost, displayName: e.displayName }));

  it.each(VIEWERS)('ranks only the users %s may see, numbered among themselves, by tokens and by cost, from the index and in SQL', async (v) => {
    for (const http of [t.http, replica.http]) {
      for (const metric of ['tokens', 'cost'] as const) {
        for (const period of ['all', '7d']) {
          const res = await client(http).get(`/api/v1/leaderboard?period=${period}&metric=${metric}&limit=500`, tokenOf(v)).expect(200);
          const expected = expectedBoard(v, metric);
          expect(boardOf(res.body)).toEqual(expected);
          expect(res.body.total).toBe(expected.length);
        }
      }
    }
  });

  it.each(VIEWERS)('pages among the users %s may see, from the index and in SQL', async (v) => {
    const expected = expectedBoard(v, 'tokens');
    for (const http of [t.http, replica.http]) {
      const paged = [];
      for (let offset = 0; offset < expected.length; offset++) {
        const res = await client(http).get(`/api/v1/leaderboard?period=all&metric=tokens&limit=1&offset=${offset}`, tokenOf(v)).expect(200);
        expect(res.body.total).toBe(expected.length);
        paged.push(...boardOf(res.body));
      }
      expect(paged).toEqual(expected);
      const ranks = await client(http).get(`/api/v1/users/${pub.username}/ranks?metric=tokens`, tokenOf(v)).expect(200);
      const seven = ranks.body.ranks.find((r: { period: string }) => r.period === '7d');
      expect(seven).toMatchObject({ rank: expected.findIndex((e) => e.username === pub.username) + 1, total: expected.length });
    }
  });

  it.each(VIEWERS)('answers profiles, usage, activity and ranks of hidden users 404 and nulls hidden money (%s)', async (v) => {
    const c = client(t.http);
    for (const p of everyone) {
      const paths = [
        `/api/v1/users/${p.username}`,
        `/api/v1/users/${p.username}/usage`,
        `/api/v1/users/${p.username}/activity`,
        `/api/v1/users/${p.username}/ranks?metric=tokens`,
      ];
      for (const path of paths) {
        const res = await c.get(path, tokenOf(v));
        expect([path, res.status]).toEqual([path, sees(v, p) ? 200 : 404]);
        if (res.status === 404) expect(res.text).not.toContain(String(sums(p).totalTokens));
      }
      if (!sees(v, p)) continue;
      const profile = await c.get(`/api/v1/users/${p.username}`, tokenOf(v)).expect(200);
      expect(profile.body.totals.totalTokens).toBe(sums(p).totalTokens);
      expect(profile.body.totals.totalCost).toBe(seesCost(v, p) ? money(sums(p).cost) : null);
      for (const m of profile.body.topModels) expect(m.cost === null).toBe(!seesCost(v, p));
      const usage = await c.get(`/api/v1/users/${p.username}/usage`, tokenOf(v)).expect(200);
      expect(usage.body.totals.totalCost).toBe(seesCost(v, p) ? money(sums(p).cost) : null);
      for (const row of usage.body.rows) {
        expect(row.totalCost === null).toBe(!seesCost(v, p));
        for (const m of row.models) expect(m.cost === null).toBe(!seesCost(v, p));
      }
      const costRanks = await c.get(`/api/v1/users/${p.username}/ranks?metric=cost`, tokenOf(v));
      expect(costRanks.status).toBe(seesCost(v, p) ? 200 : 403);
      const ranks = await c.get(`/api/v1/users/${p.username}/ranks?metric=tokens`, tokenOf(v)).expect(200);
      const all = ranks.body.ranks.find((r: { period: string }) => r.period === 'all');
      const board = expectedBoard(v, 'tokens');
      expect(all).toMatchObject({ rank: board.findIndex((e) => e.username === p.username) + 1, total: board.length, value: String(sums(p).totalTokens) });
    }
  });

  it.each(VIEWERS)('draws badges only of users %s may see, and a cost badge only where the money shows', async (v) => {
    const c = client(t.http);
    for (const p of everyone) {
      await c.get(`/api/v1/users/${p.username}/badge.svg?metric=tokens&period=all`, tokenOf(v)).expect(sees(v, p) ? 200 : 404);
      await c.get(`/api/v1/users/${p.username}/badge.svg?metric=cost&period=all`, tokenOf(v)).expect(!sees(v, p) ? 404 : seesCost(v, p) ? 200 : 403);
    }
  });

  it.each(VIEWERS)('lists, exports and shows the week of only the users %s may see, money nulled where hidden', async (v) => {
    const c = client(t.http);
    const visible = everyone.filter((p) => sees(v, p)).map((p) => p.username);
    const list = await c.get('/api/v1/users?limit=500', tokenOf(v)).expect(200);
    expect(list.body.users.map((u: { username: string }) => u.username).sort()).toEqual([...visible].sort());
    expect(list.body.total).toBe(visible.length);
    for (const u of list.body.users) {
      const p = everyone.find((x) => x.username === u.username)!;
      expect(u.totalCost).toBe(seesCost(v, p) ? money(sums(p).cost) : null);
    }
    const byCost = await c.get('/api/v1/users?limit=500&sort=totalCost', tokenOf(v)).expect(200);
    expect(byCost.body.users.map((u: { username: string }) => u.username).sort()).toEqual(
      everyone
        .filter((p) => seesCost(v, p))
        .map((p) => p.username)
        .sort(),
    );

    const from = utcOffset(-30);
    const to = new Date().toISOString().slice(0, 10);
    const exported = await c.get(`/api/v1/usage?from=${from}&to=${to}&limit=5000`, tokenOf(v)).expect(200);
    const expectedRows = everyone.filter((p) => sees(v, p)).flatMap((p) => p.days.map((d) => [p.username, d.date, seesCost(v, p) ? money(d.cost) : null]));
    expect(exported.body.rows.map((r: { username: string; date: string; totalCost: string | null }) => [r.username, r.date, r.totalCost]).sort()).toEqual(
      expectedRows.sort(),
    );
    const csv = await c.get(`/api/v1/usage?from=${from}&to=${to}&format=csv`, tokenOf(v)).expect(200);
    for (const p of everyone) expect(csv.text.includes(p.username)).toBe(sees(v, p));
    for (const p of everyone) {
      await c.get(`/api/v1/usage?from=${from}&to=${to}&username=${p.username}`, tokenOf(v)).expect(sees(v, p) ? 200 : 404);
    }
    const week = await c.get('/api/v1/usage/weekly?limit=500', tokenOf(v)).expect(200);
    const inWeek = everyone.filter((p) => sees(v, p)).flatMap((p) => p.days.filter((d) => d.date >= utcOffset(-6)).map(() => p.username));
    expect(week.body.rows.map((r: { username: string }) => r.username).sort()).toEqual(inWeek.sort());
    expect(week.body.total).toBe(inWeek.length);
  });

  const utcOffset = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

  it.each(VIEWERS)("shows a team's members and board as %s may see them", async (v) => {
    const c = client(t.http);
    const members = [mate1, mate2, pub];
    const listed = await c.get(`/api/v1/teams/${squad}/members?limit=500`, tokenOf(v)).expect(200);
    // mate1 owns the squad: the admin and mate1 manage it and see everyone; others see whom they may.
    const expected = members.filter((p) => v === 'admin' || sees(v, p)).map((p) => p.username);
    expect(listed.body.members.map((m: { username: string }) => m.username).sort()).toEqual(expected.sort());
    const board = await c.get(`/api/v1/teams/${squad}/leaderboard?period=all&metric=tokens`, tokenOf(v)).expect(200);
    expect(board.body.team).toBe(squad);
    expect(boardOf(board.body)).toEqual(expectedBoard(v, 'tokens', members));
    const csv = await c.get(`/api/v1/teams/${squad}/leaderboard?period=all&metric=tokens&format=csv`, tokenOf(v)).expect(200);
    for (const p of everyone) expect(csv.text.includes(p.username)).toBe(members.includes(p) && sees(v, p));
  });

  it('keeps privacy settings to the owner and the admin, and refuses bad ones storing nothing', async () => {
    const c = client(t.http);
    await c.get(`/api/v1/users/${mate1.username}/privacy`, undefined).expect(401);
    await c.get(`/api/v1/users/${mate1.username}/privacy`, mate2.token).expect(403);
    const own = await c.get(`/api/v1/users/${mate1.username}/privacy`, mate1.token).expect(200);
    expect(own.body).toEqual({
      username: mate1.username,
      visibility: 'teams',
      showCost: true,
      displayName: null,
      defaults: { visibility: 'public', showCost: true },
    });
    await c.get(`/api/v1/users/${mate1.username}/privacy`, ADMIN).expect(200);
    for (const bad of [
      { visibility: 'friends' },
      { showCost: 'no' },
      { displayName: '' },
      { displayName: 'x'.repeat(101) },
      { displayName: 'a\u0000b' },
      { other: 1 },
    ]) {
      await c.patch(`/api/v1/users/${mate1.username}/privacy`, mate1.token, bad).expect(400);
    }
    await c.patch(`/api/v1/users/${mate1.username}/privacy`, mate2.token, { visibility: 'public' }).expect(403);
    expect((await c.get(`/api/v1/users/${mate1.username}/privacy`, mate1.token).expect(200)).body).toEqual(own.body);
  });

  it('holds a change of privacy on the next request, through another replica', async () => {
    const c = client(t.http);
    const other = client(replica.http);
    // Warm both replicas' leaderboards (index and coalescer) before the change.
    await c.get('/api/v1/leaderboard?period=all&metric=tokens', undefined).expect(200);
    await other.get('/api/v1/leaderboard?period=all&metric=tokens', undefined).expect(200);
    const names = async (http: ReturnType<typeof client>) =>
      (await http.get('/api/v1/leaderboard?period=all&metric=tokens&limit=500', undefined).expect(200)).body.entries.map(
        (e: { username: string }) => e.username,
      );
    expect(await names(c)).not.toContain(hermit.username);
    await other.patch(`/api/v1/users/${hermit.username}/privacy`, hermit.token, { visibility: 'public' }).expect(200);
    expect(await names(c)).toContain(hermit.username);
    await c.get(`/api/v1/users/${hermit.username}`, undefined).expect(200);
    await other.patch(`/api/v1/users/${hermit.username}/privacy`, hermit.token, { visibility: 'private' }).expect(200);
    expect(await names(c)).not.toContain(hermit.username);
    await c.get(`/api/v1/users/${hermit.username}`, undefined).expect(404);
    // Leaving the squad ends what teammates saw, also at once.
    await other.get(`/api/v1/users/${mate1.username}`, mate2.token).expect(200);
    await c.del(`/api/v1/teams/${squad}/members/${mate2.username}`, mate2.token).expect(204);
    await other.get(`/api/v1/users/${mate1.username}`, mate2.token).expect(404);
  });

  it('starts new users with the server defaults', async () => {
    // Another replica on the same database, configured with stricter defaults.
    const strict = await startApp(db, { ADMIN_TOKEN: ADMIN, DEFAULT_VISIBILITY: 'teams', DEFAULT_SHOW_COST: 'false' });
    try {
      const p = await person(strict.http, uniqueName('strict'), distinctiveDays(7, [-1], 'claude-sonnet-4-5-20250929'));
      const settings = await client(strict.http).get(`/api/v1/users/${p.username}/privacy`, p.token).expect(200);
      expect(settings.body).toMatchObject({ visibility: 'teams', showCost: false, defaults: { visibility: 'teams', showCost: false } });
      await client(strict.http).get(`/api/v1/users/${p.username}`, undefined).expect(404);
      const board = await client(strict.http).get('/api/v1/leaderboard?period=all&limit=500', undefined).expect(200);
      expect(board.body.entries.map((e: { username: string }) => e.username)).not.toContain(p.username);
      const own = await client(strict.http).get('/api/v1/leaderboard?period=all&limit=500', p.token).expect(200);
      expect(own.body.entries.map((e: { username: string }) => e.username)).toContain(p.username);
    } finally {
      await strict.close();
    }
  });
});
