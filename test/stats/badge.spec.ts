import { utcDay } from '../../src/common/dates.js';
import { type Period, PERIODS, periodRange } from '../../src/read-model/periods.js';
import { formatCost, formatTokens } from '../../src/users/badge.format.js';
import { registerUser, upload } from '../helpers/api.js';
import { expectedDays, fixture } from '../helpers/ccusage.js';
import type { TestDatabase } from '../helpers/database.js';
import { startApp, type TestApp, useTestApp } from '../helpers/test-app.js';
import { elementsOf, parseXml, textOf } from '../helpers/xml.js';

/**
 * GET /api/v1/users/:username/badge.svg: the value on the badge is the user's sum over the period
 * as the API itself answers it (GET /users/:username/usage over the same days), and as the
 * uploaded report adds up; the SVG is well-formed whatever the label; errors are problem bodies.
 */

const TODAY = utcDay(new Date());
const ADMIN = 'badge-admin-token-of-the-badge-tests';

type Report = { daily: Array<Record<string, unknown> & { date: string }> };

/**
 * A real ccusage report (seven days of June 2025) moved to recent days, so that every period from
 * today to 90 days holds some of it and no two periods hold the same days.
 */
const OFFSETS = [-120, -60, -25, -8, -5, -1, 0];
function recentReport(): Report {
  const report = structuredClone(fixture('claude-daily-breakdown.json')) as Report;
  report.daily.forEach((row, i) => (row.date = utcDay(new Date(), OFFSETS[i])));
  return report;
}

/** GET as text whatever the content type (supertest buffers images as bytes otherwise). */
function get(t: TestApp, url: string, headers: Record<string, string> = {}) {
  const req = t.http
    .get(url)
    .buffer(true)
    .parse((res, done) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => done(null, text));
    });
  for (const [name, value] of Object.entries(headers)) void req.set(name, value);
  return req;
}

/** The label and value the badge shows, read back from its SVG. */
function readBadge(svg: string): { label: string; value: string; title: string; color: string } {
  const root = parseXml(svg);
  const all = elementsOf(root);
  const title = textOf(all.find((e) => e.name === 'title')!);
  // The last text of each half is the visible one (the flat style draws a shadow first).
  const texts = all.filter((e) => e.name === 'text' && e.attributes['aria-hidden'] !== 'true').map(textOf);
  const rects = all.filter((e) => e.name === 'rect' && e.attributes.x !== undefined);
  expect(texts).toHaveLength(2);
  expect(root.attributes['aria-label']).toBe(title);
  expect(title).toBe(`${texts[0]}: ${texts[1]}`);
  return { label: texts[0], value: texts[1], title, color: rects[0].attributes.fill };
}

describe('badges', () => {
  let db: TestDatabase;
  let t: TestApp;
  let alice: { username: string; token: string };
  let idle: { username: string; token: string };
  useTestApp({ LOG_LEVEL: 'warn' }, (app) => ({ db, t } = app));

  beforeAll(async () => {
    alice = await registerUser(t.http);
    idle = await registerUser(t.http);
    await upload(t.http, alice.token, recentReport(), { device: 'laptop' }).expect(200);
    // Days of 2025, out of every period but `all`: 4.6e9 tokens a day, past 2^32.
    await upload(t.http, alice.token, fixture('heavy-claude-daily.json'), { device: 'desk' }).expect(200);
  });

  /** The user's totals over a period as GET /users/:username/usage gives them. */
  async function apiTotals(username: string, period: Period) {
    const range = periodRange(period, TODAY);
    const res = await t.http
      .get(`/api/v1/users/${username}/usage`)
      .query({ models: 'false', ...(range ? { from: range.from, to: range.to } : {}) })
      .expect(200);
    return res.body.totals as { totalTokens: number; totalCost: string; inputTokens: number; cacheReadTokens: number };
  }

  it.each(PERIODS)('shows the period %s as GET /usage sums it, in tokens and in cost', async (period) => {
    const totals = await apiTotals(alice.username, period);
    const tokens = readBadge((await get(t, `/api/v1/users/${alice.username}/badge.svg?metric=tokens&period=${period}`).expect(200)).body);
    expect(tokens.value).toBe(`${formatTokens(totals.totalTokens)} tokens`);
    const cost = readBadge((await get(t, `/api/v1/users/${alice.username}/badge.svg?metric=cost&period=${period}`).expect(200)).body);
    expect(cost.value).toBe(formatCost(totals.totalCost));
    expect(totals.totalTokens).toBeGreaterThan(0); // every period holds some of the report
  });

  it('adds up to what the uploaded report says for the last 30 days', async () => {
    const range = periodRange('30d', TODAY)!;
    const days = [...expectedDays(recentReport()).entries()].filter(([date]) => date >= range.from && date <= range.to);
    expect(days.length).toBe(5); // -25, -8, -5, -1 and today
    const tokens = days.reduce((s, [, d]) => s + d.totalTokens, 0);
    const badge = readBadge((await get(t, `/api/v1/users/${alice.username}/badge.svg`).expect(200)).body);
    // Defaults: tokens over 30 days.
    expect(badge).toMatchObject({ label: 'claude code 30d', value: `${formatTokens(tokens)} tokens`, color: '#007ec6' });
    const cost = days.reduce((s, [, d]) => s + d.cost, 0);
    const costBadge = readBadge((await get(t, `/api/v1/users/${alice.username}/badge.svg?metric=cost`).expect(200)).body);
    expect(costBadge.value).toBe(`$${cost.toFixed(2)}`); // the sample's costs are small enough to show to the cent
  });

  it('counts the days of 2025 under all, billions of tokens', async () => {
    const heavy = [...expectedDays(fixture('heavy-claude-daily.json')).values()].reduce((s, d) => s + d.totalTokens, 0);
    const recent = [...expectedDays(recentReport()).values()].reduce((s, d) => s + d.totalTokens, 0);
    const badge = readBadge((await get(t, `/api/v1/users/${alice.username}/badge.svg?period=all`).expect(200)).body);
    expect(badge.label).toBe('claude code all time');
    expect(badge.value).toBe(`${formatTokens(heavy + recent)} tokens`);
    expect(badge.value).toMatch(/^\d+(\.\d+)?B tokens$/);
  });

  it.each([
    ['input', 'inputTokens', 'input tokens'],
    ['cacheRead', 'cacheReadTokens', 'cache read tokens'],
  ] as const)('shows one kind of tokens: %s', async (metric, field, noun) => {
    const totals = await apiTotals(alice.username, '90d');
    const badge = readBadge((await get(t, `/api/v1/users/${alice.username}/badge.svg?metric=${metric}&period=90d`).expect(200)).body);
    expect(badge.value).toBe(`${formatTokens(totals[field])} ${noun}`);
  });

  it('is grey for a user with no usage, and finds users without regard to case', async () => {
    const badge = readBadge((await get(t, `/api/v1/users/${idle.username.toUpperCase()}/badge.svg?metric=cost&period=all`).expect(200)).body);
    expect(badge).toMatchObject({ value: '$0.00', color: '#9f9f9f' });
  });

  it('takes a label and the flat-square style', async () => {
    const res = await get(t, `/api/v1/users/${alice.username}/badge.svg?label=${encodeURIComponent('Claude Code 7d 🚀')}&period=7d&style=flat-square`).expect(
      200,
    );
    expect(readBadge(res.body).label).toBe('Claude Code 7d 🚀');
    expect(res.body).not.toContain('fill-opacity'); // no shadow
  });

  it('escapes a hostile label, and stays well-formed XML', async () => {
    const label = `<script>&"'</script>`;
    const res = await get(t, `/api/v1/users/${alice.username}/badge.svg?label=${encodeURIComponent(label)}`).expect(200);
    expect(res.body).not.toMatch(/<script/i);
    expect(res.body.match(/&(?!(amp|lt|gt|quot|apos);)/g)).toBeNull(); // every & starts an entity
    expect(res.body).toContain('&lt;script&gt;&amp;&quot;&apos;&lt;/script&gt;');
    const badge = readBadge(res.body);
    expect(badge.label).toBe(label);
    expect(badge.title).toBe(`${label}: ${badge.value}`);
  });

  it('is an SVG image with the security headers, cached briefly with an ETag', async () => {
    const url = `/api/v1/users/${alice.username}/badge.svg?period=7d`;
    const first = await get(t, url).expect(200);
    expect(first.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
    expect(first.headers['cache-control']).toMatch(/^public, max-age=\d+$/);
    expect(first.headers['x-content-type-options']).toBe('nosniff');
    // Embeddable from any site (an <img> on another origin); other routes stay same-origin.
    expect(first.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(first.headers['content-security-policy']).toContain("script-src 'self'");
    expect(first.body.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const etag = first.headers.etag;
    expect(etag).toMatch(/^"[\w-]+"$/);

    const again = await get(t, url, { 'If-None-Match': etag }).expect(304);
    expect(again.body).toBe('');
    await get(t, url, { 'If-None-Match': '"something-else"' }).expect(200);
    // Another badge has another tag.
    expect((await get(t, `${url}&metric=cost`).expect(200)).headers.etag).not.toBe(etag);

    // New usage today: the badge changes, and so does its tag.
    const more = recentReport();
    more.daily = more.daily
      .slice(-1)
      .map((d) => ({ ...d, inputTokens: (d.inputTokens as number) + 5_000_000, totalTokens: (d.totalTokens as number) + 5_000_000 }));
    await upload(t.http, alice.token, more, { device: 'second-laptop' }).expect(200);
    const after = await get(t, url, { 'If-None-Match': etag }).expect(200);
    expect(after.headers.etag).not.toBe(etag);
    expect(readBadge(after.body).value).toBe(`${formatTokens((await apiTotals(alice.username, '7d')).totalTokens)} tokens`);
  });

  it('answers 404 for an unknown user', async () => {
    const res = await t.http.get('/api/v1/users/nobody-here/badge.svg').expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 404, detail: 'There is no user "nobody-here".' });
  });

  it.each([
    ['metric=bogus', 'metric'],
    ['period=1y', 'period'],
    ['period=30d&period=7d', 'period'],
    ['style=plastic', 'style'],
    [`label=${'x'.repeat(41)}`, 'label'],
    ['label=', 'label'],
    [`label=${encodeURIComponent(' padded')}`, 'label'],
    [`label=${encodeURIComponent('bell\u0007')}`, 'label'],
    [`label=${encodeURIComponent('rtl\u202eoverride')}`, 'label'],
  ])('answers 400 for %s', async (query, field) => {
    const res = await t.http.get(`/api/v1/users/${alice.username}/badge.svg?${query}`).expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
  });

  it('answers 400 for a name no user can have', async () => {
    const res = await t.http.get('/api/v1/users/-dash/badge.svg').expect(400);
    expect(res.body.errors[0].path).toBe('username');
  });

  describe('READ_ACCESS=token', () => {
    let locked: TestApp;
    beforeAll(async () => {
      locked = await startApp(db, { LOG_LEVEL: 'warn', READ_ACCESS: 'token', ADMIN_TOKEN: ADMIN });
    });
    afterAll(async () => {
      await locked?.close();
    });

    it('needs a token, and is cached privately', async () => {
      const url = `/api/v1/users/${alice.username}/badge.svg`;
      const refused = await locked.http.get(url).expect(401);
      expect(refused.body.status).toBe(401);
      // Before the name is looked up: an unknown user is no different.
      await locked.http.get('/api/v1/users/nobody-here/badge.svg').expect(401);
      for (const token of [alice.token, idle.token, ADMIN]) {
        const res = await get(locked, url, { Authorization: `Bearer ${token}` }).expect(200);
        expect(res.headers['cache-control']).toMatch(/^private/);
        expect(res.headers.vary).toMatch(/Authorization/);
      }
    });
  });
});
