/**
 * The benchmark: builds the dataset, starts the built service (dist/main.js) on it, fires 16
 * concurrent clients (autocannon) at each endpoint, and times the same repository calls the service
 * makes for that endpoint straight over a `pg` Pool as the baseline. Prints a table and writes
 * bench/results/<timestamp>-<mode>.json. docs/benchmarks.md explains the numbers.
 *
 *   node bench/run.mjs small|full     (npm run bench / npm run bench:full build dist/ first)
 *
 * Environment: BENCH_DATABASE_URL (admin URL, default postgres://postgres@127.0.0.1:5432/postgres),
 * BENCH_USERS / BENCH_DAYS / BENCH_MODELS / BENCH_DURATION (seconds per measurement) / BENCH_CONNECTIONS
 * override the mode's defaults, BENCH_KEEP=1 keeps the database, BENCH_REUSE=1 benchmarks the kept one.
 */
import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from '../dist/db/schema.js';
import { utcDay } from '../dist/common/dates.js';
import { ModelsRepository } from '../dist/models/models.repository.js';
import { StatsRepository } from '../dist/usage/stats.repository.js';
import { UsageRepository } from '../dist/usage/usage.repository.js';
import { UserDirectory } from '../dist/directory/user-directory.js';
import { benchUrl, buildDataset, dropBenchDatabase, verifyDataset } from './build-dataset.mjs';
import { endpoints, sampleUsers } from './endpoints.mjs';
import { startService } from './lib/service.mjs';
import { machine } from './lib/machine.mjs';

const MODES = {
  small: { users: 1000, days: 365, models: 3, duration: 4, warmup: 1 },
  full: { users: 10_000, days: 365, models: 3, duration: 10, warmup: 2 },
};
const mode = process.argv[2] ?? 'small';
if (!MODES[mode]) throw new Error(`mode: ${Object.keys(MODES).join(' or ')}`);
const env = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const settings = {
  users: env('BENCH_USERS', MODES[mode].users),
  days: env('BENCH_DAYS', MODES[mode].days),
  models: env('BENCH_MODELS', MODES[mode].models),
  duration: env('BENCH_DURATION', MODES[mode].duration),
  warmup: MODES[mode].warmup,
  connections: env('BENCH_CONNECTIONS', 16),
};
const TARGET_P99_MS = 50;
const TARGET_RATIO = 3;
const log = (message) => process.stderr.write(`[bench] ${message}\n`);

function autocannonRun(port, paths, seconds) {
  let next = 0;
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: settings.connections,
    duration: seconds,
    // Rotates through the paths; no If-None-Match is sent, so ETag'd endpoints do the full work.
    requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length] }) }],
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** `connections` callers in a loop for `seconds`, each call timed with performance.now(). */
async function timeCalls(fn, seconds) {
  const latencies = [];
  const end = performance.now() + seconds * 1000;
  let i = 0;
  await Promise.all(
    Array.from({ length: settings.connections }, async () => {
      while (performance.now() < end) {
        const started = performance.now();
        await fn(i++);
        latencies.push(performance.now() - started);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), rps: latencies.length / seconds, calls: latencies.length };
}

const round = (n, places = 2) => Math.round(n * 10 ** places) / 10 ** places;

function table(results) {
  const header = ['endpoint', 'p50 ms', 'p99 ms', 'req/s', 'base p50', 'base p99', 'ratio', 'p99<=50', 'ratio<=3', 'load'];
  const rows = results.map((r) => [
    r.endpoint,
    r.http.p50,
    r.http.p99,
    r.http.rps,
    r.baseline.p50,
    r.baseline.p99,
    r.ratio,
    r.meetsP99 ? 'yes' : 'NO',
    r.meetsRatio ? 'yes' : 'NO',
    r.loadAverage,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

async function main() {
  const started = performance.now();
  const loadAtStart = os.loadavg();
  let dataset;
  if (process.env.BENCH_REUSE === '1') {
    log('BENCH_REUSE=1: benchmarking the existing bench database as it is');
    dataset = { reused: true };
  } else {
    log(`building ${settings.users} users x ${settings.days} days x ${settings.models} models`);
    dataset = await buildDataset(settings);
    if (mode === 'small') {
      await verifyDataset();
      dataset.verified = true;
    }
  }

  const pool = new pg.Pool({ connectionString: benchUrl(), max: 20, options: '-c timezone=UTC', application_name: 'ccs-bench-baseline' });
  const db = drizzle({ client: pool, schema });
  const repos = { stats: new StatsRepository(db), models: new ModelsRepository(db), usage: new UsageRepository(db), usersRepo: new UserDirectory(db) };
  const {
    rows: [{ n: userCount }],
  } = await pool.query('SELECT count(*)::int AS n FROM users');
  const today = utcDay(new Date());
  const list = endpoints(repos, today, sampleUsers(userCount));
  const machineInfo = await machine(pool);

  const service = await startService({ DATABASE_URL: benchUrl() });
  const port = Number(new URL(service.base).port);
  const info = await (await fetch(`${service.base}/api/v1/info`)).json();
  log(`service up on port ${port} (${info.database?.backend ?? 'postgres'})`);
  const results = [];
  try {
    for (const endpoint of list) {
      await autocannonRun(port, endpoint.paths, settings.warmup);
      const run = await autocannonRun(port, endpoint.paths, settings.duration);
      if (run.non2xx || run.errors || run.timeouts) {
        throw new Error(`${endpoint.name}: ${run.non2xx} non-2xx, ${run.errors} errors, ${run.timeouts} timeouts`);
      }
      await timeCalls(endpoint.baseline, settings.warmup);
      const base = await timeCalls(endpoint.baseline, settings.duration);
      const http = { p50: run.latency.p50, p99: run.latency.p99, rps: round(run.requests.average, 1), requests: run.requests.total };
      const baseline = { p50: round(base.p50), p99: round(base.p99), rps: round(base.rps, 1), calls: base.calls };
      const ratio = round(http.p99 / baseline.p99);
      const result = {
        endpoint: endpoint.name,
        // Other work on the machine competes for its cores; the 1-minute load average shows how much.
        loadAverage: round(os.loadavg()[0]),
        path: endpoint.paths[0],
        http,
        baseline,
        ratio,
        meetsP99: http.p99 <= TARGET_P99_MS,
        meetsRatio: ratio <= TARGET_RATIO,
      };
      results.push(result);
      log(`${endpoint.name}: p50 ${http.p50} ms, p99 ${http.p99} ms, ${http.rps} req/s; baseline p99 ${baseline.p99} ms; ratio ${ratio}`);
    }
  } finally {
    await service.stop();
    await pool.end();
  }

  const report = {
    mode,
    startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
    settings: { ...settings, targets: { p99Ms: TARGET_P99_MS, ratio: TARGET_RATIO } },
    machine: { ...machineInfo, loadAverageAtStart: loadAtStart.map((n) => round(n)) },
    dataset,
    results,
    totalSeconds: round((performance.now() - started) / 1000, 1),
  };
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const variant = settings.connections === 16 ? '' : `-c${settings.connections}`;
  const file = `${dir}${report.startedAt.replace(/[:.]/g, '-')}-${mode}${variant}.json`;
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);

  console.log(
    `\n${mode}: ${dataset.users ?? '?'} users x ${dataset.days ?? '?'} days x ${dataset.models ?? '?'} models, build ${dataset.buildSeconds ?? '-'} s, ` +
      `${settings.connections} connections, ${settings.duration} s per measurement`,
  );
  console.log(
    `${machineInfo.cpuCount} x ${machineInfo.cpuModel}, ${machineInfo.totalMemoryGiB} GiB, node ${machineInfo.node}, PostgreSQL ${machineInfo.postgres}\n`,
  );
  console.log(table(results));
  console.log(`\nwritten ${file} (${report.totalSeconds} s in all)`);

  if (process.env.BENCH_KEEP !== '1') await dropBenchDatabase();
  else log('BENCH_KEEP=1: the bench database is kept');
}

try {
  await main();
} catch (error) {
  if (process.env.BENCH_KEEP !== '1') await dropBenchDatabase().catch(() => undefined);
  throw error;
}
