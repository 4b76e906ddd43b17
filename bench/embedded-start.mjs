/**
 * How long the built service takes from `node dist/main.js` to a 200 from /health/ready, and how
 * much memory it holds then and after a few seconds idle, in three cases measured side by side:
 *
 *   embedded-first   a fresh DATA_DIR (the cluster is created: from the build's template, or initdb)
 *   embedded-again   the same DATA_DIR started a second time (the cluster exists)
 *   external         DATABASE_URL on a fresh PostgreSQL database (the baseline)
 *
 * Runs are interleaved (one of each per round) so that load from elsewhere spreads over all of them;
 * besides wall time, the CPU time the process used until ready (user + system, all threads), which
 * load from other processes disturbs much less. BENCH_BEFORE_ROOT names a second build (e.g. the
 * commit before a change, compiled elsewhere) whose embedded cases run in the same rounds, as
 * before:embedded-first and before:embedded-again. Prints a table and writes
 * bench/results/<timestamp>-embedded-start.json. docs/embedded-start.md explains the numbers.
 *
 *   npx nest build && node bench/embedded-start.mjs
 *
 * Environment: BENCH_DATABASE_URL (admin URL, default postgres://postgres@127.0.0.1:5432/postgres),
 * BENCH_ROUNDS (default 3), BENCH_IDLE_MS (default 5000), BENCH_ROOT (the directory holding dist/,
 * default this repository), BENCH_LABEL (a note stored with the results), BENCH_CASES (a comma list
 * of the cases above, default all three).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from './lib/free-port.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const ROOT = process.env.BENCH_ROOT ?? REPO;
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 5000);
const BEFORE_ROOT = process.env.BENCH_BEFORE_ROOT;
const BASE_CASES = (process.env.BENCH_CASES ?? 'external,embedded-first,embedded-again').split(',');
const CASES = [...BASE_CASES, ...(BEFORE_ROOT ? BASE_CASES.filter((c) => c !== 'external').map((c) => `before:${c}`) : [])];
const READY_TIMEOUT_MS = 120_000;
const log = (message) => process.stderr.write(`[embedded-start] ${message}\n`);

/** CPU time a live process has used, all threads, user + system, in ms (clock ticks are 1/100 s on Linux). */
function cpuMsOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** VmRSS and VmHWM (the peak) of a live process, in MB. */
function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024) };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts dist/main.js with `env`, times it to ready, samples its memory, stops it. */
async function measureStart(env, root = ROOT) {
  const port = await freePort();
  let output = '';
  const started = performance.now();
  const child = spawn(process.execPath, [join(root, 'dist/main.js')], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  let exit;
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve((exit = { code, signal }))));
  try {
    let readyMs;
    while (readyMs === undefined) {
      if (exit) throw new Error(`the service exited during start-up (${JSON.stringify(exit)}):\n${output}`);
      if (performance.now() - started > READY_TIMEOUT_MS) throw new Error(`not ready after ${READY_TIMEOUT_MS} ms:\n${output}`);
      try {
        const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
        if (response.status === 200) readyMs = Math.round(performance.now() - started);
        await response.arrayBuffer();
      } catch {
        // not listening yet
      }
      if (readyMs === undefined) await sleep(20);
    }
    const cpuMs = cpuMsOf(child.pid);
    const atReady = memoryOf(child.pid);
    await sleep(IDLE_MS);
    const idle = memoryOf(child.pid);
    return {
      readyMs,
      cpuMs,
      rssAtReadyMb: atReady.rssMb,
      rssIdleMb: idle.rssMb,
      peakRssMb: idle.peakMb,
      fromTemplate: /from the build's template/.test(output),
    };
  } finally {
    if (!exit) {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
      if (!exit) child.kill('SIGKILL');
      await exited;
    }
  }
}

async function withAdmin(fn) {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

async function externalStart() {
  const name = `ccs_start_${randomBytes(4).toString('hex')}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${name}`));
  try {
    const url = new URL(ADMIN_URL);
    url.pathname = `/${name}`;
    return await measureStart({ DATABASE_URL: url.toString() });
  } finally {
    await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : Math.round((sorted[mid - 1] + sorted[mid]) / 2);
};

async function main() {
  if (!existsSync(join(ROOT, 'dist/main.js'))) throw new Error(`${ROOT}/dist/main.js is missing: run npx nest build first`);
  const template = ['dist/embedded-template.tar', 'dist/embedded-template.tar.gz'].find((f) => existsSync(join(ROOT, f))) ?? null;
  log(`root ${ROOT}, template ${template ?? 'none'}, ${ROUNDS} rounds, cases ${CASES.join(', ')}`);
  const loadBefore = os.loadavg();
  const runs = Object.fromEntries(CASES.map((c) => [c, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    const dataDirs = { '': mkdtempSync(join(os.tmpdir(), 'ccs-embedded-start-')), 'before:': mkdtempSync(join(os.tmpdir(), 'ccs-embedded-start-')) };
    try {
      for (const kind of CASES) {
        const prefix = kind.startsWith('before:') ? 'before:' : '';
        const root = prefix ? BEFORE_ROOT : ROOT;
        const dataDir = dataDirs[prefix];
        if (kind === `${prefix}embedded-again` && !CASES.includes(`${prefix}embedded-first`)) await measureStart({ DATA_DIR: dataDir }, root);
        const run = kind === 'external' ? await externalStart() : await measureStart({ DATA_DIR: dataDir }, root);
        runs[kind].push(run);
        log(
          `round ${round} ${kind}: ready ${run.readyMs} ms (CPU ${run.cpuMs} ms), RSS ${run.rssAtReadyMb} MB at ready, ${run.rssIdleMb} MB idle, peak ${run.peakRssMb} MB`,
        );
      }
    } finally {
      for (const dir of Object.values(dataDirs)) rmSync(dir, { recursive: true, force: true });
    }
  }
  const summary = Object.fromEntries(
    Object.entries(runs).map(([kind, list]) => [
      kind,
      {
        readyMs: { min: Math.min(...list.map((r) => r.readyMs)), median: median(list.map((r) => r.readyMs)), max: Math.max(...list.map((r) => r.readyMs)) },
        cpuMs: median(list.map((r) => r.cpuMs)),
        rssAtReadyMb: median(list.map((r) => r.rssAtReadyMb)),
        rssIdleMb: median(list.map((r) => r.rssIdleMb)),
        peakRssMb: median(list.map((r) => r.peakRssMb)),
      },
    ]),
  );
  const external = summary.external?.readyMs.median;
  const rows = Object.entries(summary).map(([kind, s]) => ({
    case: kind,
    'ready ms (min / median / max)': `${s.readyMs.min} / ${s.readyMs.median} / ${s.readyMs.max}`,
    'vs external': external ? `${(s.readyMs.median / external).toFixed(2)}×` : '',
    'CPU ms (median)': s.cpuMs,
    'RSS at ready MB': s.rssAtReadyMb,
    'RSS idle MB': s.rssIdleMb,
    'peak RSS MB': s.peakRssMb,
  }));
  console.table(rows);
  const result = {
    label: process.env.BENCH_LABEL ?? null,
    when: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memoryMb: Math.round(os.totalmem() / 2 ** 20), node: process.version },
    load: { before: loadBefore, after: os.loadavg() },
    template,
    beforeRoot: BEFORE_ROOT ?? null,
    rounds: ROUNDS,
    idleMs: IDLE_MS,
    summary,
    runs,
  };
  const dir = join(REPO, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${result.when.replace(/[:.]/g, '-')}-embedded-start.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${file}`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
