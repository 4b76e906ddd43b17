import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { formatCost } from '../../web/src/format.js';
import { registerUser, upload } from '../helpers/api.js';
import { fixture } from '../helpers/ccusage.js';
import { type TestApp, useTestApp } from '../helpers/test-app.js';
import { browserUnavailable, launch, openPage, REQUIRED } from './browser.js';

/** READ_ACCESS=token: the dashboard asks for a token instead of failing, and then shows the numbers. */
const unavailable = browserUnavailable();
if (unavailable && REQUIRED) throw new Error(`browser tests required (BROWSER_TESTS=required) but ${unavailable}`);
const describeBrowser = unavailable ? describe.skip : describe;

describeBrowser('dashboard on a server that needs a token to read', () => {
  let t: TestApp;
  let browser: Browser;

  useTestApp({ READ_ACCESS: 'token' }, (ready) => {
    t = ready.t;
  });

  beforeAll(async () => {
    browser = await launch();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('asks for a token, then shows the leaderboard; a wrong token is refused', async () => {
    const user = await registerUser(t.http, `reader-${process.pid}`);
    expect((await upload(t.http, user.token, fixture('claude-daily.json'), { device: 'laptop', tz: 'UTC' })).status).toBe(200);
    const { page, context, problems } = await openPage(browser);
    await page.goto(`${(await t.app.getUrl()).replace('[::1]', '127.0.0.1')}/leaderboard?period=all`);
    await page.locator('.token-form').waitFor();
    expect(await page.locator('table.leaderboard').count()).toBe(0);

    await page.locator('.token-form input').fill('ccs_not_a_real_token');
    await page.locator('.token-form button').click();
    await page.locator('.token-form p', { hasText: 'not accepted' }).waitFor();

    await page.locator('.token-form input').fill(user.token);
    await page.locator('.token-form button').click();
    await page.locator('table.leaderboard tbody tr').first().waitFor();
    const board = await t.http.get('/api/v1/leaderboard?period=all').set('Authorization', `Bearer ${user.token}`);
    expect(await page.locator('table.leaderboard tbody td.metric').allTextContents()).toEqual(
      board.body.entries.map((e: { totalCost: string }) => formatCost(e.totalCost)),
    );
    // The CSV link carries the token too (fetched with it and saved from a blob).
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('a.csv').click()]);
    const csv = await t.http.get('/api/v1/leaderboard?period=all&metric=cost&limit=25&offset=0&format=csv').set('Authorization', `Bearer ${user.token}`);
    expect(readFileSync(await download.path(), 'utf8')).toBe(csv.text);
    // The token stays in this tab's session storage only.
    expect(await page.evaluate("[sessionStorage.getItem('ccstats.token'), localStorage.length]")).toEqual([user.token, 0]);
    // The browser logs each refused request; nothing else may go wrong.
    expect(problems.console.filter((m) => !m.includes('status of 401'))).toEqual([]);
    expect([problems.errors, problems.csp]).toEqual([[], []]);
    await context.close();
  });
});
