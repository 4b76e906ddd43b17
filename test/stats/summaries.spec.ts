import { registerUser, upload } from '../helpers/api.js';
import { fixture } from '../helpers/ccusage.js';
import type { TestDatabase } from '../helpers/database.js';
import { REBUILDS } from '../helpers/summary-rebuilds.mjs';
import { type TestApp, useTestApp } from '../helpers/test-app.js';

describe('summary tables', () => {
  let db: TestDatabase;
  let t: TestApp;

  useTestApp({ LOG_LEVEL: 'warn' }, (app) => ({ db, t } = app));

  async function expectExact(): Promise<void> {
    for (const [table, { actual, rebuilt }] of Object.entries(REBUILDS)) {
      // Rows as composite text: positional, so the rebuild's unnamed columns compare too.
      const rowsOf = async (query: string) => (await db.query<{ r: string }>(`SELECT q::text AS r FROM (${query}) q`)).map((x) => x.r).sort();
      const a = await rowsOf(actual);
      const b = await rowsOf(rebuilt);
      expect({ table, rows: a }).toEqual({ table, rows: b });
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
});
