import { registerUser, upload } from '../helpers/api.js';
import { fixture } from '../helpers/ccusage.js';
import type { TestDatabase } from '../helpers/database.js';
import { apiModel, apiTotals, type ExpectedRow, expectedRows, isoMonday, money, sumBy, tenThousandths } from '../helpers/projects.js';
import { type TestApp, useTestApp } from '../helpers/test-app.js';

/**
 * Real `--instances` reports (ccusage v20, v17 and v15 on the same synthetic logs) go in and come
 * back per project, day and model, as worked out from the JSON alone (test/helpers/projects.ts).
 */

type Report = { projects: Record<string, Array<Record<string, unknown> & { date: string }>> };

const SAMPLES = [
  'claude-daily-instances.json', // v20: rows carry `project`
  'claude-daily-instances-project.json', // v20 with --project: one project
  'legacy-v17.2.1/daily-instances.json', // v17: no `project` key, the key of `projects` is the project
  'legacy-v15.10.0/daily-instances.json',
];

interface ApiModel {
  model: string | null;
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  totalTokens: number;
  cost: string;
}
interface ApiProject {
  id: number;
  name: string;
  path: string;
  alias: string | null;
  hidden: boolean;
  firstDate: string;
  lastDate: string;
  activeDays: number;
  totals: Record<string, unknown>;
  models: ApiModel[];
}

const byModel = (a: { model: string | null }, b: { model: string | null }) => String(a.model).localeCompare(String(b.model));

describe('projects round-trip from real --instances samples', () => {
  let db: TestDatabase;
  let t: TestApp;
  useTestApp({ LOG_LEVEL: 'warn' }, (app) => ({ db, t } = app));

  describe.each(SAMPLES)('%s', (sample) => {
    const report = fixture(sample) as Report;
    const rows = expectedRows(report as never);
    let user: { username: string; token: string };
    let listed: ApiProject[];

    beforeAll(async () => {
      user = await registerUser(t.http);
      const res = await upload(t.http, user.token, report, { device: 'laptop' }).expect(200);
      expect(res.body.format).toBe('instances');
      listed = (await t.http.get(`/api/v1/users/${user.username}/projects`).set('Authorization', `Bearer ${user.token}`).expect(200)).body.projects;
    });

    it('keeps every project, day and model as the report has them', async () => {
      expect(rows.length).toBeGreaterThan(0);
      // The samples' breakdowns cover their rows: nothing without a model.
      expect(rows.filter((r) => r.model === null)).toEqual([]);
      const stored = await db.query<{
        project: string;
        date: string;
        device: string;
        model: string;
        i: string;
        o: string;
        cc: string;
        cr: string;
        cost: string;
      }>(
        `SELECT p.name AS project, d.date::text AS date, d.device, d.model, d.input_tokens::text AS i, d.output_tokens::text AS o,
                d.cache_creation_input_tokens::text AS cc, d.cache_read_input_tokens::text AS cr, d.cost::text AS cost
           FROM project_days d JOIN projects p ON p.id = d.project_id JOIN users u ON u.id = d.user_id
          WHERE u.username = $1`,
        [user.username],
      );
      const line = (r: { project: string; date: string; model: string | null }, n: (string | number)[]) => [r.project, r.date, r.model ?? '', ...n].join('|');
      expect(stored.map((s) => line(s, [s.i, s.o, s.cc, s.cr, s.cost])).sort()).toEqual(
        rows.map((r: ExpectedRow) => line(r, [r.inputTokens, r.outputTokens, r.cacheCreationTokens, r.cacheReadTokens, money(r.cost)])).sort(),
      );
      expect(new Set(stored.map((s) => s.device))).toEqual(new Set(['laptop']));
    });

    it('lists each project with its totals, days and models, most cost first', () => {
      const expected = sumBy(rows, (r) => r.project);
      expect(listed.map((p) => p.path).sort()).toEqual([...expected.keys()].sort());
      for (const p of listed) {
        const e = expected.get(p.path)!;
        const days = [...e.days].sort();
        expect(p).toMatchObject({ name: p.path, alias: null, hidden: false, firstDate: days[0], lastDate: days.at(-1), activeDays: days.length });
        expect(p.totals).toEqual(apiTotals(e.totals));
        expect([...p.models].sort(byModel)).toEqual([...e.models].map(([m, s]) => apiModel(m, s)).sort(byModel));
        const costs = p.models.map((m) => Number(m.cost));
        expect(costs).toEqual([...costs].sort((a, b) => b - a));
      }
      const costs = listed.map((p) => Number(p.totals.totalCost));
      expect(costs).toEqual([...costs].sort((a, b) => b - a));
    });

    it.each(['day', 'week', 'month'] as const)("gives each project's series by %s", async (granularity) => {
      const bucket = (day: string) => (granularity === 'day' ? day : granularity === 'week' ? isoMonday(day) : `${day.slice(0, 7)}-01`);
      for (const p of listed) {
        const res = await t.http
          .get(`/api/v1/users/${user.username}/projects/${p.id}/series`)
          .query({ granularity })
          .set('Authorization', `Bearer ${user.token}`)
          .expect(200);
        const expected = sumBy(
          rows.filter((r) => r.project === p.path),
          (r) => bucket(r.date),
        );
        expect(res.body).toMatchObject({
          project: { id: p.id, name: p.path, path: p.path },
          from: p.firstDate,
          to: p.lastDate,
          granularity,
          retiredMonths: [],
        });
        expect(res.body.rows.map((r: { date: string }) => r.date)).toEqual([...expected.keys()].sort());
        for (const row of res.body.rows as Array<Record<string, unknown> & { date: string; models: ApiModel[] }>) {
          const e = expected.get(row.date)!;
          const { models, date, activeDays, ...totals } = row;
          expect(totals).toEqual(apiTotals(e.totals));
          expect(activeDays).toBe(e.days.size);
          expect([...models].sort(byModel)).toEqual([...e.models].map(([m, s]) => apiModel(m, s)).sort(byModel));
          expect(date).toBe(bucket(date));
        }
        expect(res.body.totals).toEqual(p.totals);
      }
    });

    it('narrows the list to a range', async () => {
      const days = [...new Set(rows.map((r) => r.date))].sort();
      const [from, to] = [days[1], days[3]];
      const res = await t.http.get(`/api/v1/users/${user.username}/projects`).query({ from, to }).set('Authorization', `Bearer ${user.token}`).expect(200);
      const expected = sumBy(
        rows.filter((r) => r.date >= from && r.date <= to),
        (r) => r.project,
      );
      expect(res.body).toMatchObject({ from, to, includeHidden: false, retiredMonths: [] });
      expect(res.body.projects).toHaveLength(expected.size);
      for (const p of res.body.projects as ApiProject[]) expect(p.totals).toEqual(apiTotals(expected.get(p.path)!.totals));
    });
  });

  it('keeps what a project row reports beyond its model breakdowns as model null', async () => {
    const report = structuredClone(fixture('claude-daily-instances.json')) as Report;
    const [name] = Object.keys(report.projects);
    const row = report.projects[name][0] as unknown as Record<string, unknown> & { modelBreakdowns: Array<Record<string, unknown>> };
    const dropped = row.modelBreakdowns.shift()!;
    const { username, token } = await registerUser(t.http);
    await upload(t.http, token, report).expect(200);
    const res = await t.http
      .get(`/api/v1/users/${username}/projects`)
      .query({ from: row.date, to: row.date })
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    const project = (res.body.projects as ApiProject[]).find((p) => p.path === name)!;
    const unattributed = project.models.find((m) => m.model === null);
    const kinds = ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens'] as const;
    expect(unattributed).toEqual({
      model: null,
      ...Object.fromEntries(kinds.map((k) => [k, dropped[k]])),
      totalTokens: kinds.reduce((s, k) => s + (dropped[k] as number), 0),
      cost: money(tenThousandths(dropped.cost as number)),
    });
    // The project still adds up to its row.
    for (const k of kinds) expect(project.totals[k]).toBe(row[k]);
  });
});
