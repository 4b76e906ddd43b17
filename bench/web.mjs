/**
 * The dashboard's load time on the benchmark dataset (BENCH_USERS users, default 10,000, × 365
 * days × 3 models), measured in Chromium against the service as shipped (ranking index on, measured
 * once the index is built). Per page, BENCH_RUNS (15) runs, interleaved so that the machine's load
 * drifts over all of them alike:
 *
 * - cold: a fresh browser context (empty HTTP cache), navigate to the page;
 * - warm: a fresh context that first loaded /start (the same hashed JS and CSS, no API request),
 *   then navigates to the page: the code is cached, index.html is revalidated, the data is fetched;
 * - baseline: the API requests that page makes (read off the cold load), sent from Node by fetch
 *   all at once as the page sends them, timed until the last body is read; and `GET /` alone.
 *
 * In the page, times are milliseconds since navigation start (performance.now()): first contentful
 * paint, the moment the page's selectors are all in the DOM (a MutationObserver installed before
 * any script runs) and the moment after that frame is painted (two requestAnimationFrame callbacks
 * later), plus the resource timing of the document, the script, the stylesheet and each API
 * request, and the bytes transferred per kind. Pages: the leaderboard (first row of
 * `table.leaderboard`), a profile (both charts' canvases) and the models page (the token-share
 * chart's canvas). The JS budget is read from dist/web/.vite/budget.json, written by the build.
 *
 *   npm run build && node bench/web.mjs     (PostgreSQL at BENCH_DATABASE_URL)
 *
 * The dataset goes to the database BENCH_DATABASE_NAME (default `ccs_bench_web`, so that another
 * benchmark's `ccs_bench` is left alone); BENCH_REUSE=1 reuses a kept one when it has BENCH_USERS
 * users and ends today, BENCH_KEEP=1 keeps it. Chromium: BENCH_CHROMIUM (default /usr/bin/chromium).
 *
 * Writes bench/results/<timestamp>-web.json and prints a markdown table.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { startService } from './lib/service.mjs';

process.env.BENCH_DATABASE_NAME ??= 'ccs_bench_web';
const { benchUrl, buildDataset, dropBenchDatabase } = await import('./build-dataset.mjs');

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const env = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const settings = {
  users: env('BENCH_USERS', 10_000),
  days: 365,
  models: 3,
  runs: env('BENCH_RUNS', 15),
  database: process.env.BENCH_DATABASE_NAME,
  chromium: process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium',
  viewport: { width: 1280, height: 800 },
};
const log = (message) => process.stderr.write(`[web] ${message}\n`);
const today = new Date().toISOString().slice(0, 10);
const profileUser = `user${String(Math.ceil(settings.users / 2)).padStart(5, '0')}`;

/** The pages measured: where to go, what must be on screen, and the API request that it waits for. */
const PAGES = [
  { name: 'leaderboard', path: '/leaderboard?period=30d&metric=cost', selectors: ['table.leaderboard tbody tr'], critical: '/api/v1/leaderboard?' },
  {
    name: 'profile',
    path: `/u/${profileUser}`,
    selectors: ['figure[data-chart=tokens-by-kind] canvas', 'figure[data-chart=tokens-by-model] canvas'],
    critical: '&models=true',
  },
  { name: 'models', path: '/models?days=90', selectors: ['figure[data-chart=token-share] canvas'], critical: '/api/v1/models/series?' },
];

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const r1 = (n) => Math.round(n * 10) / 10;
function stats(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return { n: sorted.length, median: r1(percentile(sorted, 50)), p90: r1(percentile(sorted, 90)), min: r1(sorted[0]), max: r1(sorted.at(-1)) };
}

/** The kept dataset, if BENCH_REUSE=1 and it is the one asked for. */
async function reusable() {
  if (process.env.BENCH_REUSE !== '1') return undefined;
  const client = new pg.Client({ connectionString: benchUrl(), options: '-c timezone=UTC' });
  try {
    await client.connect();
  } catch {
    return undefined;
  }
  try {
    const {
      rows: [row],
    } = await client.query(`SELECT (SELECT count(*) FROM users)::int AS users, (SELECT max(date)::text FROM usage_stats) AS "lastDay",
              pg_database_size(current_database())::float8 AS "databaseBytes"`);
    return row.users === settings.users && row.lastDay === today ? { reused: true, ...row } : undefined;
  } catch {
    return undefined;
  } finally {
    await client.end();
  }
}

/** Polls /metrics until the ranking index is built (as bench/mixed.mjs does). */
async function indexBuilt(base) {
  const started = performance.now();
  for (;;) {
    const text = await (await fetch(`${base}/metrics`)).text();
    const value = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    if (value('ccstats_ranking_index_ready') === 1) {
      return { waitedMs: Math.round(performance.now() - started), users: value('ccstats_ranking_index_users'), days: value('ccstats_ranking_index_days') };
    }
    if (performance.now() - started > 600_000) throw new Error('the ranking index was not built within 10 minutes');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Installed before any of the page's scripts: records when every selector matches (after the DOM
 * mutation that made it so) and, two animation frames later, when that frame has been painted.
 */
function watch(selectors) {
  const mark = {};
  window.__bench = mark;
  const check = () => {
    if (mark.appAt === undefined && document.querySelector('#app > *')) mark.appAt = performance.now();
    if (mark.domAt !== undefined || !selectors.every((s) => document.querySelector(s))) return;
    mark.domAt = performance.now();
    observer.disconnect();
    requestAnimationFrame(() => requestAnimationFrame(() => (mark.paintAt = performance.now())));
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { childList: true, subtree: true });
}

/** What the page measured about itself once painted. */
function collect() {
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  const resources = performance.getEntriesByType('resource').map((e) => ({
    url: e.name,
    initiatorType: e.initiatorType,
    startTime: e.startTime,
    responseStart: e.responseStart,
    responseEnd: e.responseEnd,
    transferSize: e.transferSize,
    encodedBodySize: e.encodedBodySize,
    decodedBodySize: e.decodedBodySize,
  }));
  return {
    ...window.__bench,
    fcp: fcp?.startTime,
    document: {
      responseStart: nav.responseStart,
      responseEnd: nav.responseEnd,
      domContentLoaded: nav.domContentLoadedEventEnd,
      transferSize: nav.transferSize,
      encodedBodySize: nav.encodedBodySize,
    },
    resources,
  };
}

const kindOf = (url) => {
  const path = new URL(url).pathname;
  if (path.startsWith('/api/')) return 'api';
  if (path.endsWith('.js')) return 'js';
  if (path.endsWith('.css')) return 'css';
  return 'other';
};

/**
 * One page load in `context`; answers the in-page measurements, summarised. With `settle`, also
 * waits until the network is idle, so that every request the page sends is finished and counted.
 */
async function load(context, base, page, settle = false) {
  const tab = await context.newPage();
  const requested = [];
  tab.on('request', (request) => kindOf(request.url()) === 'api' && requested.push(request.url()));
  try {
    await tab.goto(base + page.path, { waitUntil: 'commit', timeout: 60_000 });
    await tab.waitForFunction(() => window.__bench?.paintAt !== undefined, null, { timeout: 60_000, polling: 50 });
    if (settle) await tab.waitForLoadState('networkidle');
    const m = await tab.evaluate(collect);
    const bytes = { html: m.document.transferSize, js: 0, css: 0, api: 0, other: 0 };
    const apiBody = { encoded: 0, decoded: 0 };
    for (const r of m.resources) {
      bytes[kindOf(r.url)] += r.transferSize;
      if (kindOf(r.url) === 'api') {
        apiBody.encoded += r.encodedBodySize;
        apiBody.decoded += r.decodedBodySize;
      }
    }
    const api = m.resources.filter((r) => kindOf(r.url) === 'api');
    const critical = api.find((r) => r.url.includes(page.critical));
    const js = m.resources.find((r) => kindOf(r.url) === 'js');
    const t = (n) => Math.round(n * 10) / 10;
    return {
      fcp: m.fcp,
      appAt: m.appAt,
      domAt: m.domAt,
      paintAt: m.paintAt,
      documentEnd: m.document.responseEnd,
      domContentLoaded: m.document.domContentLoaded,
      jsEnd: js?.responseEnd,
      apiStart: critical?.startTime,
      apiEnd: critical?.responseEnd,
      apiCached: api.filter((r) => r.transferSize === 0).length,
      apiUrls: requested,
      bytes,
      apiBody,
      resources: m.resources.map((r) => ({
        path: r.url.slice(base.length),
        start: t(r.startTime),
        responseStart: t(r.responseStart),
        end: t(r.responseEnd),
        transferSize: r.transferSize,
      })),
    };
  } finally {
    await tab.close();
  }
}

async function cold(browser, base, page, settle = false) {
  const context = await browser.newContext({ viewport: settings.viewport });
  await context.addInitScript(watch, page.selectors);
  try {
    return await load(context, base, page, settle);
  } finally {
    await context.close();
  }
}

/** The code in the context's cache from an earlier visit to /start (which fetches no data). */
async function warm(browser, base, page) {
  const context = await browser.newContext({ viewport: settings.viewport });
  try {
    const start = await context.newPage();
    await start.goto(`${base}/start`, { waitUntil: 'networkidle' });
    await start.close();
    await context.addInitScript(watch, page.selectors);
    return await load(context, base, page);
  } finally {
    await context.close();
  }
}

/** Requests sent together from Node, timed until the last body is read. */
async function together(urls) {
  const t = performance.now();
  await Promise.all(
    urls.map(async (url) => {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${url}: ${res.status}`);
    }),
  );
  return performance.now() - t;
}

async function measurePage(browser, base, page) {
  // One untimed cold load, left to finish every request: it names the page's API requests, counts
  // the bytes of a whole load and warms the service's caches (a page's top models are computed
  // once per range and kept).
  const first = await cold(browser, base, page, true);
  const apiUrls = first.apiUrls;
  log(`${page.name}: first load ${Math.round(first.paintAt)} ms; API: ${apiUrls.map((u) => u.slice(base.length)).join(', ')}`);
  const criticalUrl = apiUrls.find((url) => url.includes(page.critical));
  await together(apiUrls);
  const runs = [];
  for (let i = 0; i < settings.runs; i++) {
    const data = await together([criticalUrl]);
    const api = apiUrls.length > 1 ? await together(apiUrls) : data;
    const html = await together([`${base}/`]);
    const c = await cold(browser, base, page);
    const w = await warm(browser, base, page);
    runs.push({ data, api, html, cold: c, warm: w });
  }
  const pick = (f) => stats(runs.map(f));
  const summary = {
    data: pick((x) => x.data),
    api: pick((x) => x.api),
    html: pick((x) => x.html),
    cold: {
      fcp: pick((x) => x.cold.fcp),
      documentEnd: pick((x) => x.cold.documentEnd),
      jsEnd: pick((x) => x.cold.jsEnd),
      appAt: pick((x) => x.cold.appAt),
      domContentLoaded: pick((x) => x.cold.domContentLoaded),
      apiStart: pick((x) => x.cold.apiStart),
      apiEnd: pick((x) => x.cold.apiEnd),
      apiInPage: pick((x) => x.cold.apiEnd - x.cold.apiStart),
      domAt: pick((x) => x.cold.domAt),
      paintAt: pick((x) => x.cold.paintAt),
      paintAfterApi: pick((x) => x.cold.paintAt - x.cold.apiEnd),
    },
    warm: {
      fcp: pick((x) => x.warm.fcp),
      apiStart: pick((x) => x.warm.apiStart),
      apiEnd: pick((x) => x.warm.apiEnd),
      paintAt: pick((x) => x.warm.paintAt),
      apiFromCache: runs.reduce((n, x) => n + x.warm.apiCached, 0),
    },
    bytesCold: first.bytes,
    apiBodyBytes: first.apiBody,
  };
  const r2 = (n) => Math.round(n * 100) / 100;
  // Painted / its data request alone from Node; and / all of the page's API requests together.
  summary.ratio = {
    coldMedian: r2(summary.cold.paintAt.median / summary.data.median),
    coldP90: r2(summary.cold.paintAt.p90 / summary.data.p90),
    warmMedian: r2(summary.warm.paintAt.median / summary.data.median),
    warmP90: r2(summary.warm.paintAt.p90 / summary.data.p90),
    coldAllMedian: r2(summary.cold.paintAt.median / summary.api.median),
    coldAllP90: r2(summary.cold.paintAt.p90 / summary.api.p90),
  };
  const stripped = runs.map((x) => ({ ...x, cold: { ...x.cold, apiUrls: undefined }, warm: { ...x.warm, apiUrls: undefined } }));
  return {
    name: page.name,
    path: page.path,
    selectors: page.selectors,
    apiPaths: apiUrls.map((u) => u.slice(base.length)),
    dataPath: criticalUrl.slice(base.length),
    firstLoad: { ...first, apiUrls: undefined },
    loadavg: os.loadavg(),
    summary,
    runs: stripped,
  };
}

async function main() {
  const budget = JSON.parse(readFileSync(join(ROOT, 'dist/web/.vite/budget.json'), 'utf8'));
  log(`dataset: ${settings.users} users × ${settings.days} days × ${settings.models} models in ${settings.database}`);
  let dataset = await reusable();
  if (dataset) log('BENCH_REUSE=1: reusing the kept dataset');
  else {
    await dropBenchDatabase();
    dataset = await buildDataset({ users: settings.users, days: settings.days, models: settings.models });
  }
  const service = await startService({ DATABASE_URL: benchUrl(), METRICS_PUBLIC: 'true', RANKING_INDEX: 'true' });
  const loadavg = { start: os.loadavg() };
  const pages = [];
  let browserVersion;
  try {
    const index = await indexBuilt(service.base);
    log(`index built ${index.waitedMs} ms after ready: ${index.users} users, ${index.days} days`);
    const browser = await chromium.launch({ executablePath: settings.chromium, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    browserVersion = browser.version();
    try {
      for (const page of PAGES) pages.push(await measurePage(browser, service.base, page));
    } finally {
      await browser.close();
    }
    dataset.index = index;
  } finally {
    await service.stop();
    if (process.env.BENCH_KEEP !== '1') await dropBenchDatabase();
  }
  loadavg.end = os.loadavg();

  const ms = (s) => `${s.median.toLocaleString('en')} / ${s.p90.toLocaleString('en')}`;
  const kb = (n) => (n / 1024).toFixed(1);
  const lines = [];
  for (const p of pages) {
    const s = p.summary;
    lines.push(
      `| ${p.name} | cold: first contentful paint | ${ms(s.cold.fcp)} |`,
      `| ${p.name} | cold: HTML / script loaded; app rendered / DOMContentLoaded (medians) | ${s.cold.documentEnd.median} / ${s.cold.jsEnd.median}; ${s.cold.appAt.median} / ${s.cold.domContentLoaded.median} |`,
      `| ${p.name} | cold: its data request sent / answered (medians; in-page duration) | ${s.cold.apiStart.median} / ${s.cold.apiEnd.median} (${s.cold.apiInPage.median}) |`,
      `| ${p.name} | cold: in the DOM (median) / **painted** | ${s.cold.domAt.median} / **${ms(s.cold.paintAt)}** |`,
      `| ${p.name} | cold: painted after its data request answered | ${ms(s.cold.paintAfterApi)} |`,
      `| ${p.name} | warm (code cached): painted | ${ms(s.warm.paintAt)} |`,
      `| ${p.name} | baseline: its data request alone from Node, \`GET ${p.dataPath}\` | ${ms(s.data)} |`,
      `| ${p.name} | **ratio painted / data request**: cold, warm | **${s.ratio.coldMedian} / ${s.ratio.coldP90}**, ${s.ratio.warmMedian} / ${s.ratio.warmP90} |`,
    );
    if (p.apiPaths.length > 1) {
      lines.push(
        `| ${p.name} | baseline: all ${p.apiPaths.length} of its API requests together from Node | ${ms(s.api)} |`,
        `| ${p.name} | ratio painted (cold) / all its requests | ${s.ratio.coldAllMedian} / ${s.ratio.coldAllP90} |`,
      );
    }
  }
  const html = pages[0].summary.html;
  const table = [
    '| page | measure (ms since navigation start) | median / p90 ms |',
    '|---|---|---|',
    ...lines,
    `| — | baseline: \`GET /\` (index.html) from Node | ${ms(html)} |`,
  ].join('\n');
  const bytes = [
    '| page (cold) | HTML | JS | CSS | API JSON | other | total (KB transferred) |',
    '|---|---|---|---|---|---|---|',
    ...pages.map(
      (p) =>
        `| ${p.name} | ${kb(p.summary.bytesCold.html)} | ${kb(p.summary.bytesCold.js)} | ${kb(p.summary.bytesCold.css)} | ${kb(p.summary.bytesCold.api)} | ${kb(p.summary.bytesCold.other)} | ${kb(Object.values(p.summary.bytesCold).reduce((x, y) => x + y, 0))} |`,
    ),
  ].join('\n');
  process.stdout.write(
    `\nweb: ${settings.users} users × ${settings.days} days × ${settings.models} models, ${settings.runs} runs per page, Chromium ${browserVersion}\n` +
      `JS budget: first load ${kb(budget.firstLoadJsGzipBytes)} KB gzip of ${kb(budget.budgetBytes)} KB\n\n${table}\n\n${bytes}\n`,
  );
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, 'bench/results', `${new Date().toISOString().replace(/[:.]/g, '-')}-web.json`);
  writeFileSync(
    file,
    JSON.stringify({ settings, loadavg, cpus: os.cpus().length, node: process.version, chromium: browserVersion, budget, dataset, pages }, null, 2),
  );
  log(`wrote ${file}`);
}

await main();
