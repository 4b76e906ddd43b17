/**
 * The "limits" scenario of issue 10: how close the service comes to what Node and Fastify allow.
 * `/health/live` on the built service (dist/main.js) against a bare Fastify 5 server answering the
 * same route with the same body, both under the same load (autocannon, BENCH_CONNECTIONS clients,
 * BENCH_DURATION seconds each, after a warm-up), one after the other in this run.
 *
 *   npm run build && node bench/limits.mjs      (BENCH_DATABASE_URL to use PostgreSQL; default embedded)
 *
 * Prints a table and writes bench/results/<timestamp>-limits.json.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { freePort } from './lib/free-port.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const env = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const settings = { connections: env('BENCH_CONNECTIONS', 16), duration: env('BENCH_DURATION', 10), warmup: 2, rounds: env('BENCH_ROUNDS', 2) };
const log = (message) => process.stderr.write(`[limits] ${message}\n`);

/** Spawns a server and waits until `readyPath` answers 200. */
async function spawnServer(args, extraEnv, port, readyPath) {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...extraEnv, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const early = await Promise.race([exited, new Promise((r) => setTimeout(() => r(undefined), 100))]);
    if (early) throw new Error(`${args.join(' ')} exited during start-up: ${JSON.stringify(early)}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}${readyPath}`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${args.join(' ')} did not answer ${readyPath} within 60 s`);
    }
  }
  return {
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const load = (port, path, seconds) =>
  autocannon({ url: `http://127.0.0.1:${port}${path}`, connections: settings.connections, duration: seconds, pipelining: 1 });

async function measure(port, path) {
  await load(port, path, settings.warmup);
  const r = await load(port, path, settings.duration);
  return { rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
}

async function main() {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'limits-'));
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  const serviceEnv = { HOST: '127.0.0.1', LOG_LEVEL: 'info', NODE_ENV: 'production', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATA_DIR: dataDir }) };
  const rows = [];
  try {
    for (let round = 1; round <= settings.rounds; round++) {
      const barePort = await freePort();
      const bare = await spawnServer(['bench/lib/bare-fastify.mjs'], {}, barePort, '/health/live');
      const bareResult = await measure(barePort, '/health/live');
      await bare.stop();
      const servicePort = await freePort();
      const service = await spawnServer(['dist/main.js'], serviceEnv, servicePort, '/health/ready');
      const serviceResult = await measure(servicePort, '/health/live');
      await service.stop();
      rows.push({ round, bare: bareResult, service: serviceResult, ratio: Math.round((serviceResult.rps / bareResult.rps) * 100) / 100 });
      log(`round ${round}: service ${serviceResult.rps} req/s, bare Fastify ${bareResult.rps} req/s, ratio ${rows.at(-1).ratio}`);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  const table = [
    '| round | service req/s | p50 / p99 ms | bare Fastify req/s | p50 / p99 ms | service / bare |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.round} | ${r.service.rps} | ${r.service.p50} / ${r.service.p99} | ${r.bare.rps} | ${r.bare.p50} / ${r.bare.p99} | ${r.ratio} |`),
  ].join('\n');
  process.stdout.write(
    `\n/health/live, ${settings.connections} clients, ${settings.duration} s each, backend ${databaseUrl ? 'PostgreSQL' : 'embedded'}\n\n${table}\n`,
  );
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, 'bench/results', `${new Date().toISOString().replace(/[:.]/g, '-')}-limits.json`);
  writeFileSync(
    file,
    JSON.stringify(
      { settings, backend: databaseUrl ? 'postgres' : 'embedded', loadavg: os.loadavg(), cpus: os.cpus().length, node: process.version, rows },
      null,
      2,
    ),
  );
  log(`wrote ${file}`);
}

await main();
