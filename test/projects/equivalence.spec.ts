import { registerUser, upload } from '../helpers/api.js';
import { fixture } from '../helpers/ccusage.js';
import type { TestDatabase } from '../helpers/database.js';
import { apiTotals, expectedRows, sumBy } from '../helpers/projects.js';
import { type TestApp, useTestApp } from '../helpers/test-app.js';

/**
 * The same logs uploaded as a plain daily report and as `--instances` give the same days, models,
 * profile and leaderboard numbers; the project rows follow the form of the last upload of each
 * device-day.
 */

const PAIRS: Array<[plain: string, instances: string]> = [
  ['daily.json', 'claude-daily-instances.json'], // v20: `ccusage daily` and `ccusage claude daily --instances`
  ['claude-daily.json', 'claude-daily-instances.json'],
  ['legacy-v17.2.1/daily.json', 'legacy-v17.2.1/daily-instances.json'],
  ['legacy-v15.10.0/daily.json', 'legacy-v15.10.0/daily-instances.json'],
];

describe('plain and --instances uploads of the same logs', () => {
  let db: TestDatabase;
  let t: TestApp;
  useTestApp({ LOG_LEVEL: 'warn' }, (app) => ({ db, t } = app));

  const get = async (path: string, query: Record<string, string> = {}, token?: string) => {
    const req = t.http.get(path).query(query);
    if (token) void req.set('Authorization', `Bearer ${token}`);
    return (await req.expect(200)).body;
  };
  const projectList = async (user: { username: string; token: string }) => (await get(`/api/v1/users/${user.username}/projects`, {}, user.token)).projects;
  const projectRowCount = async (username: string, device?: string) =>
    Number(
      (
        await db.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM project_days d JOIN users u ON u.id = d.user_id WHERE u.username = $1 AND ($2::text IS NULL OR d.device = $2)`,
          [username, device ?? null],
        )
      )[0].n,
    );
  /** usage_stats and model_usage of a user as stored, with updated_at: an unchanged day keeps its row. */
  const stored = async (username: string) =>
    db.query(
      `SELECT s.date::text, s.total_tokens::text, s.input_tokens::text, s.output_tokens::text, s.cache_creation_input_tokens::text,
              s.cache_read_input_tokens::text, s.total_cost::text, s.updated_at::text,
              (SELECT json_agg(json_build_array(m.model, m.input_tokens::text, m.output_tokens::text, m.cost::text) ORDER BY m.model)
                 FROM model_usage m WHERE m.usage_stats_id = s.id) AS models
         FROM usage_stats s JOIN users u ON u.id = s.user_id WHERE u.username = $1 ORDER BY s.date`,
      [username],
    );

  describe.each(PAIRS)('%s and %s', (plainName, instancesName) => {
    const plain = fixture(plainName);
    const instances = fixture(instancesName) as { projects: Record<string, never[]> };

    it('give identical days, models, profile, leaderboard and ranks', async () => {
      const p = await registerUser(t.http);
      const i = await registerUser(t.http);
      expect((await upload(t.http, p.token, plain).expect(200)).body.format).not.toBe('instances');
      expect((await upload(t.http, i.token, instances).expect(200)).body.format).toBe('instances');

      for (const granularity of ['day', 'week', 'month']) {
        const { username: _p, ...pUsage } = await get(`/api/v1/users/${p.username}/usage`, { granularity });
        const { username: _i, ...iUsage } = await get(`/api/v1/users/${i.username}/usage`, { granularity });
        expect(iUsage.rows.length).toBeGreaterThan(0);
        expect(iUsage).toEqual(pUsage);
      }
      const profile = async (name: string) => {
        const { username: _u, createdAt: _c, devices, ...rest } = await get(`/api/v1/users/${name}`);
        return { ...rest, devices: devices.map((d: { device: string; days: number }) => [d.device, d.days]) };
      };
      expect(await profile(i.username)).toEqual(await profile(p.username));

      const board = await get('/api/v1/leaderboard', { period: 'all', limit: '100' });
      const entry = (name: string) => {
        const { username: _u, ...rest } = board.entries.find((e: { username: string }) => e.username === name);
        return rest;
      };
      expect(entry(i.username)).toEqual(entry(p.username));
      const ranks = async (name: string) => (await get(`/api/v1/users/${name}/ranks`)).ranks;
      expect(await ranks(i.username)).toEqual(await ranks(p.username));

      // Only the --instances upload has projects, and they add up to its days' tokens.
      expect(await projectList(p)).toEqual([]);
      const projects = await projectList(i);
      expect(projects.length).toBe(Object.keys(instances.projects).length);
      const { totals } = await get(`/api/v1/users/${i.username}/usage`);
      for (const kind of ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens'] as const) {
        expect(projects.reduce((s: number, pr: { totals: Record<string, number> }) => s + pr.totals[kind], 0)).toBe(totals[kind]);
      }
    });

    it('switching one device between the two forms rewrites its project rows and leaves its days as they were', async () => {
      const u = await registerUser(t.http);
      await upload(t.http, u.token, plain, { device: 'laptop' }).expect(200);
      const before = await stored(u.username);
      const days = before.length;
      expect(days).toBeGreaterThan(0);

      // Same numbers, now with projects: every day is rewritten (its projects changed), none of its sums.
      const withProjects = await upload(t.http, u.token, instances, { device: 'laptop' }).expect(200);
      expect(withProjects.body).toMatchObject({ inserted: 0, updated: days, unchanged: 0 });
      expect(await stored(u.username)).toEqual(before);
      const expected = sumBy(expectedRows(instances), (r) => r.project);
      const listed = await projectList(u);
      expect(listed.map((pr: { path: string; totals: unknown }) => [pr.path, pr.totals]).sort()).toEqual(
        [...expected].map(([path, e]) => [path, apiTotals(e.totals)]).sort(),
      );
      const rows = await projectRowCount(u.username);
      expect(rows).toBe(expectedRows(instances as never).length);

      // The same report again: nothing changes, the project rows stay.
      expect((await upload(t.http, u.token, instances, { device: 'laptop' }).expect(200)).body).toMatchObject({ updated: 0, unchanged: days });
      expect(await projectRowCount(u.username)).toBe(rows);

      // Re-reported without projects: the days' project rows go, their sums stay.
      const withoutProjects = await upload(t.http, u.token, plain, { device: 'laptop' }).expect(200);
      expect(withoutProjects.body).toMatchObject({ inserted: 0, updated: days, unchanged: 0 });
      expect(await projectRowCount(u.username)).toBe(0);
      expect(await projectList(u)).toEqual([]);
      expect(await stored(u.username)).toEqual(before);
    });
  });

  it("keeps each device's projects apart: another device's plain upload of the same days leaves them", async () => {
    const instances = fixture('claude-daily-instances.json') as { projects: Record<string, never[]> };
    const u = await registerUser(t.http);
    await upload(t.http, u.token, instances, { device: 'laptop' }).expect(200);
    const laptop = await projectList(u);
    const rows = await projectRowCount(u.username, 'laptop');
    expect(rows).toBeGreaterThan(0);

    await upload(t.http, u.token, fixture('claude-daily.json'), { device: 'desktop' }).expect(200);
    expect(await projectRowCount(u.username, 'laptop')).toBe(rows);
    expect(await projectRowCount(u.username, 'desktop')).toBe(0);
    expect(await projectList(u)).toEqual(laptop);

    // Both devices with projects: each project's numbers double, the ids stay.
    await upload(t.http, u.token, instances, { device: 'desktop' }).expect(200);
    const both = await projectList(u);
    expect(both.map((pr: { id: number }) => pr.id).sort()).toEqual(laptop.map((pr: { id: number }) => pr.id).sort());
    for (const pr of both) {
      const one = laptop.find((l: { id: number }) => l.id === pr.id);
      expect(pr.totals.inputTokens).toBe(2 * one.totals.inputTokens);
      expect(pr.activeDays).toBe(one.activeDays);
    }

    // The laptop re-reports without projects: only the desktop's remain.
    await upload(t.http, u.token, fixture('claude-daily.json'), { device: 'laptop' }).expect(200);
    expect(await projectRowCount(u.username, 'laptop')).toBe(0);
    expect(await projectList(u)).toEqual(laptop);
  });

  it("a day shorter report leaves the days it no longer holds, with their projects (as for the days' sums)", async () => {
    const instances = fixture('claude-daily-instances.json') as { projects: Record<string, Array<{ date: string }>> };
    const u = await registerUser(t.http);
    await upload(t.http, u.token, instances).expect(200);
    const before = await projectList(u);
    const lastDay = Object.values(instances.projects)
      .flat()
      .map((r) => r.date)
      .sort()
      .at(-1)!;
    const shorter = structuredClone(instances);
    for (const name of Object.keys(shorter.projects)) shorter.projects[name] = shorter.projects[name].filter((r) => r.date === lastDay);
    expect((await upload(t.http, u.token, shorter).expect(200)).body).toMatchObject({ days: 1, unchanged: 1 });
    expect(await projectList(u)).toEqual(before);
  });
});
