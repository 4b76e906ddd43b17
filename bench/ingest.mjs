/**
 * The "ingest" scenario of issue 10: uploads per second from BENCH_CLIENTS concurrent clients (16),
 * each a different user uploading its last 30 days × 4 models, every upload a real change (new
 * numbers each time), against the same writes done as plain SQL on the spec's tables (usage_stats
 * upserted, the day's model_usage replaced) through `pg` with the same concurrency: the baseline,
 * measured in the same run. On PostgreSQL (BENCH_DATABASE_URL, a fresh database per run) and on
 * the embedded database (a fresh DATA_DIR), as BENCH_BACKENDS says (default both).
 *
 *   npm run build && node bench/ingest.mjs
 *
 * BENCH_USERS preloads that many other users × 365 days × 3 models on PostgreSQL first (default 0;
 * bench/build-dataset.mjs), BENCH_DURATION is the seconds each measurement runs (default 15).
 * Prints a table and writes bench/results/<timestamp>-ingest.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ADMIN_URL, benchUrl, buildDataset, dropBenchDatabase } from './build-dataset.mjs';
import { startService } from './lib/service.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const env = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const settings = {
  clients: env('BENCH_CLIENTS', 16),
  duration: env('BENCH_DURATION', 15),
  days: 30,
  models: 4,
  preload: env('BENCH_USERS', 0),
  backends: (process.env.BENCH_BACKENDS ?? 'postgres,embedded').split(','),
};
const log = (message) => process.stderr.write(`[ingest] ${message}\n`);
const MODELS = ['claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805', 'claude-haiku-4-5-20251001', 'claude-3-5-haiku-20241022'];

const utcDay = (offset) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/** A ccusage `daily --json` report of the last 30 days, numbers drawn from `seed` so each upload differs. */
function report(seed) {
  let x = seed >>> 0 || 1;
  const next = (max) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return 1 + (x % max);
  };
  const daily = [];
  for (let d = settings.days - 1; d >= 0; d--) {
    const modelBreakdowns = MODELS.slice(0, settings.models).map((modelName) => {
      const m = { modelName, inputTokens: next(50_000), outputTokens: next(80_000), cacheCreationTokens: next(200_000), cacheReadTokens: next(3_000_000) };
      return { ...m, cost: next(90_000) / 10_000 };
    });
    const sum = (k) => modelBreakdowns.reduce((s, m) => s + m[k], 0);
    const tokens = {
      inputTokens: sum('inputTokens'),
      outputTokens: sum('outputTokens'),
      cacheCreationTokens: sum('cacheCreationTokens'),
      cacheReadTokens: sum('cacheReadTokens'),
    };
    const totalTokens = tokens.inputTokens + tokens.outputTokens + tokens.cacheCreationTokens + tokens.cacheReadTokens;
    const totalCost = Math.round(sum('cost') * 10_000) / 10_000;
    daily.push({ date: utcDay(-d), ...tokens, totalTokens, totalCost, modelsUsed: modelBreakdowns.map((m) => m.modelName), modelBreakdowns });
  }
  const total = (k) => daily.reduce((s, r) => s + r[k], 0);
  const totals = {
    inputTokens: total('inputTokens'),
    outputTokens: total('outputTokens'),
    cacheCreationTokens: total('cacheCreationTokens'),
    cacheReadTokens: total('cacheReadTokens'),
    totalTokens: total('totalTokens'),
    totalCost: Math.round(total('totalCost') * 10_000) / 10_000,
  };
  return { daily, totals };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** `clients` loops, each calling `once(client, i)` until the time is up; latency per call. */
async function drive(clients, seconds, once) {
  const latencies = [];
  let failures = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = 0; performance.now() < end; i++) {
        const t = performance.now();
        try {
          await once(client, i);
          latencies.push(performance.now() - t);
        } catch (error) {
          failures += 1;
          if (failures <= 3) log(`failure: ${error.message}`);
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const r = (n) => Math.round(n * 10) / 10;
  return {
    uploads: latencies.length,
    perSecond: r(latencies.length / elapsed),
    p50: r(percentile(latencies, 50)),
    p99: r(percentile(latencies, 99)),
    failures,
  };
}

/** The baseline: the same reports written as plain SQL on the spec's tables, one transaction each. */
async function plainSql(url) {
  const pool = new pg.Pool({ connectionString: url, max: settings.clients });
  pool.on('error', () => {});
  try {
    const ids = [];
    for (let c = 0; c < settings.clients; c++) {
      const { rows } = await pool.query(`INSERT INTO users (username) VALUES ($1) RETURNING id`, [`plain-sql-${c}-${Date.now()}`]);
      ids.push(rows[0].id);
    }
    return await drive(settings.clients, settings.duration, async (client, i) => {
      const { daily } = report(client * 1_000_003 + i + 7);
      const db = await pool.connect();
      try {
        await db.query('BEGIN');
        const days = daily.map((d) => ({
          date: d.date,
          total_tokens: d.totalTokens,
          input_tokens: d.inputTokens,
          output_tokens: d.outputTokens,
          cache_creation_input_tokens: d.cacheCreationTokens,
          cache_read_input_tokens: d.cacheReadTokens,
          total_cost: d.totalCost,
        }));
        const { rows } = await db.query(
          `INSERT INTO usage_stats (user_id, date, total_tokens, input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, total_cost)
           SELECT $1, date, total_tokens, input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, total_cost
             FROM jsonb_to_recordset($2::jsonb) AS x(date date, total_tokens bigint, input_tokens bigint, output_tokens bigint,
                  cache_creation_input_tokens bigint, cache_read_input_tokens bigint, total_cost numeric)
           ON CONFLICT (user_id, date) DO UPDATE SET total_tokens = EXCLUDED.total_tokens, input_tokens = EXCLUDED.input_tokens,
              output_tokens = EXCLUDED.output_tokens, cache_creation_input_tokens = EXCLUDED.cache_creation_input_tokens,
              cache_read_input_tokens = EXCLUDED.cache_read_input_tokens, total_cost = EXCLUDED.total_cost
           RETURNING id, date::text`,
          [ids[client], JSON.stringify(days)],
        );
        const idOf = new Map(rows.map((r) => [r.date, r.id]));
        await db.query(`DELETE FROM model_usage WHERE usage_stats_id = ANY($1::int[])`, [rows.map((r) => r.id)]);
        const models = daily.flatMap((d) =>
          d.modelBreakdowns.map((m) => ({
            usage_stats_id: idOf.get(d.date),
            model: m.modelName,
            provider: 'anthropic',
            input_tokens: m.inputTokens,
            output_tokens: m.outputTokens,
            cache_creation_input_tokens: m.cacheCreationTokens,
            cache_read_input_tokens: m.cacheReadTokens,
            cost: m.cost,
          })),
        );
        await db.query(
          `INSERT INTO model_usage (usage_stats_id, model, provider, input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost)
           SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(usage_stats_id int, model text, provider text, input_tokens bigint, output_tokens bigint,
                  cache_creation_input_tokens bigint, cache_read_input_tokens bigint, cost numeric)`,
          [JSON.stringify(models)],
        );
        await db.query('COMMIT');
      } catch (error) {
        await db.query('ROLLBACK');
        throw error;
      } finally {
        db.release();
      }
    });
  } finally {
    await pool.end();
  }
}

async function viaService(service) {
  const tokens = [];
  for (let c = 0; c < settings.clients; c++) {
    const res = await fetch(`${service.base}/api/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: `ingest-${c}-${Date.now() % 1_000_000}` }),
    });
    if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
    tokens.push((await res.json()).token);
  }
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, service.rss())), 250);
  try {
    const result = await drive(settings.clients, settings.duration, async (client, i) => {
      const res = await fetch(`${service.base}/api/v1/uploads?device=bench`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[client]}` },
        body: JSON.stringify(report(client * 1_000_003 + i + 7)),
      });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`upload: ${res.status} ${body.slice(0, 200)}`);
    });
    return { ...result, peakRssMiB: Math.round(peakRss / 2 ** 20) };
  } finally {
    clearInterval(sampler);
  }
}

async function main() {
  const rows = [];
  if (settings.backends.includes('postgres')) {
    log(`PostgreSQL: fresh database${settings.preload ? `, ${settings.preload} users × 365 days × 3 models preloaded` : ''}`);
    await dropBenchDatabase();
    await buildDataset({ users: settings.preload || 1, days: settings.preload ? 365 : 1, models: 3 });
    const baseline = await plainSql(benchUrl());
    log(`plain SQL: ${baseline.perSecond}/s, p99 ${baseline.p99} ms`);
    const service = await startService({ DATABASE_URL: benchUrl() });
    try {
      const result = await viaService(service);
      log(`service: ${result.perSecond}/s, p99 ${result.p99} ms`);
      rows.push({ backend: 'postgres', service: result, baseline });
    } finally {
      await service.stop();
      if (!process.env.BENCH_KEEP) await dropBenchDatabase();
    }
  }
  if (settings.backends.includes('embedded')) {
    const dataDir = mkdtempSync(join(os.tmpdir(), 'ingest-'));
    log(`embedded: fresh DATA_DIR ${dataDir}`);
    const service = await startService({ DATA_DIR: dataDir, DATABASE_URL: '' });
    try {
      const result = await viaService(service);
      log(`embedded service: ${result.perSecond}/s, p99 ${result.p99} ms`);
      rows.push({ backend: 'embedded', service: result, baseline: null });
    } finally {
      await service.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const fmt = (r) => (r ? `${r.perSecond} | ${r.p50} / ${r.p99}` : '— | —');
  const table = [
    '| backend | service uploads/s | p50 / p99 ms | plain SQL uploads/s | p50 / p99 ms | service / plain SQL | service peak RSS MiB | failures |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.backend} | ${fmt(r.service)} | ${fmt(r.baseline)} | ${r.baseline ? Math.round((r.service.perSecond / r.baseline.perSecond) * 100) / 100 : '—'} | ${r.service.peakRssMiB} | ${r.service.failures} |`,
    ),
  ].join('\n');
  process.stdout.write(
    `\ningest: ${settings.clients} clients, ${settings.days} days × ${settings.models} models per upload, ${settings.duration} s each, preload ${settings.preload} users\n\n${table}\n`,
  );
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, 'bench/results', `${new Date().toISOString().replace(/[:.]/g, '-')}-ingest.json`);
  writeFileSync(file, JSON.stringify({ settings, adminUrl: ADMIN_URL, loadavg: os.loadavg(), cpus: os.cpus().length, node: process.version, rows }, null, 2));
  log(`wrote ${file}`);
}

await main();
