import { registerUser, upload } from '../helpers/api.js';
import { fixture } from '../helpers/ccusage.js';
import type { TestDatabase } from '../helpers/database.js';
import { REBUILDS, SHARED_FOLD_TABLES } from '../helpers/summary-rebuilds.mjs';
import { settleSharedDays, type TestApp, useTestApp } from '../helpers/test-app.js';

describe('summary tables', () => {
  let db: TestDatabase;
  let t: TestApp;

  useTestApp({ LOG_LEVEL: 'warn' }, (app) => ({ db, t } = app));

  // Rows as composite text: positional, so the rebuild's unnamed columns compare too.
  const rowsOf = async (query: string) => (await db.query<{ r: string }>(`SELECT q::text AS r FROM (${query}) q`)).map((x) => x.r).sort();

  /** Every summary as readers see it (shared tables with their waiting deltas), then the shared tables alone once folded. */
  async function expectExact(): Promise<void> {
    for (const [table, { actual, rebuilt }] of Object.entries(REBUILDS)) {
      expect({ table, rows: await rowsOf(actual) }).toEqual({ table, rows: await rowsOf(rebuilt) });
    }
    await settleSharedDays(t);
    const waiting = await db.query<{ n: string | number }>('SELECT (SELECT count(*) FROM day_stats_delta) + (SELECT count(*) FROM model_day_stats_delta) AS n');
    expect(Number(waiting[0].n)).toBe(0);
    for (const [table, alone] of Object.entries(SHARED_FOLD_TABLES)) {
      expect({ table, rows: await rowsOf(alone) }).toEqual({ table, rows: await rowsOf(REBUILDS[table].rebuilt) });
    }
  }

  it('stay exact through uploads, re-uploads, device replacements and user deletion', async () => {
    const alice = await registerUser(t.http);
    const bob = await registerUser(t.http);
    const carol = await registerUser(t.http);
    await upload(t.http, alice.token, fixture('claude-daily.json'), { device: 'laptop' }).expect(200);
    await upload(t.http, alice.token, fixture('claude-daily-tz-tokyo.json'), { device: 'desktop' }).expect(200);
    await upload(t.http, bob.token, fixture('mixed-claude-codex-daily-by-agent.json')).expect(200);
    await upload(t.http, bob.token, fixture('heavy-claude-daily.json')).expect(200);
    await upload(t.http, carol.token, fixture('claude-daily-instances.json')).expect(200);
    await settleSharedDays(t);
    const rows = await db.query<{ n: string | number }>('SELECT count(*) AS n FROM model_day_stats');
    expect(Number(rows[0].n)).toBeGreaterThan(10);
    await expectExact();

    // A corrected report from one device: fewer models on a day, other numbers.
    const corrected = structuredClone(fixture('claude-daily.json')) as { daily: Array<Record<string, unknown> & { modelBreakdowns: unknown[] }> };
    corrected.daily[0].modelBreakdowns = corrected.daily[0].modelBreakdowns.slice(0, 1);
    corrected.daily[1].inputTokens = (corrected.daily[1].inputTokens as number) + 12345;
    corrected.daily[1].totalTokens = (corrected.daily[1].totalTokens as number) + 12345;
    await upload(t.http, alice.token, corrected, { device: 'laptop' }).expect(200);
    await upload(t.http, alice.token, fixture('claude-daily.json'), { device: 'laptop' }).expect(200);
    await upload(t.http, carol.token, fixture('claude-daily.json'), { device: 'laptop' }).expect(200);
    await expectExact();

    await t.http.delete(`/api/v1/users/${alice.username}`).set('Authorization', `Bearer ${alice.token}`).expect(204);
    await expectExact();
    await t.http.delete(`/api/v1/users/${bob.username}`).set('Authorization', `Bearer ${bob.token}`).expect(204);
    await expectExact();
    const left = await db.query<{ n: string | number }>(`SELECT count(DISTINCT date) AS n FROM day_stats`);
    expect(Number(left[0].n)).toBe(7); // carol's seven days remain
  });

  it('stay exact when many users upload the same days at once', async () => {
    const people = await Promise.all(Array.from({ length: 12 }, () => registerUser(t.http)));
    const reports = ['claude-daily.json', 'claude-daily-tz-tokyo.json', 'heavy-claude-daily.json', 'claude-daily-instances.json'];
    const answers = await Promise.all(people.map((p, i) => upload(t.http, p.token, fixture(reports[i % reports.length]), { device: `d${i % 3}` })));
    expect(answers.map((a) => a.status)).toEqual(Array(people.length).fill(200));
    await expectExact();
  });
});

describe('shared day totals between folds', () => {
  let db: TestDatabase;
  let t: TestApp;

  // No fold ever runs: every answer over the shared tables comes from the uploads' deltas.
  useTestApp({ LOG_LEVEL: 'warn', SHARED_FOLD_INTERVAL_MS: '0' }, (app) => ({ db, t } = app));

  it('are answered exactly from the deltas, then from the folded table, the same', async () => {
    const a = await registerUser(t.http);
    const b = await registerUser(t.http);
    await upload(t.http, a.token, fixture('claude-daily.json')).expect(200);
    await upload(t.http, b.token, fixture('claude-daily.json')).expect(200);
    await t.http.delete(`/api/v1/users/${b.username}`).set('Authorization', `Bearer ${b.token}`).expect(204);
    const waiting = await db.query<{ n: string | number }>('SELECT count(*) AS n FROM model_day_stats_delta');
    expect(Number(waiting[0].n)).toBeGreaterThan(0);
    expect(Number((await db.query<{ n: string | number }>('SELECT count(*) AS n FROM model_day_stats'))[0].n)).toBe(0);

    const read = async () => ({
      summary: (await t.http.get('/api/v1/stats/summary').expect(200)).body,
      models: (await t.http.get('/api/v1/models').expect(200)).body,
    });
    const fresh = await read();
    // What a's report says, counted once: b's identical upload was taken out again with b.
    const report = fixture('claude-daily.json') as { daily: unknown[]; totals: { totalTokens: number } };
    expect(fresh.summary.totals.totalTokens).toBe(report.totals.totalTokens);
    expect(fresh.summary.days).toBe(report.daily.length);
    expect(fresh.models.models.length).toBeGreaterThan(0);

    await settleSharedDays(t);
    expect(Number((await db.query<{ n: string | number }>('SELECT count(*) AS n FROM model_day_stats_delta'))[0].n)).toBe(0);
    expect(await read()).toEqual(fresh);
  });
});
