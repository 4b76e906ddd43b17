import { parseReport } from '../../src/ingestion/ccusage/report-parser.js';
import { UsageLedger } from '../../src/ledger/usage-ledger.js';
import { registerUser, upload } from '../helpers/api.js';
import { expectedDays } from '../helpers/ccusage.js';
import type { TestDatabase } from '../helpers/database.js';
import { type GeneratedReport, largeReport, yesterdayUtc } from '../helpers/large-report.mjs';
import { REBUILDS } from '../helpers/summary-rebuilds.mjs';
import { settleSharedDays, type TestApp, useTestApp } from '../helpers/test-app.js';

/**
 * Reports large enough that the service stores them in many chunks (src/ledger/summaries.ts,
 * ROWS_PER_CHUNK model rows each) inside one transaction: what they leave must be exactly what one
 * statement would have left, and the service must keep answering while it stores them.
 */
describe('large uploads', () => {
  let db: TestDatabase;
  let t: TestApp;

  useTestApp({ LOG_LEVEL: 'warn' }, (app) => ({ db, t } = app));

  const dayBefore = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
  const END = yesterdayUtc();

  async function expectSummariesExact(): Promise<void> {
    for (const [table, { actual, rebuilt }] of Object.entries(REBUILDS)) {
      const rowsOf = async (query: string) => (await db.query<{ r: string }>(`SELECT q::text AS r FROM (${query}) q`)).map((x) => x.r).sort();
      expect({ table, rows: await rowsOf(actual) }).toEqual({ table, rows: await rowsOf(rebuilt) });
    }
  }

  /** The user's days through the API against the sums of the reports their devices hold now. */
  async function expectUsage(username: string, reports: GeneratedReport[]): Promise<void> {
    const expected = new Map<string, { totalTokens: number; inputTokens: number; cacheReadTokens: number; models: Map<string, number> }>();
    for (const report of reports) {
      for (const [date, day] of expectedDays(report)) {
        const e = expected.get(date) ?? { totalTokens: 0, inputTokens: 0, cacheReadTokens: 0, models: new Map<string, number>() };
        e.totalTokens += day.totalTokens;
        e.inputTokens += day.inputTokens;
        e.cacheReadTokens += day.cacheReadTokens;
        for (const [model, m] of day.models) e.models.set(model, (e.models.get(model) ?? 0) + m.inputTokens);
        expected.set(date, e);
      }
    }
    const res = await t.http.get(`/api/v1/users/${username}/usage`).expect(200);
    const rows = res.body.rows as Array<{
      date: string;
      totalTokens: number;
      inputTokens: number;
      cacheReadTokens: number;
      models: Array<{ model: string; inputTokens: number }>;
    }>;
    const seen = (list: Array<[string, { totalTokens: number; inputTokens: number; cacheReadTokens: number; models: Map<string, number> }]>) =>
      list
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([date, d]) => [date, d.totalTokens, d.inputTokens, d.cacheReadTokens, [...d.models].sort(([a], [b]) => (a < b ? -1 : 1))]);
    expect({ username, days: seen(rows.map((r) => [r.date, { ...r, models: new Map(r.models.map((m) => [m.model, m.inputTokens])) }])) }).toEqual({
      username,
      days: seen([...expected]),
    });
  }

  it('are stored exactly: first upload, a second device overlapping it, a correction dropping models, another user, a deletion', async () => {
    const ann = await registerUser(t.http);
    const ben = await registerUser(t.http);
    // 45 days x 40 models: 1,800 model rows, several chunks.
    const laptop = largeReport({ days: 45, models: 40, variant: 1 });
    await upload(t.http, ann.token, laptop, { device: 'laptop' }).expect(200);
    await expectUsage(ann.username, [laptop]);
    await expectSummariesExact();

    // 60 earlier days, the last 15 of which the laptop has: new days and shared days in one upload.
    const desktop = largeReport({ days: 60, models: 25, end: dayBefore(END, 30), variant: 2 });
    await upload(t.http, ann.token, desktop, { device: 'desktop' }).expect(200);
    await expectUsage(ann.username, [laptop, desktop]);

    const onlyLaptop = `SELECT count(*) AS n FROM model_day_stats WHERE model >= 'model-030' AND date < $1`;
    await settleSharedDays(t);
    expect(Number((await db.query<{ n: string | number }>(onlyLaptop, [dayBefore(END, 39)]))[0].n)).toBe(5 * 10);
    const benReport = largeReport({ days: 40, models: 40, variant: 3 });
    await upload(t.http, ben.token, benReport).expect(200);
    await expectSummariesExact();

    // The laptop's corrected report: other numbers, and models 30 to 39 gone from its days (their
    // model_day_stats rows go where Ben does not have them).
    const corrected = largeReport({ days: 45, models: 30, variant: 4 });
    const res = await upload(t.http, ann.token, corrected, { device: 'laptop' }).expect(200);
    expect(res.body).toMatchObject({ days: 45, inserted: 0, updated: 45, unchanged: 0 });
    await expectUsage(ann.username, [corrected, desktop]);
    await expectUsage(ben.username, [benReport]);
    await expectSummariesExact();
    await settleSharedDays(t);
    expect(Number((await db.query<{ n: string | number }>(onlyLaptop, [dayBefore(END, 39)]))[0].n)).toBe(0);

    await t.http.delete(`/api/v1/users/${ann.username}`).set('Authorization', `Bearer ${ann.token}`).expect(204);
    await expectUsage(ben.username, [benReport]);
    await expectSummariesExact();
    const left = await db.query<{ n: string | number }>(`SELECT count(*) AS n FROM model_usage`);
    expect(Number(left[0].n)).toBe(40 * 40);
  });

  it('/health/live answers while a large upload is being stored', async () => {
    const { username } = await registerUser(t.http);
    const [user] = await db.query<{ id: number }>(`SELECT id FROM users WHERE username = $1`, [username]);
    // 100 days x 60 models: 6,000 model rows. Parsed first: what is watched is the store alone.
    const report = await parseReport(largeReport({ days: 100, models: 60, variant: 5 }));
    const url = `${await t.app.getUrl()}/health/live`.replace('[::1]', '127.0.0.1');
    const answers: number[] = [];
    let storing = true;
    const poll = (async () => {
      while (storing) {
        const res = await fetch(url);
        await res.arrayBuffer();
        if (res.ok) answers.push(performance.now());
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    const start = performance.now();
    const stored = await t.app.get(UsageLedger).recordUpload({ userId: Number(user.id), device: 'default', timeZone: undefined, report, sizeBytes: 1 });
    const end = performance.now();
    storing = false;
    await poll;
    expect(stored.inserted).toBe(100);
    // The embedded database runs every statement on this thread: before the store yielded between
    // statements, no request was answered until the whole transaction was done.
    expect(answers.filter((a) => a > start && a < end).length).toBeGreaterThanOrEqual(1);
  });
});
