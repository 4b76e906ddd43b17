import { registerUser, upload } from '../helpers/api.js';
import { allFixtures, expectedDays, fixture } from '../helpers/ccusage.js';
import type { TestDatabase } from '../helpers/database.js';
import { ACCEPTED, INVALID, REFUSED } from '../helpers/sample-verdicts.js';
import { type TestApp, useTestApp } from '../helpers/test-app.js';

describe('uploading every real ccusage output', () => {
  let db: TestDatabase;
  let t: TestApp;

  useTestApp({ LOG_LEVEL: 'warn' }, (app) => ({ db, t } = app));

  it('has a verdict for every sample file', () => {
    const known = new Set([...Object.keys(ACCEPTED), ...Object.keys(REFUSED), ...Object.keys(INVALID)]);
    expect(allFixtures().filter((f) => !known.has(f))).toEqual([]);
  });

  it.each(Object.entries(ACCEPTED))('%s is stored exactly (format %s)', async (file, format) => {
    const report = fixture(file);
    const { username, token } = await registerUser(t.http);
    const res = await upload(t.http, token, report, { device: 'laptop', tz: 'UTC' });
    expect(res.status).toBe(200);
    const expected = expectedDays(report);
    expect(res.body).toMatchObject({ username, device: 'laptop', format, days: expected.size, inserted: expected.size, updated: 0, unchanged: 0 });

    const usage = await t.http.get(`/api/v1/users/${username}/usage`).query({ from: '2024-01-01', to: '2026-12-31' }).expect(200);
    expect(usage.body.rows.map((r: { date: string }) => r.date)).toEqual([...expected.keys()].sort());
    for (const row of usage.body.rows) {
      const day = expected.get(row.date)!;
      expect({ date: row.date, ...pickTokens(row), totalTokens: row.totalTokens }).toEqual({
        date: row.date,
        ...pickTokens(day),
        totalTokens: day.totalTokens,
      });
      expect(Math.abs(Number(row.totalCost) - day.cost)).toBeLessThanOrEqual(0.00005 + 1e-9);
      expect(row.totalCost).toMatch(/^\d+\.\d{4}$/);
      expect(row.models.map((m: { model: string }) => m.model).sort()).toEqual([...day.models.keys()].sort());
      for (const m of row.models) {
        const e = day.models.get(m.model)!;
        expect({ model: m.model, ...pickTokens(m) }).toEqual({ model: m.model, ...pickTokens(e) });
        expect(m.totalTokens).toBe(e.inputTokens + e.outputTokens + e.cacheCreationTokens + e.cacheReadTokens);
        expect(Math.abs(Number(m.cost) - e.cost)).toBeLessThanOrEqual(0.00005 + 1e-9);
      }
    }
    const sum = (k: 'inputTokens' | 'totalTokens') => [...expected.values()].reduce((s, d) => s + d[k], 0);
    expect([usage.body.totals.inputTokens, usage.body.totals.totalTokens]).toEqual([sum('inputTokens'), sum('totalTokens')]);
  });

  it.each(Object.entries(REFUSED))('%s is refused with 422 naming the %s report and the command to run', async (file, kind) => {
    const { token } = await registerUser(t.http);
    const res = await upload(t.http, token, fixture(file));
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ status: 422, reportKind: kind, command: 'npx ccusage@latest claude daily --json --offline --timezone UTC' });
    expect(res.body.detail).toContain(`ccusage ${kind} report`);
  });

  it.each(Object.entries(INVALID))('%s (negative and fractional counts) is refused with 400 naming the fields', async (file, paths) => {
    const { token } = await registerUser(t.http);
    const res = await upload(t.http, token, fixture(file));
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(paths));
  });

  it('keeps heavy days above 2^32 tokens exact', async () => {
    const { username, token } = await registerUser(t.http);
    await upload(t.http, token, fixture('heavy-claude-daily.json')).expect(200);
    const [row] = await db.query<{ total: string }>(
      `SELECT sum(s.total_tokens)::text AS total FROM usage_stats s JOIN users u ON u.id = s.user_id WHERE u.username = $1`,
      [username],
    );
    const expected = [...expectedDays(fixture('heavy-claude-daily.json')).values()].reduce((s, d) => s + d.totalTokens, 0);
    expect(expected).toBeGreaterThan(2 ** 32);
    expect(row.total).toBe(String(expected));
  });

  it('warns about reports without costs and about unpriced models', async () => {
    const { token } = await registerUser(t.http);
    const noCost = await upload(t.http, token, fixture('claude-daily-no-cost.json')).expect(200);
    expect(noCost.body.totals.totalCost).toBe('0.0000');
    expect(noCost.body.warnings).toEqual(expect.arrayContaining([expect.stringContaining('--no-cost')]));
    const unpriced = await upload(t.http, token, fixture('claude-daily.json'), { device: 'other' }).expect(200);
    expect(unpriced.body.warnings).toEqual(expect.arrayContaining([expect.stringContaining('claude-zephyr-9-20990101')]));
  });

  it('assigns providers from model names, and from the agent of --by-agent rows', async () => {
    const { username, token } = await registerUser(t.http);
    await upload(t.http, token, fixture('mixed-claude-codex-daily-by-agent.json')).expect(200);
    const usage = await t.http.get(`/api/v1/users/${username}/usage`).expect(200);
    const providers = Object.fromEntries(
      usage.body.rows.flatMap((r: { models: Array<{ model: string; provider: string }> }) => r.models.map((m) => [m.model, m.provider])),
    );
    expect(providers).toMatchObject({ 'gpt-5-codex': 'openai', 'claude-sonnet-4-5-20250929': 'anthropic', 'claude-zephyr-9-20990101': 'anthropic' });
  });
});

function pickTokens(o: { inputTokens: number; outputTokens: number; cacheCreationTokens: number; cacheReadTokens: number }) {
  return { inputTokens: o.inputTokens, outputTokens: o.outputTokens, cacheCreationTokens: o.cacheCreationTokens, cacheReadTokens: o.cacheReadTokens };
}
