import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import playwright, { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { WEB_DIR } from '../../src/web-app/web-assets.js';
import { formatCost } from '../../web/src/format.js';
import type { TestDatabase } from '../helpers/database.js';
import { type TestApp, useTestApp } from '../helpers/test-app.js';

/**
 * A real Chromium for the dashboard's tests: Debian's package (`apt-get install chromium`), never a
 * browser download. .ci/run installs it and sets BROWSER_TESTS=required, so a missing browser or an
 * unbuilt dashboard fails CI; elsewhere the browser tests are skipped with a warning.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const REQUIRED = process.env.BROWSER_TESTS === 'required';

export const SCREENSHOTS = fileURLToPath(new URL('../../test-output/screenshots/', import.meta.url));

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserUnavailable(): string | undefined {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
  if (!existsSync(`${WEB_DIR}index.html`)) return `the dashboard is not built (${WEB_DIR}; npm run build)`;
  return undefined;
}

export async function launch(): Promise<Browser> {
  return playwright.chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
}

/** What a page reported that a user would call a bug: console errors, uncaught exceptions, CSP violations. */
export interface PageProblems {
  console: string[];
  errors: string[];
  csp: string[];
}

export interface OpenedPage {
  page: Page;
  context: BrowserContext;
  problems: PageProblems;
}

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

/** A fresh context (its own session storage) with a page that records its problems. */
export async function openPage(
  browser: Browser,
  options: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {},
): Promise<OpenedPage> {
  const context = await browser.newContext({ colorScheme: options.colorScheme ?? 'light', viewport: options.viewport ?? DESKTOP });
  const page = await context.newPage();
  const problems: PageProblems = { console: [], errors: [], csp: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') problems.console.push(message.text());
  });
  page.on('pageerror', (error) => problems.errors.push(error.message));
  // Init scripts run through the DevTools protocol, outside the page's CSP.
  await page.exposeFunction('__reportCsp', (text: string) => problems.csp.push(text));
  await page.addInitScript({
    content: "document.addEventListener('securitypolicyviolation', (e) => window.__reportCsp(e.violatedDirective + ' ' + e.blockedURI));",
  });
  return { page, context, problems };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

/** One element's screenshot (a section of a page, for the docs). */
export async function screenshotOf(locator: Locator, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await locator.screenshot({ path: `${SCREENSHOTS}${name}.png` });
}

/**
 * The pages a describe block opens: `open(path)` opens one in a fresh context at `base()` + path;
 * after each test every page opened must have reported no problem (console errors, uncaught
 * exceptions, CSP violations; but the browser's own line for a response whose status is in
 * `allowStatuses`) and is closed; after all tests the browser is.
 */
export function usePages(browser: () => Browser | undefined, base: () => string) {
  const opened: Array<OpenedPage & { allowed: number[] }> = [];
  afterEach(async () => {
    for (const o of opened.splice(0)) {
      // The browser logs every refused request; a page whose test expects a refusal names its status.
      const logged = o.problems.console.filter((m) => !o.allowed.some((status) => m.includes(`status of ${status} `)));
      expect({ console: logged, errors: o.problems.errors, csp: o.problems.csp }).toEqual({ console: [], errors: [], csp: [] });
      await o.context.close();
    }
  });
  afterAll(async () => {
    await browser()?.close();
  });
  return async function open(path: string, options: Parameters<typeof openPage>[1] & { allowStatuses?: number[] } = {}): Promise<Page> {
    const o = await openPage(browser()!, options);
    opened.push({ ...o, allowed: options.allowStatuses ?? [] });
    await o.page.goto(base() + path);
    return o.page;
  };
}

/** What a describe block's browser tests are given once its app and browser are up. */
export interface BrowserApp {
  t: TestApp;
  db: TestDatabase;
  /** The app's address as the browser reaches it (IPv4: Chromium in CI has no [::1]). */
  base: string;
  browser: Browser;
}

/**
 * A describe block's app and browser, set up the same way by every browser test: an app on its own
 * database with `env` (useTestApp), one Chromium for the block, and usePages' `open` on the app's
 * address. `ready` gets them before the block's own beforeAll runs; the browser is closed after all
 * tests, before the app.
 */
export function useBrowserApp(env: Record<string, string>, ready: (app: BrowserApp) => void) {
  let app: { t: TestApp; db: TestDatabase };
  let base = '';
  let browser: Browser | undefined;
  const open = usePages(
    () => browser,
    () => base,
  );
  useTestApp(env, (started) => {
    app = started;
  });
  beforeAll(async () => {
    base = (await app.t.app.getUrl()).replace('[::1]', '127.0.0.1');
    browser = await launch();
    ready({ ...app, base, browser });
  });
  return open;
}

/** Puts a token in the page's tab (as pasting it does) and loads the page again with it. */
export async function signIn(page: Page, token: string): Promise<void> {
  await page.evaluate(`sessionStorage.setItem('ccstats.token', ${JSON.stringify(token)})`);
  await page.reload();
}

/** usePages' `open`. */
export type OpenPage = ReturnType<typeof usePages>;

/**
 * Opens `path` as `token` (anonymous when undefined) on a page that must refuse it, and returns the
 * refusal's text (the `failure` element's): nothing matching `absent` is shown, and a form to paste
 * a token is offered exactly when there is no token (a permitted one would show the page).
 */
export async function refusal(
  open: OpenPage,
  path: string,
  token: string | undefined,
  expected: { allowStatuses: number[]; failure: string; absent: string },
): Promise<string> {
  const page = await open(path, { allowStatuses: expected.allowStatuses });
  if (token) await signIn(page, token);
  const failure = page.locator(expected.failure);
  await failure.waitFor();
  const text = (await failure.textContent())!;
  expect(await page.locator(expected.absent).count()).toBe(0);
  expect(await page.locator('.token-form').count()).toBe(token ? 0 : 1);
  return text;
}

/** A tokens-by-kind chart's table holds each of the API's series rows: its date, the four kinds and the cost. */
export async function expectKindsTable(chart: Locator, rows: Array<Record<string, number | string>>): Promise<void> {
  const table = await chart
    .locator('details.chart-table tbody tr')
    .evaluateAll((trs) => trs.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
  for (const row of rows) {
    expect(table.find((cells) => cells[0] === row.date)).toEqual([
      row.date,
      String(row.inputTokens),
      String(row.outputTokens),
      String(row.cacheCreationTokens),
      String(row.cacheReadTokens),
      formatCost(Number(row.totalCost)),
    ]);
  }
}
