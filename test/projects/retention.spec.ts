import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { utcDay } from '../../src/common/dates.js';
import { registerUser, upload } from '../helpers/api.js';
import { fixture } from '../helpers/ccusage.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { expectedRows, money } from '../helpers/projects.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

/**
 * Retention and projects: a retired month's project rows go to the month's archive and are
 * deleted (projects keep no monthly sums); reads over it say the month is retired; later uploads
 * into it store no project rows; months kept keep theirs.
 */

const ADMIN = 'the-admin-token-of-the-projects-retention-test';
const SAMPLE = fixture('claude-daily-instances.json') as { projects: Record<string, Array<Record<string, unknown> & { date: string }>> };
const OLD_MONTH = '2025-06'; // the sample's days
const today = utcDay(new Date());

/** The sample moved to days of the current month (kept by retention: the last 30 days never go). */
function recent() {
  const report = structuredClone(SAMPLE);
  for (const rows of Object.values(report.projects)) rows.forEach((r, i) => (r.date = utcDay(new Date(), -i)));
  return report;
}

describe('projects and retention', () => {
  let db: TestDatabase;
  let t: TestApp;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'ccs-projects-archive-'));
    t = await startApp(db, {
      ADMIN_TOKEN: ADMIN,
      BACKUP_ENABLED: 'false',
      RETENTION_DAYS: '40',
      RETENTION_CRON: '0 0 1 1 *',
      ARCHIVE_DIR: dir,
      LOG_LEVEL: 'warn',
    });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("archives and deletes a retired month's project rows, keeps the months it keeps, and says which months are gone", async () => {
    const { username, token } = await registerUser(t.http);
    const auth = { Authorization: `Bearer ${token}` };
    await upload(t.http, token, SAMPLE, { device: 'laptop' }).expect(200);
    await upload(t.http, token, recent(), { device: 'laptop' }).expect(200);
    const old = expectedRows(SAMPLE as never);
    const kept = await t.http
      .get(`/api/v1/users/${username}/projects`)
      .query({ from: utcDay(new Date(), -10), to: today })
      .set(auth)
      .expect(200);
    expect(kept.body.projects.length).toBeGreaterThan(0);

    const run = await t.http.post('/api/v1/maintenance/retention').set('Authorization', `Bearer ${ADMIN}`).expect(200);
    const month = run.body.months.find((m: { month: string }) => m.month === OLD_MONTH);
    expect(month.projectRows).toBe(old.length);

    // The rows are gone from the database and in the archive, line for line.
    const left = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM project_days WHERE date < '2025-07-01'`);
    expect(Number(left[0].n)).toBe(0);
    const lines = gunzipSync(
      readFileSync(
        join(
          dir,
          readdirSync(dir).find((f) => f.includes(OLD_MONTH))!,
        ),
      ),
    )
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, string | number>);
    const archived = lines.filter((l) => l.kind === 'project');
    const key = (r: Record<string, unknown>, n: unknown[]) => [r.project, r.date, r.model, ...n].join('|');
    expect(
      archived.map((l) => key(l, [l.username, l.device, l.inputTokens, l.outputTokens, l.cacheCreationInputTokens, l.cacheReadInputTokens, l.cost])).sort(),
    ).toEqual(
      old
        .map((r) =>
          key({ ...r, model: r.model ?? '' }, [username, 'laptop', r.inputTokens, r.outputTokens, r.cacheCreationTokens, r.cacheReadTokens, money(r.cost)]),
        )
        .sort(),
    );

    // Reads over the month say it is retired and count nothing there; the kept days are as before.
    const retiredRange = { from: `${OLD_MONTH}-01`, to: `${OLD_MONTH}-30` };
    const list = await t.http.get(`/api/v1/users/${username}/projects`).query(retiredRange).set(auth).expect(200);
    expect(list.body).toMatchObject({ retiredMonths: [`${OLD_MONTH}-01`], projects: [] });
    const id = kept.body.projects[0].id as number;
    const series = await t.http.get(`/api/v1/users/${username}/projects/${id}/series`).query(retiredRange).set(auth).expect(200);
    expect(series.body).toMatchObject({ retiredMonths: [`${OLD_MONTH}-01`], rows: [] });
    expect(
      (
        await t.http
          .get(`/api/v1/users/${username}/projects`)
          .query({ from: utcDay(new Date(), -10), to: today })
          .set(auth)
          .expect(200)
      ).body,
    ).toEqual(kept.body);

    // An upload into the retired month is ignored, its projects too.
    const again = await upload(t.http, token, SAMPLE, { device: 'desktop' }).expect(200);
    expect(again.body.ignored).toBe(7);
    expect(Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM project_days WHERE date < '2025-07-01'`))[0].n)).toBe(0);
  });
});
