import type { Page } from 'playwright-core';
import { utcDay } from '../../src/common/dates.js';
import { addDays, bucketsOf, formatCompact, formatCost, formatInt, streaks } from '../../web/src/format.js';
import { registerUser, upload } from '../helpers/api.js';
import { fixture } from '../helpers/ccusage.js';
import type { TestApp } from '../helpers/test-app.js';
import { browserUnavailable, DESKTOP, PHONE, REQUIRED, screenshot, useBrowserApp } from './browser.js';

/**
 * The dashboard in a real Chromium against the real service with real ccusage samples: each view's
 * numbers equal the API's for the same query, charts have the expected series and points, deep
 * links restore state, and no page logs an error or violates the CSP.
 */
const unavailable = browserUnavailable();
if (unavailable && REQUIRED) throw new Error(`browser tests required (BROWSER_TESTS=required) but ${unavailable}`);
if (unavailable) process.stderr.write(`dashboard browser tests skipped: ${unavailable}\n`);
const describeBrowser = unavailable ? describe.skip : describe;

interface DailyReport {
  daily: Array<{ date: string }>;
  totals?: unknown;
}

/** A real report moved in time so that its last day is `lastDay` (the recent views need recent days). */
function redated(name: string, lastDay: string): DailyReport {
  const report = structuredClone(fixture(name)) as DailyReport;
  const last = report.daily
    .map((d) => d.date)
    .sort()
    .at(-1)!;
  const shift = Math.round((Date.parse(lastDay) - Date.parse(last)) / 86_400_000);
  for (const day of report.daily) day.date = addDays(day.date, shift);
  return report;
}

describeBrowser('dashboard in a browser', () => {
  let t: TestApp;
  let base: string;
  const today = utcDay(new Date());
  const users = { alice: '', bob: '', carol: '', dave: '' };
  const tokens: Record<string, string> = {};

  const open = useBrowserApp({}, (ready) => {
    ({ t, base } = ready);
  });

  beforeAll(async () => {
    for (const name of Object.keys(users) as Array<keyof typeof users>) {
      const user = await registerUser(t.http, `${name}-${process.pid}`);
      users[name] = user.username;
      tokens[name] = user.token;
    }
    // alice and dave upload the same report: a tie on every metric.
    for (const [name, body] of [
      ['alice', fixture('claude-daily.json')],
      ['dave', fixture('claude-daily.json')],
      ['bob', fixture('heavy-claude-daily.json')],
      ['carol', redated('claude-daily-breakdown.json', addDays(today, -1))],
    ] as const) {
      const res = await upload(t.http, tokens[name], body, { device: 'laptop', tz: 'UTC' });
      expect(res.status).toBe(200);
    }
  });

  const api = async (path: string) => {
    const res = await t.http.get(path);
    expect(res.status).toBe(200);
    return res.body;
  };

  const texts = (page: Page, selector: string) => page.locator(selector).allTextContents();

  it('serves the app for deep links, with caching and the strict CSP, and keeps the API 404 under /api', async () => {
    const page = await t.http.get('/u/someone?from=2025-06-01');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).not.toMatch(/script-src[^;]*unsafe-inline/);
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(page.text)![1];
    const asset = await t.http.get(script).set('Accept-Encoding', 'gzip');
    expect(asset.status).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-encoding']).toBe('gzip');
    expect((await t.http.get(script).set('If-None-Match', asset.headers.etag)).status).toBe(304);
    const api404 = await t.http.get('/api/v1/no-such-route');
    expect(api404.status).toBe(404);
    expect(api404.headers['content-type']).toMatch(/problem\+json/);
    expect((await t.http.get('/assets/index-missing.js')).status).toBe(404);
    expect((await t.http.get('/models/gemini-2.5-pro')).status).toBe(200);
  });

  it('leaderboard: the rows, ties and sparklines the API gives, restored from a deep link', async () => {
    const page = await open('/leaderboard?period=all&metric=tokens');
    await page.locator('table.leaderboard tbody tr').first().waitFor();
    const board = await api('/api/v1/leaderboard?period=all&metric=tokens&limit=25&sparklines=true');
    const rows = page.locator('table.leaderboard tbody tr');
    expect(await rows.count()).toBe(board.entries.length);
    for (const [i, e] of board.entries.entries()) {
      const row = rows.nth(i);
      expect(await row.getAttribute('data-username')).toBe(e.username);
      expect(await row.locator('td.metric').textContent()).toBe(formatInt(e.totalTokens));
      // The ranked metric is not repeated: tokens has its column, cost has its own.
      expect(await row.locator('td.tokens').count()).toBe(0);
      expect(await row.locator('td.cost').textContent()).toBe(formatCost(e.totalCost));
      expect(await row.locator('td.days').textContent()).toBe(String(e.activeDays));
      expect(await row.locator('td.model').textContent()).toBe(e.topModel ?? '–');
      expect(await row.locator('svg.sparkline').getAttribute('data-points')).toBe('30');
    }
    // alice and dave tie: both shown as "=rank".
    const ranks = Object.fromEntries(
      await Promise.all(board.entries.map(async (e: { username: string }, i: number) => [e.username, await rows.nth(i).locator('td.rank').textContent()])),
    );
    expect(ranks[users.alice]).toMatch(/^=\d+$/);
    expect(ranks[users.alice]).toBe(ranks[users.dave]);
    expect(await page.locator('nav[aria-label=Period] a[aria-current=true]').getAttribute('data-value')).toBe('all');
    expect(await page.locator('nav[aria-label="Ranked by"] a[aria-current=true]').getAttribute('data-value')).toBe('tokens');
    await screenshot(page, 'leaderboard-light-desktop');

    // Changing a setting changes the URL; Back restores the previous state.
    await page.locator('nav[aria-label="Ranked by"] a[data-value=cost]').click();
    await page.waitForURL(/metric=cost/);
    await page.locator('table.leaderboard[data-metric=cost]').waitFor();
    const byCost = await api('/api/v1/leaderboard?period=all&metric=cost&limit=25');
    expect(await texts(page, 'table.leaderboard tbody td.metric')).toEqual(byCost.entries.map((e: { totalCost: string }) => formatCost(e.totalCost)));
    await page.goBack();
    await page.locator('table.leaderboard[data-metric=tokens]').waitFor();
  });

  it('leaderboard: the last 30 days show the recent uploader, with a sparkline of her days', async () => {
    const page = await open('/leaderboard?period=30d&metric=cost');
    await page.locator('table.leaderboard tbody tr').first().waitFor();
    const board = await api('/api/v1/leaderboard?period=30d&metric=cost&limit=25&sparklines=true');
    expect(board.entries.map((e: { username: string }) => e.username)).toEqual([users.carol]);
    expect(await texts(page, 'table.leaderboard tbody td:nth-child(2)')).toEqual([users.carol]);
    const points = await page.locator('svg.sparkline polyline').getAttribute('points');
    const heights = points!.split(' ').map((p) => Number(p.split(',')[1]));
    // Higher cost, higher point (smaller y): the drawn order matches the API's values.
    const values = board.entries[0].last30Days.map(Number);
    for (let i = 1; i < values.length; i++) expect(Math.sign(heights[i - 1] - heights[i])).toBe(Math.sign(values[i] - values[i - 1]));
  });

  it('custom range and page deep links restore their state', async () => {
    const page = await open('/leaderboard?from=2025-06-01&to=2025-06-03&metric=output&page=2');
    await page.locator('.pager').waitFor();
    expect(await page.locator('[data-testid=range]').textContent()).toContain('2025-06-01 to 2025-06-03');
    expect(await page.locator('.pager span').textContent()).toContain('Page 2');
    expect(await page.locator('details.custom').getAttribute('open')).not.toBeNull();
    expect(await page.locator('input[name=from]').inputValue()).toBe('2025-06-01');
  });

  it('profile: totals, both charts per granularity, heatmap, streaks and ranks equal the API', async () => {
    const from = '2025-06-01';
    const to = '2025-06-07';
    const page = await open(`/u/${users.alice}?from=${from}&to=${to}`);
    await page.locator('figure[data-chart=tokens-by-kind] canvas').first().waitFor();
    const profile = await api(`/api/v1/users/${users.alice}`);
    expect(await page.locator('.stat').first().locator('.stat-value').textContent()).toBe(formatCompact(profile.totals.totalTokens));
    expect(await page.locator('.stat').nth(1).locator('.stat-value').textContent()).toBe(formatCost(profile.totals.totalCost));
    const kinds = page.locator('figure[data-chart=tokens-by-kind]');
    expect(JSON.parse((await kinds.getAttribute('data-series'))!)).toEqual(['Input', 'Output', 'Cache creation', 'Cache read', 'Cost']);
    expect(await kinds.getAttribute('data-points')).toBe('7');
    // The table under the chart holds the API's exact numbers.
    const usage = await api(`/api/v1/users/${users.alice}/usage?from=${from}&to=${to}&granularity=day&models=true`);
    await kinds.locator('summary').click();
    const cells = await texts(page, 'figure[data-chart=tokens-by-kind] tbody tr td:nth-child(2)');
    expect(cells).toEqual(usage.rows.map((r: { inputTokens: number }) => String(r.inputTokens)));
    const models = new Set(usage.rows.flatMap((r: { models: Array<{ model: string }> }) => r.models.map((m) => m.model)));
    expect(new Set(JSON.parse((await page.locator('figure[data-chart=tokens-by-model]').getAttribute('data-series'))!))).toEqual(models);
    await screenshot(page, 'profile-light-desktop');

    await page.locator('nav[aria-label=By] a[data-value=week]').click();
    await page.waitForURL(/granularity=week/);
    await page.locator('figure[data-chart=tokens-by-kind][data-points="2"]').waitFor();
    expect(bucketsOf('week', from, to)).toHaveLength(2);

    // Ranks: one per period, as the API has them.
    const ranks = await api(`/api/v1/users/${users.alice}/ranks?metric=cost`);
    await page.locator('[data-testid=ranks] li').first().waitFor();
    for (const r of ranks.ranks) {
      expect(await page.locator(`[data-testid=ranks] li[data-period="${r.period}"] strong`).textContent()).toBe(r.rank === null ? '–' : `#${r.rank}`);
    }
  });

  it('profile of a recent user: a year heatmap and streaks from her days', async () => {
    const page = await open(`/u/${users.carol}`);
    await page.locator('svg.heatmap').waitFor();
    const year = await api(`/api/v1/users/${users.carol}/usage?from=${addDays(today, -370)}&to=${today}&granularity=day&models=false`);
    const active = year.rows.filter((r: { totalTokens: number }) => r.totalTokens > 0).map((r: { date: string }) => r.date);
    expect(active.length).toBeGreaterThan(0);
    // Every day she used is lit, and no other (all her days are within the year the map shows).
    const lit = await page.locator('svg.heatmap rect:not(.heat-0)').evaluateAll((rects) => rects.map((r) => r.getAttribute('data-day') ?? ''));
    expect(lit.sort()).toEqual([...active].sort());
    const streak = streaks(active, today);
    expect(streak.current).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=streaks] strong').first().getAttribute('data-value')).toBe(String(streak.current));
    expect(await page.locator('[data-testid=streaks] strong').nth(1).getAttribute('data-value')).toBe(String(streak.longest));
    // The default range is the last 90 days: every day a point.
    expect(await page.locator('figure[data-chart=tokens-by-kind]').getAttribute('data-points')).toBe('90');
  });

  it('profile without a range opens on the user’s own last days, and "All" spans first to last day', async () => {
    const profile = await api(`/api/v1/users/${users.alice}`);
    const page = await open(`/u/${users.alice}`);
    // Her days are long past: once her profile is in, the window ends on her last day instead of
    // showing 90 empty days (the charts start with the recent window and move).
    const range = page.locator('[data-testid=range]');
    await page.locator('[data-testid=range]', { hasText: `${addDays(profile.lastDate, -89)} to ${profile.lastDate}` }).waitFor();
    const usage = await api(`/api/v1/users/${users.alice}/usage?from=${addDays(profile.lastDate, -89)}&to=${profile.lastDate}&granularity=day&models=true`);
    const kinds = page.locator('figure[data-chart=tokens-by-kind][data-points="90"]');
    await kinds.locator('summary').click();
    const shown = await kinds.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.children[1].textContent).filter((v) => v !== '0'));
    expect(shown).toEqual(usage.rows.map((r: { inputTokens: number }) => String(r.inputTokens)));
    await page.locator('nav[aria-label=Range] a[data-value=all]').click();
    await page.waitForURL(/days=all/);
    await page.locator('figure[data-chart=tokens-by-kind][data-points="7"]').waitFor();
    expect(await range.textContent()).toBe(`${profile.firstDate} to ${profile.lastDate}`);
  });

  it('owner view: a pasted token shows uploads and tokens, and revokes a token', async () => {
    const second = await t.http.post(`/api/v1/users/${users.bob}/tokens`).set('Authorization', `Bearer ${tokens.bob}`).send({ name: 'spare' });
    expect(second.status).toBe(201);
    const page = await open(`/u/${users.bob}`);
    await page.locator('details.owner summary').click();
    await page.locator('.token-form input').fill(tokens.bob);
    await page.locator('.token-form button').click();
    const row = page.locator(`tr[data-token-id="${second.body.id}"]`);
    await row.waitFor();
    expect(await page.locator('table.uploads tbody tr').count()).toBe(1);
    await row.locator('button').click();
    await page.locator(`tr[data-token-id="${second.body.id}"][data-revoked=true]`).waitFor();
    const list = await t.http.get(`/api/v1/users/${users.bob}/tokens`).set('Authorization', `Bearer ${tokens.bob}`);
    expect(list.body.tokens.find((x: { id: number }) => x.id === second.body.id).revokedAt).not.toBeNull();
    // The revoked token no longer authenticates.
    expect((await t.http.get(`/api/v1/users/${users.bob}/tokens`).set('Authorization', `Bearer ${second.body.token}`)).status).toBe(401);
  });

  it('models: the table equals the API and the share charts have one series per top model', async () => {
    const page = await open('/models?days=all');
    await page.locator('[data-testid=models-table] tbody tr').first().waitFor();
    const models = await api('/api/v1/models?limit=100');
    expect(await page.locator('[data-testid=models-table] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')))).toEqual(
      models.models.map((m: { model: string }) => m.model),
    );
    expect(await texts(page, '[data-testid=models-table] tbody td:nth-child(3)')).toEqual(models.models.map((m: { users: number }) => formatInt(m.users)));
    const series = await api('/api/v1/models/series?granularity=month&by=model&top=8');
    const share = page.locator('figure[data-chart=token-share]');
    await share.locator('canvas').first().waitFor();
    expect(JSON.parse((await share.getAttribute('data-series'))!)).toEqual(series.series.map((s: { key: string | null }) => s.key ?? 'Other models'));
    expect(Number(await share.getAttribute('data-points'))).toBe(bucketsOf('month', series.from, series.to).length);
    await screenshot(page, 'models-light-desktop');

    const model = models.models[0].model as string;
    await page.locator(`[data-testid=models-table] a[href="/models/${encodeURIComponent(model)}"]`).click();
    await page.waitForURL(`**/models/${encodeURIComponent(model)}`);
    const one = await api(`/api/v1/models/${encodeURIComponent(model)}/usage?granularity=week`);
    await page.locator('figure[data-chart=model-tokens] canvas').first().waitFor();
    expect(await page.locator('.stat').nth(1).locator('.stat-value').textContent()).toBe(formatCost(one.totals.totalCost));
    expect(Number(await page.locator('figure[data-chart=model-users]').getAttribute('data-points'))).toBe(bucketsOf('week', one.from, one.to).length);
  });

  it('summary: totals, per-day series and top lists equal the API', async () => {
    const page = await open('/?days=all');
    await page.locator('[data-testid=top-users] li').first().waitFor();
    const summary = await api('/api/v1/stats/summary');
    const values = await texts(page, '[data-testid=summary] .stat-value');
    expect(values.slice(0, 4)).toEqual([
      formatInt(summary.users),
      formatInt(summary.activeUsers),
      formatCompact(summary.totals.totalTokens),
      formatCost(summary.totals.totalCost),
    ]);
    const top = await api('/api/v1/leaderboard?period=all&metric=cost&limit=10');
    expect(await texts(page, '[data-testid=top-users] li a')).toEqual(top.entries.map((e: { username: string }) => e.username));
    const series = await api(`/api/v1/stats/series?granularity=month&from=${summary.from}&to=${summary.to}`);
    const active = page.locator('figure[data-chart=active-users]');
    await active.locator('summary').click();
    const shown = await page
      .locator('figure[data-chart=active-users] tbody tr')
      .evaluateAll((rows) => rows.map((r) => [r.children[0].textContent, r.children[1].textContent]).filter(([, v]) => v !== '0'));
    expect(shown).toEqual(series.rows.map((r: { date: string; activeUsers: number }) => [r.date, formatInt(r.activeUsers)]));
    await screenshot(page, 'summary-light-desktop');
  });

  it('get started: registering shows a token that works, and the upload command names this server', async () => {
    const page = await open('/start');
    const name = `web-${process.pid}`;
    await page.locator('form.register input[name=username]').fill(name);
    await page.locator('form.register button').click();
    const token = await page.locator('[data-testid=new-token]').textContent();
    expect(token).toMatch(/^ccs_/);
    const command = await page.locator('[data-testid=upload-command]').textContent();
    expect(command).toContain(`${base}/api/v1/uploads?device=`);
    const res = await upload(t.http, token!, fixture('claude-daily.json'), { device: 'web', tz: 'UTC' });
    expect(res.status).toBe(200);
    expect((await api(`/api/v1/users/${name}`)).totals.totalCost).toBe((await api(`/api/v1/users/${users.alice}`)).totals.totalCost);
  });

  it('works from the keyboard: a skip link first, then every control reachable with Tab and usable with Enter', async () => {
    const page = await open('/leaderboard?period=all');
    await page.locator('table.leaderboard tbody tr').first().waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
    // Tab until the "Tokens" metric has the focus, then choose it with Enter.
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      if ((await page.evaluate('document.activeElement.dataset.value')) === 'tokens') break;
    }
    await page.keyboard.press('Enter');
    await page.waitForURL(/metric=tokens/);
    await page.locator('table.leaderboard[data-metric=tokens]').waitFor();
    // The chart tables open from the keyboard too.
    await page.goto(`${base}/u/${users.alice}?days=all`);
    const summary = page.locator('figure[data-chart=tokens-by-kind] summary');
    await summary.focus();
    await page.keyboard.press('Enter');
    expect(await page.locator('figure[data-chart=tokens-by-kind] details').getAttribute('open')).not.toBeNull();
  });

  it('unknown pages show the app’s own 404', async () => {
    const page = await open('/no/such/page');
    expect(await page.locator('[data-testid=not-found]').textContent()).toContain('/no/such/page');
  });

  it('writes screenshots of every view, light and dark, desktop and phone', async () => {
    const views: Array<[string, string, string]> = [
      ['summary', '/?days=all', '[data-testid=top-users] li'],
      ['leaderboard', '/leaderboard?period=all', 'table.leaderboard tbody tr'],
      ['profile', `/u/${users.carol}`, 'figure[data-chart=tokens-by-model] canvas'],
      ['models', '/models?days=all', 'figure[data-chart=cost-share] canvas'],
      ['start', '/start', '[data-testid=upload-command]'],
    ];
    for (const [name, path, ready] of views) {
      for (const colorScheme of ['light', 'dark'] as const) {
        for (const [size, viewport] of [
          ['desktop', DESKTOP],
          ['phone', PHONE],
        ] as const) {
          const page = await open(path, { colorScheme, viewport });
          await page.locator(ready).first().waitFor();
          await screenshot(page, `${name}-${colorScheme}-${size}`);
          // Nothing wider than the screen on a phone but the scrollable tables.
          if (size === 'phone') expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
        }
      }
    }
    // Twenty page loads: more than the default two minutes on a loaded two-core machine is possible.
  }, 300_000);
});
