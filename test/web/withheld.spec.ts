import type { Page } from 'playwright-core';
import { utcDay } from '../../src/common/dates.js';
import { formatCost } from '../../web/src/format.js';
import { registerUser, upload } from '../helpers/api.js';
import type { TestApp } from '../helpers/test-app.js';
import { browserUnavailable, REQUIRED, screenshot, useBrowserApp } from './browser.js';

/**
 * The summary and models views when the server withholds community numbers from the viewer
 * (docs/privacy.md, "Community totals"): what the API sends as null reads as "withheld", charts
 * leave a gap, and nothing reads "NaN" or breaks the page.
 */
const unavailable = browserUnavailable();
if (unavailable && REQUIRED) throw new Error(`browser tests required (BROWSER_TESTS=required) but ${unavailable}`);
if (unavailable) process.stderr.write(`withheld-numbers browser tests skipped: ${unavailable}\n`);
const describeBrowser = unavailable ? describe.skip : describe;

const day = (offset: number) => utcDay(new Date(), offset);
const S = 'claude-sonnet-4-5-20250929';
const H = 'claude-3-5-haiku-20241022';

/** One day's report of some models, each with the same made-up numbers scaled by `n`. */
function report(date: string, models: string[], n: number) {
  const parts = models.map((modelName) => ({
    modelName,
    inputTokens: n,
    outputTokens: 2 * n,
    cacheCreationTokens: 3 * n,
    cacheReadTokens: 4 * n,
    cost: n / 1000,
  }));
  const sum = (k: 'inputTokens' | 'outputTokens' | 'cacheCreationTokens' | 'cacheReadTokens') => parts.reduce((s, p) => s + p[k], 0);
  return {
    daily: [
      {
        date,
        inputTokens: sum('inputTokens'),
        outputTokens: sum('outputTokens'),
        cacheCreationTokens: sum('cacheCreationTokens'),
        cacheReadTokens: sum('cacheReadTokens'),
        totalTokens: 10 * n * parts.length,
        totalCost: (n / 1000) * parts.length,
        modelsUsed: models,
        modelBreakdowns: parts,
      },
    ],
    totals: {},
  };
}

const texts = (page: Page, selector: string) => page.locator(selector).allTextContents();

describeBrowser('withheld community numbers in a browser', () => {
  let t: TestApp;
  const open = useBrowserApp({}, (ready) => {
    t = ready.t;
  });
  const api = async (path: string) => (await t.http.get(path).expect(200)).body;

  beforeAll(async () => {
    const pub = await registerUser(t.http, `wh-pub-${process.pid}`);
    const solo = await registerUser(t.http, `wh-solo-${process.pid}`);
    // solo is private and the only hidden user: every cell solo is in is withheld from anonymous viewers.
    await t.http.patch(`/api/v1/users/${solo.username}/privacy`).set('Authorization', `Bearer ${solo.token}`).send({ visibility: 'private' }).expect(200);
    await upload(t.http, pub.token, report(day(-3), [S], 1000), { device: 'laptop' }).expect(200);
    await upload(t.http, solo.token, report(day(-2), [S, H], 700), { device: 'laptop' }).expect(200);
  }, 60_000);

  const noNaN = async (page: Page) => expect(await page.locator('body').innerText()).not.toMatch(/NaN|undefined/);

  it('summary: withheld totals read "withheld", the series keeps the shown day and leaves the withheld one a gap', async () => {
    const page = await open('/?days=30');
    await page.locator('[data-testid=summary] .stat-value').first().waitFor();
    const summary = await api(`/api/v1/stats/summary?from=${day(-29)}&to=${day(0)}`);
    expect(summary.totals).toMatchObject({ totalTokens: null, totalCost: null, withheld: true });
    expect((await texts(page, '[data-testid=summary] .stat-value')).slice(0, 4)).toEqual(['2', '2', 'withheld', 'withheld']);
    // The top model (sonnet, used by both) has its cost withheld too; it reads so in the top list.
    await page.locator('[data-testid=top-models] li').first().waitFor();
    expect(await texts(page, '[data-testid=top-models] li .num')).toEqual(['withheld', 'withheld']);
    const series = await api(`/api/v1/stats/series?from=${day(-29)}&to=${day(0)}&granularity=day`);
    const chart = page.locator('figure[data-chart=cost-per-day]');
    await chart.locator('canvas').first().waitFor();
    await chart.locator('summary').click();
    const rows = await chart.locator('tbody tr').evaluateAll((trs) => trs.map((r) => [...r.children].map((c) => c.textContent)));
    const shownDay = series.rows.find((r: { date: string }) => r.date === day(-3));
    // The table prints tokens whole (the chart's axis and tooltip are compact).
    expect(rows.find((r) => r[0] === day(-3))).toEqual([day(-3), formatCost(shownDay.totalCost), String(shownDay.totalTokens)]);
    expect(rows.find((r) => r[0] === day(-2))).toEqual([day(-2), 'withheld', 'withheld']);
    await noNaN(page);
    await screenshot(page, 'summary-withheld');
  });

  it('models: withheld rows read "withheld" in the table and the model page, never NaN', async () => {
    const page = await open('/models?days=30');
    await page.locator('[data-testid=models-table] tbody tr').first().waitFor();
    const models = await api(`/api/v1/models?from=${day(-29)}&to=${day(0)}&limit=100`);
    expect(models.models.map((m: { model: string; withheld: boolean }) => [m.model, m.withheld])).toEqual([
      [S, true],
      [H, true],
    ]);
    for (const [i, m] of models.models.entries()) {
      const cells = await page.locator('[data-testid=models-table] tbody tr').nth(i).locator('td').allTextContents();
      expect(cells).toEqual([m.model, 'anthropic', String(m.users), 'withheld', 'withheld', 'withheld', 'withheld']);
    }
    await page.locator('figure[data-chart=token-share] canvas').first().waitFor();
    await noNaN(page);

    await page.locator(`[data-testid=models-table] a[href="/models/${encodeURIComponent(H)}"]`).click();
    await page.waitForURL(`**/models/${encodeURIComponent(H)}`);
    await page.locator('figure[data-chart=model-tokens] canvas').first().waitFor();
    expect((await texts(page, '.stat .stat-value')).slice(0, 4)).toEqual(['withheld', 'withheld', 'withheld', 'withheld']);
    await noNaN(page);
  });
});
