import type request from 'supertest';
import { utcDay } from '../../src/common/dates.js';
import { registerUser, rowCounts, upload } from '../helpers/api.js';
import { fixture, fixtureText } from '../helpers/ccusage.js';
import type { TestDatabase } from '../helpers/database.js';
import { type TestApp, useTestApp } from '../helpers/test-app.js';

type Http = ReturnType<typeof request>;
type Report = { daily: Array<Record<string, unknown> & { modelBreakdowns: Array<Record<string, unknown>> }>; totals: object };

const ADMIN = 'admin-token-for-the-bad-request-catalogue';
const BODY_LIMIT = 512 * 1024;

const claude = () => structuredClone(fixture('claude-daily.json')) as Report;
/** The real sample with one change. */
const edit = (change: (r: Report) => void) => {
  const r = claude();
  change(r);
  return r;
};

interface Case {
  name: string;
  status: number;
  /** The field path the problem must name, when it is about one field. */
  path?: string;
  send: (http: Http, token: string) => request.Test;
}

const post = (http: Http, token: string | undefined, body: unknown, query: Record<string, string> = {}) => upload(http, token, body, query);

const CASES: Case[] = [
  // The body as a whole
  { name: 'no body at all', status: 400, send: (h, t) => h.post('/api/v1/uploads').set('Authorization', `Bearer ${t}`) },
  { name: 'an empty JSON body', status: 400, send: (h, t) => post(h, t, '') },
  { name: 'a body that is not JSON', status: 400, send: (h, t) => post(h, t, 'daily: yes') },
  { name: 'truncated JSON', status: 400, send: (h, t) => post(h, t, fixtureText('claude-daily.json').slice(0, 500)) },
  {
    name: 'Content-Type text/plain',
    status: 415,
    send: (h, t) => h.post('/api/v1/uploads').set('Authorization', `Bearer ${t}`).set('Content-Type', 'text/plain').send(fixtureText('claude-daily.json')),
  },
  {
    name: "curl's default form Content-Type",
    status: 415,
    send: (h, t) =>
      h
        .post('/api/v1/uploads')
        .set('Authorization', `Bearer ${t}`)
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send(fixtureText('claude-daily.json')),
  },
  { name: 'a body over the size limit', status: 413, send: (h, t) => post(h, t, JSON.stringify({ daily: [], padding: 'x'.repeat(BODY_LIMIT) })) },
  { name: 'JSON nested 5000 levels deep', status: 400, send: (h, t) => post(h, t, '['.repeat(5000) + ']'.repeat(5000)) },
  { name: 'a JSON string', status: 400, path: '', send: (h, t) => post(h, t, '"daily"') },
  { name: 'a JSON number', status: 400, path: '', send: (h, t) => post(h, t, '42') },
  { name: 'JSON null', status: 400, path: '', send: (h, t) => post(h, t, 'null') },
  { name: 'a non-empty top-level array', status: 400, path: '', send: (h, t) => post(h, t, [claude().daily[0]]) },
  { name: 'an object without daily', status: 400, path: 'daily', send: (h, t) => post(h, t, { totals: {} }) },
  { name: 'daily that is not an array', status: 400, path: 'daily', send: (h, t) => post(h, t, { daily: { '2025-06-01': {} } }) },
  // Reports of the wrong kind
  { name: 'a weekly report', status: 422, send: (h, t) => post(h, t, fixture('claude-weekly.json')) },
  { name: 'a monthly report', status: 422, send: (h, t) => post(h, t, fixture('monthly.json')) },
  { name: 'a session report', status: 422, send: (h, t) => post(h, t, fixture('claude-session.json')) },
  { name: 'a blocks report', status: 422, send: (h, t) => post(h, t, fixture('claude-blocks.json')) },
  // Token counts
  {
    name: 'a token count as a string',
    status: 400,
    path: 'daily[2].inputTokens',
    send: (h, t) =>
      post(
        h,
        t,
        edit((r) => (r.daily[2].inputTokens = '5')),
      ),
  },
  {
    name: 'a negative token count',
    status: 400,
    path: 'daily[0].outputTokens',
    send: (h, t) =>
      post(
        h,
        t,
        edit((r) => (r.daily[0].outputTokens = -1)),
      ),
  },
  {
    name: 'a fractional token count',
    status: 400,
    path: 'daily[1].cacheReadTokens',
    send: (h, t) =>
      post(
        h,
        t,
        edit((r) => (r.daily[1].cacheReadTokens = 10.5)),
      ),
  },
  {
    name: 'a token count above 2^53',
    status: 400,
    path: 'daily[0].inputTokens',
    send: (h, t) => post(h, t, JSON.stringify(claude()).replace('"inputTokens":28345', '"inputTokens":9007199254740993')),
  },
  {
    name: 'a missing token count',
    status: 400,
    path: 'daily[3].cacheCreationTokens',
    send: (h, t) =>
      post(
        h,
        t,
        edit((r) => delete r.daily[3].cacheCreationTokens),
      ),
  },
  {
    name: 'totalTokens below the sum of its parts',
    status: 400,
    path: 'daily[0].totalTokens',
    send: (h, t) =>
      post(
        h,
        t,
        edit((r) => (r.daily[0].totalTokens = 5)),
      ),
  },
  {
    name: 'models with more tokens than their day',
    status: 400,
    path: 'daily[0].modelBreakdowns',
    send: (h, t) =>
      post(
        h,
        t,
        edit((r) => ((r.daily[0].modelBreakdowns[0].inputTokens as number) += 10_000_000)),
      ),
  },
  {
    name: 'models costing more than their day',
    status: 400,
    path: 'daily[0].modelBreakdowns',
    send: (h, t) =>
      post(
        h,
        t,
        edit((r) => (r.daily[0].modelBreakdowns[0].cost = 500)),
      ),
  },
  {
    name: 'a negative model token count',
    status: 400,
    path: 'daily[0].modelBreakdowns[1].inputTokens',
    send: (h, t) =>
      post(
        h,
        t,
        edit((r) => (r.daily[0].modelBreakdowns[1].inputTokens = -3)),
      ),
  },
  {
    name: 'a report whose days add up to more than 2^53 tokens',
    status: 400,
    path: 'daily',
    send: (h, t) =>
      post(
        h,
        t,
        edit((r) =>
          r.daily.forEach((d) => {
            d.cacheReadTokens = 2 ** 52;
            d.totalTokens = 2 ** 52 + 3_000_000;
          }),
        ),
      ),
  },
  // Costs
  {
    name: 'a negative cost',
    status: 400,
    path: 'daily[0].totalCost',
    send: (h, t) =>
      post(
        h,
        t,
        edit((r) => (r.daily[0].totalCost = -0.5)),
      ),
  },
  {
    name: 'a cost above 999,999.9999',
    status: 400,
    path: 'daily[0].totalCost',
    send: (h, t) =>
      post(
        h,
        t,
        edit((r) => (r.daily[0].totalCost = 1_000_000)),
      ),
  },
  {
    name: 'an infinite cost (1e999)',
    status: 400,
    path: 'daily[0].totalCost',
    send: (h, t) => post(h, t, JSON.stringify(claude()).replace('"totalCost":1.4111820599999998', '"totalCost":1e999')),
  },
  {
    name: 'a cost as a string',
    status: 400,
    path: 'daily[0].modelBreakdowns[0].cost',
    send: (h, t) =>
      post(
        h,
        t,
        edit((r) => (r.daily[0].modelBreakdowns[0].cost = '1.17')),
      ),
  },
  // Dates
  {
    name: 'an impossible date',
    status: 400,
    path: 'daily[0].date',
    send: (h, t) =>
      post(
        h,
        t,
        edit((r) => (r.daily[0].date = '2025-02-30')),
      ),
  },
  {
    name: 'a date in another format',
    status: 400,
    path: 'daily[1].date',
    send: (h, t) =>
      post(
        h,
        t,
        edit((r) => (r.daily[1].date = '2025/06/02')),
      ),
  },
  {
    name: 'a date after tomorrow (UTC)',
    status: 400,
    path: 'daily[6].date',
    send: (h, t) =>
      post(
        h,
        t,
        edit((r) => (r.daily[6].date = utcDay(new Date(), 2))),
      ),
  },
  {
    name: 'a repeated date',
    status: 400,
    path: 'daily[1].date',
    send: (h, t) =>
      post(
        h,
        t,
        edit((r) => (r.daily[1].date = r.daily[0].date)),
      ),
  },
  {
    name: 'a missing date',
    status: 400,
    path: 'daily[4].date',
    send: (h, t) =>
      post(
        h,
        t,
        edit((r) => delete r.daily[4].date),
      ),
  },
  {
    name: 'a date as a number',
    status: 400,
    path: 'daily[0].date',
    send: (h, t) =>
      post(
        h,
        t,
        edit((r) => (r.daily[0].date = 20250601)),
      ),
  },
  {
    name: 'an impossible period in an all-agent report',
    status: 400,
    path: 'daily[0].period',
    send: (h, t) =>
      post(
        h,
        t,
        (() => {
          const r = structuredClone(fixture('daily.json')) as Report;
          r.daily[0].period = '2025-13-01';
          return r;
        })(),
      ),
  },
  {
    name: 'more than 3,660 days',
    status: 400,
    path: 'daily',
    send: (h, t) =>
      post(h, t, {
        daily: Array.from({ length: 3661 }, () => ({
          date: '2025-01-01',
          inputTokens: 0,
          outputTokens: 0,
          cacheCreationTokens: 0,
          cacheReadTokens: 0,
          totalTokens: 0,
        })),
      }),
  },
  // Models
  {
    name: 'an empty model name',
    status: 400,
    path: 'daily[0].modelBreakdowns[0].modelName',
    send: (h, t) =>
      post(
        h,
        t,
        edit((r) => (r.daily[0].modelBreakdowns[0].modelName = '')),
      ),
  },
  {
    name: 'a model name over 100 characters',
    status: 400,
    path: 'daily[0].modelBreakdowns[0].modelName',
    send: (h, t) =>
      post(
        h,
        t,
        edit((r) => (r.daily[0].modelBreakdowns[0].modelName = 'm'.repeat(101))),
      ),
  },
  {
    name: 'more than 100 models in a day',
    status: 400,
    path: 'daily[0].modelBreakdowns',
    send: (h, t) =>
      post(
        h,
        t,
        edit(
          (r) =>
            (r.daily[0].modelBreakdowns = Array.from({ length: 101 }, (_, i) => ({
              modelName: `m${i}`,
              inputTokens: 0,
              outputTokens: 0,
              cacheCreationTokens: 0,
              cacheReadTokens: 0,
              cost: 0,
            }))),
        ),
      ),
  },
  {
    name: 'the same model twice in a day',
    status: 400,
    path: 'daily[0].modelBreakdowns[1].modelName',
    send: (h, t) =>
      post(
        h,
        t,
        edit((r) => (r.daily[0].modelBreakdowns[1].modelName = r.daily[0].modelBreakdowns[0].modelName)),
      ),
  },
  {
    name: 'modelBreakdowns that is not an array',
    status: 400,
    path: 'daily[0].modelBreakdowns',
    send: (h, t) =>
      post(
        h,
        t,
        edit((r) => ((r.daily[0] as Record<string, unknown>).modelBreakdowns = 'sonnet')),
      ),
  },
  {
    name: 'a bad count inside an --instances project',
    status: 400,
    path: 'projects["-home-alice-code-infra-terraform"][0].inputTokens',
    send: (h, t) =>
      post(
        h,
        t,
        (() => {
          const r = structuredClone(fixture('claude-daily-instances.json')) as { projects: Record<string, Array<Record<string, unknown>>> };
          r.projects['-home-alice-code-infra-terraform'][0].inputTokens = -1;
          return r;
        })(),
      ),
  },
  // Query parameters
  { name: 'a device label over 64 characters', status: 400, path: 'device', send: (h, t) => post(h, t, claude(), { device: 'd'.repeat(65) }) },
  { name: 'a device label with a slash', status: 400, path: 'device', send: (h, t) => post(h, t, claude(), { device: '../etc' }) },
  { name: 'an empty device label', status: 400, path: 'device', send: (h, t) => post(h, t, claude(), { device: '' }) },
  { name: 'an unknown time zone', status: 400, path: 'tz', send: (h, t) => post(h, t, claude(), { tz: 'Mars/Olympus_Mons' }) },
  // Who may upload
  { name: 'no token', status: 401, send: (h) => post(h, undefined, claude()) },
  { name: 'an unknown token', status: 401, send: (h) => post(h, 'ccs_not-a-real-token', claude()) },
  {
    name: 'a Basic Authorization header',
    status: 401,
    send: (h) => h.post('/api/v1/uploads').set('Authorization', 'Basic YWxpY2U6cHc=').set('Content-Type', 'application/json').send(claude()),
  },
  { name: "a user's token uploading for someone else", status: 403, send: (h, t) => post(h, t, claude(), { username: 'someone-else' }) },
  { name: 'the admin token without ?username=', status: 400, path: 'username', send: (h) => post(h, ADMIN, claude()) },
  { name: 'the admin token for an unknown user', status: 404, send: (h) => post(h, ADMIN, claude(), { username: 'nobody-by-that-name' }) },
];

describe('a catalogue of bad uploads', () => {
  let db: TestDatabase;
  let t: TestApp;
  let token: string;
  let before: Record<string, number>;

  // No fold of shared-day deltas in the background: row counts before and after a refused request must match.
  useTestApp({ LOG_LEVEL: 'warn', ADMIN_TOKEN: ADMIN, BODY_LIMIT_BYTES: String(BODY_LIMIT), SHARED_FOLD_INTERVAL_MS: '0' }, (app) => ({ db, t } = app));
  beforeAll(async () => {
    ({ token } = await registerUser(t.http));
    await upload(t.http, token, claude(), { device: 'seed' }).expect(200);
    before = await rowCounts(db.query);
  });

  it('has at least 40 distinct cases', () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    // The row counts compared after each case cover every table the service writes.
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['users', 'api_tokens', 'usage_stats', 'model_usage', 'device_days', 'uploads', 'day_stats']));
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s: a problem body, nothing stored', async (_name, c) => {
    const res = await c.send(t.http, token);
    expect({ status: res.status, type: res.headers['content-type'] }).toEqual({ status: c.status, type: expect.stringMatching(/^application\/problem\+json/) });
    expect(res.body).toMatchObject({ status: c.status, title: expect.any(String), detail: expect.any(String), requestId: res.headers['x-request-id'] });
    if (c.path !== undefined) {
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(c.path);
    }
    expect(await rowCounts(db.query)).toEqual(before);
  });
});
