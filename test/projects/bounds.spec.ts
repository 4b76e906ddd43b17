import { registerUser, rowCounts, upload } from '../helpers/api.js';
import { fixture } from '../helpers/ccusage.js';
import type { TestDatabase } from '../helpers/database.js';
import { settleSharedDays, type TestApp, useTestApp } from '../helpers/test-app.js';

/**
 * What a user's projects are bounded by (names of 1–500 printable characters, 2,000 projects per
 * user), that a refused upload stores nothing, and that no log line ever carries a project's name.
 */

type Row = Record<string, unknown> & { date: string };
type Report = { projects: Record<string, Row[]>; totals?: unknown };

const SAMPLE = fixture('claude-daily-instances.json') as Report;
/** A real row of the sample (one project's first day), to copy under other names and days. */
const ROW = Object.values(SAMPLE.projects)[0][0];

/** Every project name these tests upload carries this, so the logs can be searched for it. */
const MARK = 'zq-marker';
const projectName = (n: number | string) => `-home-${MARK}-${n}`;

/** A report of `count` projects named from `first` on, each with the sample's row on `date`. */
function manyProjects(first: number, count: number, date: string): Report {
  const projects: Report['projects'] = {};
  for (let i = first; i < first + count; i++) projects[projectName(i)] = [{ ...structuredClone(ROW), date, project: projectName(i) }];
  return { projects, totals: {} };
}

describe('projects: bounds and logs', () => {
  let db: TestDatabase;
  let t: TestApp;
  useTestApp({ LOG_LEVEL: 'info' }, (app) => ({ db, t } = app));

  /** Row counts of every table, once the shared days' background fold has moved every delta (it runs on a timer). */
  const counts = async () => {
    await settleSharedDays(t);
    return rowCounts(db.query);
  };
  const userProjects = async (username: string) =>
    Number(
      (await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM projects p JOIN users u ON u.id = p.user_id WHERE u.username = $1`, [username]))[0].n,
    );

  it('keeps names of 1 to 500 printable characters and refuses others with 422, naming the project by position; nothing stored', async () => {
    const { username, token } = await registerUser(t.http);
    const longest = `-${MARK}-${'a'.repeat(500 - MARK.length - 2)}`;
    expect(longest).toHaveLength(500);
    await upload(t.http, token, { projects: { [longest]: [ROW] } }).expect(200);
    expect(await userProjects(username)).toBe(1);
    const listed = await t.http.get(`/api/v1/users/${username}/projects`).set('Authorization', `Bearer ${token}`).expect(200);
    expect(listed.body.projects[0].path).toBe(longest);

    const before = await counts();
    const refused: Array<[string, string]> = [
      [`${longest}b`, 'is 501 characters long'],
      [`${MARK}\ttab`, 'not printable'],
      [`${MARK}\u0000nul`, 'not printable'],
      [` ${MARK}-padded`, 'not printable'],
      ['', 'not printable'],
    ];
    for (const [name, why] of refused) {
      const report = { projects: { [projectName('ok')]: [ROW], [name]: [{ ...ROW, date: '2025-06-02' }] } };
      const res = await upload(t.http, token, report).expect(422);
      expect(res.body).toMatchObject({ type: 'urn:ccstats:problem:unprocessable-report', projectIndex: 1 });
      expect(res.body.detail).toContain('project number 2');
      expect(res.body.detail).toContain(why);
      expect(res.text).not.toContain(MARK);
    }
    expect(await counts()).toEqual(before);
  });

  it('refuses a project that lists a day twice (400), nothing stored', async () => {
    const { token } = await registerUser(t.http);
    const before = await counts();
    const res = await upload(t.http, token, { projects: { [projectName('twice')]: [ROW, { ...ROW }] } }).expect(400);
    expect(res.body.errors).toEqual([
      expect.objectContaining({ path: expect.stringMatching(/\[1\]\.date$/), message: expect.stringContaining('appears twice') }),
    ]);
    expect(await counts()).toEqual(before);
  });

  it('keeps at most 2,000 projects per user: past that an upload is refused (422) with nothing stored, once projects without rows or settings are forgotten', async () => {
    const { username, token } = await registerUser(t.http);
    await upload(t.http, token, manyProjects(0, 1000, '2025-06-01'), { device: 'a' }).expect(200);
    await upload(t.http, token, manyProjects(1000, 1000, '2025-06-02'), { device: 'a' }).expect(200);
    expect(await userProjects(username)).toBe(2000);

    const before = await counts();
    const over = await upload(t.http, token, manyProjects(2000, 1, '2025-06-03'), { device: 'a' }).expect(422);
    expect(over.body.detail).toContain('at most 2000');
    expect(over.body.maxProjects).toBe(2000);
    expect(over.text).not.toContain(MARK);
    expect(await counts()).toEqual(before);
    // Known projects still take new days.
    await upload(t.http, token, manyProjects(1999, 1, '2025-06-03'), { device: 'a' }).expect(200);

    // 2025-06-01 re-reported without projects: its 1,000 projects keep no rows. One of them has an alias.
    const kept = (
      await db.query<{ id: number }>(`SELECT p.id FROM projects p JOIN users u ON u.id = p.user_id WHERE u.username = $1 AND p.name = $2`, [
        username,
        projectName(0),
      ])
    )[0].id;
    await t.http.patch(`/api/v1/users/${username}/projects/${kept}`).set('Authorization', `Bearer ${token}`).send({ alias: 'kept' }).expect(200);
    await upload(t.http, token, { daily: [{ ...ROW, date: '2025-06-01' }] }, { device: 'a' }).expect(200);
    expect(await userProjects(username)).toBe(2000);

    // Now the new project fits: those without rows and settings are forgotten, the aliased one stays.
    await upload(t.http, token, manyProjects(2000, 1, '2025-06-04'), { device: 'a' }).expect(200);
    const names = (await db.query<{ name: string }>(`SELECT p.name FROM projects p JOIN users u ON u.id = p.user_id WHERE u.username = $1`, [username])).map(
      (r) => r.name,
    );
    expect(names).toHaveLength(1000 + 1 + 1);
    expect(names).toContain(projectName(0));
    expect(names).toContain(projectName(2000));
    expect(names).not.toContain(projectName(1));
  });

  it('refuses more than 1,000 projects in one upload (400), nothing stored', async () => {
    const { token } = await registerUser(t.http);
    const before = await counts();
    await upload(t.http, token, manyProjects(0, 1001, '2025-06-01')).expect(400);
    expect(await counts()).toEqual(before);
  });

  it('writes no project name to the log: uploads taken and refused, reads, renames', async () => {
    const from = t.logs.length;
    const { username, token } = await registerUser(t.http);
    await upload(t.http, token, manyProjects(0, 3, '2025-06-01')).expect(200);
    await upload(t.http, token, { projects: { [projectName('x'.repeat(600))]: [ROW] } }).expect(422);
    await upload(t.http, token, { projects: { [projectName('bad-row')]: [{ ...ROW, inputTokens: -1 }] } }).expect(400);
    await upload(t.http, token, { projects: { [projectName('twice')]: [ROW, ROW] } }).expect(400);
    await upload(t.http, token, { projects: { [projectName('junk')]: 'not rows' } }).expect(400);
    const list = await t.http.get(`/api/v1/users/${username}/projects`).set('Authorization', `Bearer ${token}`).expect(200);
    expect(list.text).toContain(MARK);
    const id = list.body.projects[0].id as number;
    await t.http.get(`/api/v1/users/${username}/projects/${id}/series`).set('Authorization', `Bearer ${token}`).expect(200);
    await t.http
      .patch(`/api/v1/users/${username}/projects/${id}`)
      .set('Authorization', `Bearer ${token}`)
      .send({ alias: `${MARK} alias` })
      .expect(200);
    await t.http
      .patch(`/api/v1/users/${username}/projects/${id}`)
      .set('Authorization', `Bearer ${token}`)
      .send({ alias: `${MARK}\n` })
      .expect(400);

    // Wait for the last request lines (written when each response finishes).
    await new Promise((resolve) => setTimeout(resolve, 100));
    const lines = t.logs.slice(from);
    const uploads = lines.filter((l) => l.route === '/api/v1/uploads' || (l.req as { url?: string } | undefined)?.url?.startsWith('/api/v1/uploads'));
    expect(uploads.length).toBeGreaterThanOrEqual(5);
    expect(lines.some((l) => JSON.stringify(l).includes('/projects'))).toBe(true);
    for (const line of lines) expect(JSON.stringify(line)).not.toContain(MARK);
  });
});
