import { registerUser, upload } from '../helpers/api.js';
import { fixture } from '../helpers/ccusage.js';
import type { TestDatabase } from '../helpers/database.js';
import { expectedRows } from '../helpers/projects.js';
import { type TestApp, useTestApp } from '../helpers/test-app.js';

/**
 * Who may read and change a user's projects (the owner and the admin, as for a user's sources),
 * what everyone else gets, and the owner's alias and hidden flag.
 */

const ADMIN = 'the-admin-token-of-the-projects-tests';
const REPORT = fixture('claude-daily-instances.json') as { projects: Record<string, unknown[]> };
const PATHS = Object.keys(REPORT.projects);

interface Listed {
  id: number;
  name: string;
  path: string;
  alias: string | null;
  hidden: boolean;
}

describe('projects: access, alias and hiding', () => {
  let db: TestDatabase;
  let t: TestApp;
  let alice: { username: string; token: string };
  let bob: { username: string; token: string };
  let ids: number[];
  useTestApp({ LOG_LEVEL: 'warn', ADMIN_TOKEN: ADMIN }, (app) => ({ db, t } = app));

  beforeAll(async () => {
    alice = await registerUser(t.http);
    bob = await registerUser(t.http);
    await upload(t.http, alice.token, REPORT).expect(200);
    await upload(t.http, bob.token, fixture('legacy-v17.2.1/daily-instances.json')).expect(200);
    const list = await t.http.get(`/api/v1/users/${alice.username}/projects`).set('Authorization', `Bearer ${alice.token}`).expect(200);
    ids = list.body.projects.map((p: Listed) => p.id);
    expect(ids).toHaveLength(PATHS.length);
  });

  const as = (token: string | undefined, req: ReturnType<TestApp['http']['get']>) => (token ? req.set('Authorization', `Bearer ${token}`) : req);
  const list = (token: string | undefined, username = alice.username, query: Record<string, string> = {}) =>
    as(token, t.http.get(`/api/v1/users/${username}/projects`).query(query));
  const series = (token: string | undefined, id: number, username = alice.username) => as(token, t.http.get(`/api/v1/users/${username}/projects/${id}/series`));
  const patch = (token: string | undefined, id: number, body: unknown, username = alice.username) =>
    as(token, t.http.patch(`/api/v1/users/${username}/projects/${id}`).send(body as object));
  const settings = async () =>
    db.query<{ id: number; alias: string | null; hidden: boolean }>(
      `SELECT p.id, p.alias, p.hidden FROM projects p JOIN users u ON u.id = p.user_id WHERE u.username = $1 ORDER BY p.id`,
      [alice.username],
    );
  /** No answer to anyone but the owner and the admin may carry a project's path. */
  const expectNoPath = (text: string) => {
    for (const path of PATHS) expect(text).not.toContain(path);
    expect(text).not.toContain('-home-');
  };

  it('answers the owner and the admin, privately', async () => {
    for (const token of [alice.token, ADMIN]) {
      const res = await list(token).expect(200);
      expect(res.headers['cache-control']).toBe('private, no-store');
      expect(res.body.projects.map((p: Listed) => p.path).sort()).toEqual([...PATHS].sort());
      const one = await series(token, ids[0]).expect(200);
      expect(one.headers['cache-control']).toBe('private, no-store');
    }
    // The admin reads any user's, case-insensitively named as everywhere.
    await list(ADMIN, alice.username.toUpperCase()).expect(200);
  });

  it("refuses everyone else as it refuses them a user's sources, before the name is looked up, and says no path", async () => {
    const cases: Array<[string | undefined, number]> = [
      [undefined, 401],
      [bob.token, 403],
      ['ccs_not-a-token-at-all', 401],
    ];
    for (const [token, status] of cases) {
      for (const username of [alice.username, 'nobody-has-this-name']) {
        const sources = await as(token, t.http.get(`/api/v1/users/${username}/sources`));
        expect(sources.status).toBe(status);
        const answers = [
          await list(token, username),
          await list(token, username, { includeHidden: 'true' }),
          await series(token, ids[0], username),
          await patch(token, ids[0], { alias: 'stolen' }, username),
        ];
        for (const res of answers) {
          expect(res.status).toBe(status);
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
          expectNoPath(res.text);
        }
      }
    }
    expect((await settings()).every((s) => s.alias === null && !s.hidden)).toBe(true);
    // The admin learns that a user does not exist; the owner's own token for an unknown name is 403 above.
    await list(ADMIN, 'nobody-has-this-name').expect(404);
  });

  it("keeps a user's projects to the user: another user's project ids are 404 under one's own name", async () => {
    const bobs = (await list(bob.token, bob.username).expect(200)).body.projects as Listed[];
    expect(bobs.length).toBeGreaterThan(0);
    for (const p of bobs) {
      expect(ids).not.toContain(p.id);
      const s = await series(alice.token, p.id).expect(404);
      const u = await patch(alice.token, p.id, { hidden: true }).expect(404);
      for (const res of [s, u]) expectNoPath(res.text);
    }
    await series(alice.token, 2_147_483_647).expect(404);
    for (const bad of ['0', '-1', 'abc', '2147483648', '1.5']) {
      await as(alice.token, t.http.get(`/api/v1/users/${alice.username}/projects/${bad}/series`)).expect(400);
    }
  });

  it('does not name projects anywhere else: profile, usage, boards, summary, models, uploads', async () => {
    const paths = [
      `/api/v1/users/${alice.username}`,
      `/api/v1/users/${alice.username}/usage`,
      `/api/v1/users/${alice.username}/usage?format=csv`,
      `/api/v1/users/${alice.username}/ranks`,
      `/api/v1/users/${alice.username}/activity`,
      '/api/v1/users',
      '/api/v1/leaderboard?period=all',
      '/api/v1/stats/summary',
      '/api/v1/stats/series',
      '/api/v1/models',
      '/api/v1/usage?from=2025-06-01&to=2025-06-30',
      '/api/v1/usage/weekly',
    ];
    for (const path of paths) {
      for (const token of [undefined, bob.token]) {
        const res = await as(token, t.http.get(path));
        expect(res.status).toBeLessThan(500);
        expectNoPath(res.text);
      }
    }
    // The owner's own upload list and the upload's answer name no project either.
    expectNoPath((await t.http.get(`/api/v1/users/${alice.username}/uploads`).set('Authorization', `Bearer ${alice.token}`).expect(200)).text);
    expectNoPath((await upload(t.http, alice.token, REPORT).expect(200)).text);
  });

  it('renames: the alias is the name, the path stays; null removes it', async () => {
    const id = ids[0];
    const renamed = await patch(alice.token, id, { alias: 'Stats server ✨' }).expect(200);
    expect(renamed.headers['cache-control']).toBe('private, no-store');
    const path = renamed.body.path as string;
    expect(renamed.body).toEqual({ id, name: 'Stats server ✨', path, alias: 'Stats server ✨', hidden: false });
    const listed = (await list(alice.token).expect(200)).body.projects.find((p: Listed) => p.id === id);
    expect(listed).toMatchObject({ name: 'Stats server ✨', path, alias: 'Stats server ✨' });
    expect((await series(alice.token, id).expect(200)).body.project).toEqual({ id, name: 'Stats server ✨', path, alias: 'Stats server ✨', hidden: false });

    // The admin may rename too.
    await patch(ADMIN, id, { alias: 'by the admin' }).expect(200);
    expect((await settings()).find((s) => s.id === id)?.alias).toBe('by the admin');

    // The alias survives the projects' rows going and coming back.
    await upload(t.http, alice.token, fixture('claude-daily.json')).expect(200);
    expect((await list(alice.token).expect(200)).body.projects).toEqual([]);
    await upload(t.http, alice.token, REPORT).expect(200);
    expect((await list(alice.token).expect(200)).body.projects.find((p: Listed) => p.id === id)).toMatchObject({ name: 'by the admin', path });

    const cleared = await patch(alice.token, id, { alias: null }).expect(200);
    expect(cleared.body).toEqual({ id, name: path, path, alias: null, hidden: false });
  });

  it('hides: left out of the list unless includeHidden=true; the series still answers', async () => {
    const id = ids[1];
    expect((await patch(alice.token, id, { hidden: true }).expect(200)).body).toMatchObject({ id, hidden: true });
    const shown = (await list(alice.token).expect(200)).body;
    expect(shown.includeHidden).toBe(false);
    expect(shown.projects.map((p: Listed) => p.id)).not.toContain(id);
    expect(shown.projects).toHaveLength(ids.length - 1);
    const all = (await list(alice.token, alice.username, { includeHidden: 'true' }).expect(200)).body;
    expect(all.projects.find((p: Listed) => p.id === id)).toMatchObject({ hidden: true });
    expect(all.projects).toHaveLength(ids.length);
    await series(alice.token, id).expect(200);

    // Both at once, and back.
    expect((await patch(alice.token, id, { alias: 'secret', hidden: false }).expect(200)).body).toMatchObject({
      name: 'secret',
      alias: 'secret',
      hidden: false,
    });
    expect((await list(alice.token).expect(200)).body.projects).toHaveLength(ids.length);
  });

  it('refuses bad settings with field errors and changes nothing', async () => {
    const before = await settings();
    const bad: unknown[] = [
      {},
      { alias: '' },
      { alias: 'x'.repeat(101) },
      { alias: ' padded' },
      { alias: 'line\nbreak' },
      { alias: 'nul\u0000' },
      { alias: 42 },
      { hidden: 'yes' },
      { hidden: null },
      { alias: 'ok', other: 1 },
      [],
      'alias',
    ];
    for (const body of bad) {
      const res = await t.http
        .patch(`/api/v1/users/${alice.username}/projects/${ids[0]}`)
        .set('Authorization', `Bearer ${alice.token}`)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(body));
      expect([res.status, JSON.stringify(body)]).toEqual([400, JSON.stringify(body)]);
      expect(res.body.type).toBe('urn:ccstats:problem:validation-failed');
    }
    expect((await patch(alice.token, ids[0], { alias: 'x'.repeat(100) }).expect(200)).body.alias).toHaveLength(100);
    await patch(alice.token, ids[0], { alias: before.find((s) => s.id === ids[0])?.alias ?? null }).expect(200);
    expect(await settings()).toEqual(before);
  });

  it('bounds the range as other reads do', async () => {
    const bad: Array<Record<string, string>> = [
      { from: '2025-06-05', to: '2025-06-01' },
      { from: '2000-01-01', to: '2012-01-01' },
      { from: 'yesterday' },
      { includeHidden: 'yes' },
    ];
    for (const query of bad) {
      await list(alice.token, alice.username, query).expect(400);
    }
    await as(alice.token, t.http.get(`/api/v1/users/${alice.username}/projects/${ids[0]}/series`).query({ granularity: 'year' })).expect(400);
    // A range without data is empty, not an error.
    const empty = (await list(alice.token, alice.username, { from: '2001-01-01', to: '2001-12-31' }).expect(200)).body;
    expect(empty).toMatchObject({ from: '2001-01-01', to: '2001-12-31', projects: [] });
  });

  it("goes with the user: deleting one deletes their projects and rows, not others'", async () => {
    const count = async (table: string) => Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`))[0].n);
    const bobsRows = Number(
      (
        await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM project_days d JOIN users u ON u.id = d.user_id WHERE u.username = $1`, [bob.username])
      )[0].n,
    );
    expect(bobsRows).toBeGreaterThan(0);
    const carol = await registerUser(t.http);
    await upload(t.http, carol.token, REPORT).expect(200);
    const [projectsBefore, rowsBefore] = [await count('projects'), await count('project_days')];
    await t.http.delete(`/api/v1/users/${carol.username}`).set('Authorization', `Bearer ${carol.token}`).expect(204);
    expect(await count('projects')).toBe(projectsBefore - PATHS.length);
    expect(await count('project_days')).toBe(rowsBefore - expectedRows(REPORT as never).length);
    const left = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM project_days d LEFT JOIN users u ON u.id = d.user_id WHERE u.id IS NULL`);
    expect(Number(left[0].n)).toBe(0);
    expect(
      Number(
        (
          await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM project_days d JOIN users u ON u.id = d.user_id WHERE u.username = $1`, [bob.username])
        )[0].n,
      ),
    ).toBe(bobsRows);
  });
});
