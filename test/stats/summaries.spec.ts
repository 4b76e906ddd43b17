import { registerUser, upload } from '../helpers/api.js';
import { fixture } from '../helpers/ccusage.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

/**
 * Each summary table, rebuilt here from usage_stats and model_usage with plain SQL, must equal the
 * table the service maintains incrementally.
 */
const REBUILDS: Record<string, { actual: string; rebuilt: string }> = {
  user_month_stats: {
    actual: `SELECT user_id, month::text, active_days, day_mask, total_tokens::text, input_tokens::text, output_tokens::text,
                    cache_creation_input_tokens::text, cache_read_input_tokens::text, total_cost::numeric(20,4)::text FROM user_month_stats`,
    rebuilt: `SELECT user_id, date_trunc('month', date)::date::text, count(*)::int,
                     sum(1 << (extract(day from date)::int - 1))::int, -- one row per day, so the sum of bits is their OR
                     sum(total_tokens)::text, sum(input_tokens)::text, sum(output_tokens)::text,
                     sum(cache_creation_input_tokens)::text, sum(cache_read_input_tokens)::text, sum(total_cost)::numeric(20,4)::text
                FROM usage_stats s GROUP BY user_id, date_trunc('month', date)`,
  },
  user_totals: {
    actual: `SELECT user_id, first_date::text, last_date::text, active_days, total_tokens::text, input_tokens::text,
                    cache_read_input_tokens::text, total_cost::numeric(20,4)::text FROM user_totals`,
    rebuilt: `SELECT user_id, min(date)::text, max(date)::text, count(*)::int, sum(total_tokens)::text, sum(input_tokens)::text,
                     sum(cache_read_input_tokens)::text, sum(total_cost)::numeric(20,4)::text FROM usage_stats GROUP BY user_id`,
  },
  user_model_totals: {
    actual: `SELECT user_id, model, provider, days, input_tokens::text, output_tokens::text, cache_creation_input_tokens::text,
                    cache_read_input_tokens::text, cost::numeric(20,4)::text FROM user_model_totals`,
    rebuilt: `SELECT s.user_id, m.model, max(m.provider), count(*)::int, sum(m.input_tokens)::text, sum(m.output_tokens)::text,
                     sum(m.cache_creation_input_tokens)::text, sum(m.cache_read_input_tokens)::text, sum(m.cost)::numeric(20,4)::text
                FROM model_usage m JOIN usage_stats s ON s.id = m.usage_stats_id GROUP BY s.user_id, m.model`,
  },
  user_model_months: {
    actual: `SELECT user_id, model, month::text, provider, day_mask, input_tokens::text, output_tokens::text,
                    cache_creation_input_tokens::text, cache_read_input_tokens::text, cost::numeric(20,4)::text FROM user_model_months`,
    rebuilt: `SELECT s.user_id, m.model, date_trunc('month', s.date)::date::text, max(m.provider),
                     sum(1 << (extract(day from s.date)::int - 1))::int,
                     sum(m.input_tokens)::text, sum(m.output_tokens)::text,
                     sum(m.cache_creation_input_tokens)::text, sum(m.cache_read_input_tokens)::text, sum(m.cost)::numeric(20,4)::text
                FROM model_usage m JOIN usage_stats s ON s.id = m.usage_stats_id GROUP BY s.user_id, m.model, date_trunc('month', s.date)`,
  },
  model_day_stats: {
    actual: `SELECT date::text, model, provider, users, input_tokens::text, output_tokens::text, cache_creation_input_tokens::text,
                    cache_read_input_tokens::text, cost::numeric(20,4)::text FROM model_day_stats`,
    rebuilt: `SELECT s.date::text, m.model, max(m.provider), count(*)::int, sum(m.input_tokens)::text, sum(m.output_tokens)::text,
                     sum(m.cache_creation_input_tokens)::text, sum(m.cache_read_input_tokens)::text, sum(m.cost)::numeric(20,4)::text
                FROM model_usage m JOIN usage_stats s ON s.id = m.usage_stats_id GROUP BY s.date, m.model`,
  },
  day_stats: {
    actual: `SELECT date::text, active_users, total_tokens::text, input_tokens::text, output_tokens::text,
                    cache_creation_input_tokens::text, cache_read_input_tokens::text, total_cost::numeric(20,4)::text FROM day_stats`,
    rebuilt: `SELECT date::text, count(*)::int, sum(total_tokens)::text, sum(input_tokens)::text, sum(output_tokens)::text,
                     sum(cache_creation_input_tokens)::text, sum(cache_read_input_tokens)::text, sum(total_cost)::numeric(20,4)::text
                FROM usage_stats GROUP BY date`,
  },
};

describe('summary tables', () => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startApp(db, { LOG_LEVEL: 'warn' });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

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
    expect(Number(rows[0]!.n)).toBeGreaterThan(10);
    await expectExact();

    // A corrected report from one device: fewer models on a day, other numbers.
    const corrected = structuredClone(fixture('claude-daily.json')) as { daily: Array<Record<string, unknown> & { modelBreakdowns: unknown[] }> };
    corrected.daily[0]!.modelBreakdowns = corrected.daily[0]!.modelBreakdowns.slice(0, 1);
    corrected.daily[1]!.inputTokens = (corrected.daily[1]!.inputTokens as number) + 12345;
    corrected.daily[1]!.totalTokens = (corrected.daily[1]!.totalTokens as number) + 12345;
    await upload(t.http, alice.token, corrected, { device: 'laptop' }).expect(200);
    await upload(t.http, alice.token, fixture('claude-daily.json'), { device: 'laptop' }).expect(200);
    await upload(t.http, carol.token, fixture('claude-daily.json'), { device: 'laptop' }).expect(200);
    await expectExact();

    await t.http.delete(`/api/v1/users/${alice.username}`).set('Authorization', `Bearer ${alice.token}`).expect(204);
    await expectExact();
    await t.http.delete(`/api/v1/users/${bob.username}`).set('Authorization', `Bearer ${bob.token}`).expect(204);
    await expectExact();
    const left = await db.query<{ n: string | number }>(`SELECT count(DISTINCT date) AS n FROM day_stats`);
    expect(Number(left[0]!.n)).toBe(7); // carol's seven days remain
  });
});
