/**
 * The "mixed" scenario of issue 10: BENCH_CONNECTIONS readers (16), each request drawn at random
 * from leaderboards (every period and metric, pages 1 to 5), a random user's usage by day, week and
 * month over a year, models, providers and the summary, while uploads arrive at BENCH_UPLOADS_PER_S
 * (5) from a few uploader users. After every upload's 200, the uploader reads its own day back and
 * today's token leaderboard: both must show the upload's numbers (freshness). Per kind: p50, p99
 * and requests per second; the freshness checks and how many failed.
 *
 *   npm run build && node bench/mixed.mjs     (PostgreSQL at BENCH_DATABASE_URL; BENCH_USERS, default 1,000)
 *
 * Each mode in BENCH_MODES (default `index,sql`) runs on the same dataset in the same run: `index`
 * is the service as shipped (leaderboards ranked by the in-memory index, measured once the index is
 * built), `sql` the same build with RANKING_INDEX=false, the baseline. The service's RSS is sampled
 * every 250 ms.
 *
 * Writes bench/results/<timestamp>-mixed.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PERIODS } from '../dist/read-model/periods.js';
import { METRICS } from '../dist/read-model/sums.js';
import { benchUrl, buildDataset, dropBenchDatabase } from './build-dataset.mjs';
import { startService } from './lib/service.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const env = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const settings = {
  users: env('BENCH_USERS', 1000),
  days: 365,
  models: 3,
  connections: env('BENCH_CONNECTIONS', 16),
  duration: env('BENCH_DURATION', 20),
  uploadsPerSecond: env('BENCH_UPLOADS_PER_S', 5),
  uploaders: 10,
  modes: (process.env.BENCH_MODES ?? 'index,sql').split(','),
};
const log = (message) => process.stderr.write(`[mixed] ${message}\n`);
const today = new Date().toISOString().slice(0, 10);
const daysBack = (n) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
const pick = (list) => list[Math.floor(Math.random() * list.length)];

/** BENCH_KINDS (e.g. `leaderboard` or `user`) narrows the mix to those kinds, to measure one alone. */
const KIND_SHARES = [
  ['leaderboard', 0.4],
  ['user', 0.3],
  ['models', 0.1],
  ['providers', 0.1],
  ['summary', 0.1],
].filter(([kind]) => !process.env.BENCH_KINDS || process.env.BENCH_KINDS.split(',').includes(kind));
const SHARE_TOTAL = KIND_SHARES.reduce((sum, [, share]) => sum + share, 0);

/** One request of the mix: its kind and path. */
function nextRequest() {
  const user = `user${String(1 + Math.floor(Math.random() * settings.users)).padStart(5, '0')}`;
  // A draw over the kinds kept, mapped back onto the full mix's thresholds below.
  let draw = Math.random() * SHARE_TOTAL;
  const [kind] = KIND_SHARES.find(([, share]) => (draw -= share) < 0) ?? KIND_SHARES.at(-1);
  const start = { leaderboard: 0, user: 0.4, models: 0.7, providers: 0.8, summary: 0.9 }[kind];
  const r = start + Math.random() * { leaderboard: 0.4, user: 0.3, models: 0.1, providers: 0.1, summary: 0.1 }[kind];
  if (r < 0.4) {
    const page = 1 + Math.floor(Math.random() * 5);
    return { kind: 'leaderboard', path: `/api/v1/leaderboard?period=${pick(PERIODS)}&metric=${pick(METRICS)}&limit=50&offset=${(page - 1) * 50}` };
  }
  if (r < 0.7) {
    const granularity = pick(['day', 'week', 'month']);
    return { kind: `user by ${granularity}`, path: `/api/v1/users/${user}/usage?from=${daysBack(364)}&to=${today}&granularity=${granularity}` };
  }
  if (r < 0.8) return { kind: 'models', path: `/api/v1/models?from=${daysBack(29)}&to=${today}` };
  if (r < 0.9) return { kind: 'providers', path: '/api/v1/providers' };
  return { kind: 'summary', path: '/api/v1/stats/summary' };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** A one-day report whose numbers identify the upload: `n` input tokens today, nothing else. */
const oneDay = (n) => ({
  daily: [
    {
      date: today,
      inputTokens: n,
      outputTokens: 0,
      cacheCreationTokens: 0,
      cacheReadTokens: 0,
      totalTokens: n,
      totalCost: 1,
      modelsUsed: ['claude-sonnet-4-5-20250929'],
      modelBreakdowns: [{ modelName: 'claude-sonnet-4-5-20250929', inputTokens: n, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, cost: 1 }],
    },
  ],
  totals: { inputTokens: n, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, totalTokens: n, totalCost: 1 },
});

/** Polls /metrics until the ranking index is built; answers how long that took and its size. */
async function indexBuilt(base) {
  const started = performance.now();
  for (;;) {
    const text = await (await fetch(`${base}/metrics`)).text();
    const value = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    if (value('ccstats_ranking_index_ready') === 1) {
      return {
        waitedMs: Math.round(performance.now() - started),
        users: value('ccstats_ranking_index_users'),
        days: value('ccstats_ranking_index_days'),
        bytes: value('ccstats_ranking_index_bytes'),
      };
    }
    if (performance.now() - started > 600_000) throw new Error('the ranking index was not built within 10 minutes');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One mode's run: the service started on the dataset, readers and uploads for BENCH_DURATION s. */
async function runMode(mode) {
  const service = await startService({ DATABASE_URL: benchUrl(), METRICS_PUBLIC: 'true', RANKING_INDEX: mode === 'index' ? 'true' : 'false' });
  const base = service.base;
  const index = mode === 'index' ? await indexBuilt(base) : undefined;
  if (index) log(`index built ${index.waitedMs} ms after ready: ${index.users} users, ${index.days} days, ${Math.round(index.bytes / 1048576)} MiB`);
  const rssSamples = [service.rss()];
  const sampler = setInterval(() => rssSamples.push(service.rss()), 250);
  const latencies = new Map();
  const freshness = { checks: 0, stale: 0, examples: [] };
  const uploads = { done: 0, failed: 0, latencies: [] };
  try {
    const uploaders = [];
    for (let i = 0; i < settings.uploaders; i++) {
      const res = await fetch(`${base}/api/v1/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: `mixed-up-${i}-${Date.now() % 100000}` }),
      });
      uploaders.push({ ...(await res.json()), busy: false });
    }
    const end = performance.now() + settings.duration * 1000;
    const readers = Array.from({ length: settings.connections }, async () => {
      while (performance.now() < end) {
        const { kind, path } = nextRequest();
        const t = performance.now();
        const res = await fetch(base + path);
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`${path}: ${res.status}`);
        if (!latencies.has(kind)) latencies.set(kind, []);
        latencies.get(kind).push(performance.now() - t);
      }
    });
    // Uploads at a steady rate; each uploader waits for its previous upload's checks.
    let counter = 1;
    const writer = (async () => {
      const pending = [];
      while (performance.now() < end) {
        const uploader = settings.uploadsPerSecond > 0 && uploaders.find((u) => !u.busy);
        if (uploader) {
          uploader.busy = true;
          const n = 1_000_000_000_000 + counter++;
          pending.push(
            (async () => {
              const t = performance.now();
              const res = await fetch(`${base}/api/v1/uploads?device=mixed`, {
                method: 'POST',
                headers: { 'content-type': 'application/json', authorization: `Bearer ${uploader.token}` },
                body: JSON.stringify(oneDay(n)),
              });
              await res.arrayBuffer();
              if (!res.ok) {
                uploads.failed += 1;
                uploader.busy = false;
                return;
              }
              uploads.done += 1;
              uploads.latencies.push(performance.now() - t);
              // Read after the response: the day and the leaderboard must both show n.
              const day = await (await fetch(`${base}/api/v1/users/${uploader.username}/usage?from=${today}&to=${today}`)).json();
              const board = await (await fetch(`${base}/api/v1/leaderboard?period=today&metric=tokens&limit=50`)).json();
              const mine = board.entries.find((e) => e.username === uploader.username);
              freshness.checks += 2;
              for (const [what, seen] of [
                ['usage', day.totals?.totalTokens],
                ['leaderboard', mine?.totalTokens],
              ]) {
                if (seen !== n) {
                  freshness.stale += 1;
                  if (freshness.examples.length < 5) freshness.examples.push({ what, expected: n, seen });
                }
              }
              uploader.busy = false;
            })(),
          );
        }
        await new Promise((r) => setTimeout(r, Math.min(1000 / settings.uploadsPerSecond, Math.max(0, end - performance.now()))));
      }
      await Promise.all(pending);
    })();
    await Promise.all([...readers, writer]);
  } finally {
    clearInterval(sampler);
    await service.stop();
  }
  const r = (n) => Math.round(n * 10) / 10;
  const rows = [...latencies].sort().map(([kind, list]) => {
    list.sort((a, b) => a - b);
    return { kind, requests: list.length, perSecond: r(list.length / settings.duration), p50: r(percentile(list, 50)), p99: r(percentile(list, 99)) };
  });
  uploads.latencies.sort((a, b) => a - b);
  const upload = {
    done: uploads.done,
    failed: uploads.failed,
    perSecond: r(uploads.done / settings.duration),
    p50: r(percentile(uploads.latencies, 50)),
    p99: r(percentile(uploads.latencies, 99)),
  };
  const mib = (b) => Math.round(b / 1048576);
  const rss = { start: mib(rssSamples[0]), peak: mib(Math.max(...rssSamples.filter(Number.isFinite))) };
  return { mode, index, rows, uploads: upload, freshness, rss };
}

async function main() {
  log(`dataset: ${settings.users} users × ${settings.days} days × ${settings.models} models`);
  await dropBenchDatabase();
  await buildDataset({ users: settings.users, days: settings.days, models: settings.models });
  const runs = [];
  try {
    for (const mode of settings.modes) {
      log(`mode ${mode}`);
      runs.push(await runMode(mode));
    }
  } finally {
    if (!process.env.BENCH_KEEP) await dropBenchDatabase();
  }
  const kinds = [...new Set(runs.flatMap((run) => run.rows.map((x) => x.kind)))].sort();
  const cell = (run, kind) => {
    const x = run.rows.find((row) => row.kind === kind);
    return x ? `${x.perSecond} | ${x.p50} / ${x.p99}` : '— | —';
  };
  const table = [
    `| kind | ${runs.map((run) => `${run.mode}: req/s | p50 / p99 ms`).join(' | ')} |`,
    `|---|${runs.map(() => '---|---').join('|')}|`,
    ...kinds.map((kind) => `| ${kind} | ${runs.map((run) => cell(run, kind)).join(' | ')} |`),
    `| uploads | ${runs.map((run) => `${run.uploads.perSecond} (${run.uploads.failed} failed) | ${run.uploads.p50} / ${run.uploads.p99}`).join(' | ')} |`,
    `| stale reads after an upload | ${runs.map((run) => `${run.freshness.stale} of ${run.freshness.checks} | `).join(' | ')} |`,
    `| RSS MiB start / peak | ${runs.map((run) => `${run.rss.start} / ${run.rss.peak} | `).join(' | ')} |`,
  ].join('\n');
  process.stdout.write(
    `\nmixed: ${settings.users} users × ${settings.days} days × ${settings.models} models, ${settings.connections} readers, ${settings.uploadsPerSecond} uploads/s, ${settings.duration} s per mode\n\n${table}\n`,
  );
  for (const run of runs) if (run.freshness.examples.length) process.stdout.write(`${run.mode}: stale ${JSON.stringify(run.freshness.examples)}\n`);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, 'bench/results', `${new Date().toISOString().replace(/[:.]/g, '-')}-mixed.json`);
  writeFileSync(file, JSON.stringify({ settings, loadavg: os.loadavg(), cpus: os.cpus().length, node: process.version, runs }, null, 2));
  log(`wrote ${file}`);
  if (runs.some((run) => run.freshness.stale > 0)) process.exitCode = 1;
}

await main();
