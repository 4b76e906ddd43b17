/**
 * How long the largest accepted upload blocks the service's event loop, on both backends
 * (docs/benchmarks.md, "Large uploads and the event loop").
 *
 *   node bench/upload-event-loop.mjs [--before <git ref>] [--backends embedded,postgres] [--dist <dir>]
 *                                    (npm run bench:upload-loop builds dist/ first)
 *
 * For each build (dist/ or --dist, and with --before the same measurements on <ref>, extracted with
 * `git archive` into a temporary directory and built there) and each backend, a child process runs
 * the real app (createApp from that build) on a fresh database: the embedded one in a temporary
 * DATA_DIR on disk, as in production, or a new database on the PostgreSQL at BENCH_DATABASE_URL.
 * A worker thread polls /health/live every 50 ms and sends the uploads; the app's thread records
 * its event-loop delay (perf_hooks.monitorEventLoopDelay) over each window:
 *
 *   idle            nothing but the polling: the baseline of the same run
 *   upload new      POST /api/v1/uploads of the largest report: every day inserted (parsing included)
 *   upload changed  the same days with every value changed: every day replaced
 *   store new       UsageLedger.recordUpload of an already parsed report, for a second user
 *   store changed   the same for the changed report: the store alone, without parsing
 *   delete user     DELETE /api/v1/users/<the second user>: the same rows taken out again
 *
 * The report is the densest valid one the body limit lets through (test/helpers/large-report.mjs):
 * 100 models a day and as many days as fit in BODY_LIMIT_BYTES (the built service's default, or
 * BENCH_UPLOAD_BYTES). Afterwards every summary table is compared with its rebuild.
 * Prints a table; writes bench/results/<start>-upload-loop.json.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdefghijklmnop';
const POLL_MS = 50;
const IDLE_MS = 3000;
const log = (message) => process.stderr.write(`[upload-loop] ${message}\n`);
const clock = () => performance.timeOrigin + performance.now();
const round = (n, places = 1) => Math.round(n * 10 ** places) / 10 ** places;

function arg(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

// ---------------------------------------------------------------------------------------------
// Child: one build on one backend.

async function measureBuild(distDir, backend, maxBytes) {
  const dist = pathToFileURL(`${distDir}/`);
  const { createApp } = await import(new URL('app.js', dist));
  const { parseConfig } = await import(new URL('config/config.schema.js', dist));
  const { UsageLedger } = await import(new URL('ledger/usage-ledger.js', dist));
  const { parseReport } = await import(new URL('ingestion/ccusage/report-parser.js', dist));
  const { DatabaseConnection } = await import(new URL('db/database-connection.js', dist));
  const { REBUILDS } = await import('../test/helpers/summary-rebuilds.mjs');
  const { largestReport } = await import('../test/helpers/large-report.mjs');
  const pg = (await import('pg')).default;

  // Only the texts are kept: the service holds one body at a time, and a larger heap than it would
  // have makes garbage collection pauses longer than they would be.
  const textOf = ({ text, bytes, days, models }) => ({ text, bytes, days, models });
  const first = textOf(largestReport({ maxBytes, variant: 0 }));
  const changed = textOf(largestReport({ maxBytes, variant: 1 }));
  if (changed.days !== first.days) throw new Error('the two variants should have the same days');
  const report = { bytes: first.bytes, days: first.days, models: first.models, dayModels: first.days * first.models };
  log(`${backend}: report of ${report.days} days x ${report.models} models, ${report.bytes} bytes`);

  let dataDir;
  let dbName;
  const env = { NODE_ENV: 'production', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: '0', ADMIN_TOKEN, BACKUP_ENABLED: 'false' };
  if (backend === 'embedded') {
    dataDir = mkdtempSync(join(os.tmpdir(), 'ccs-upload-loop-'));
    env.DATA_DIR = dataDir;
  } else {
    dbName = `ccs_bench_upload_${process.pid}`;
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName}`);
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const url = new URL(ADMIN_URL);
    url.pathname = `/${dbName}`;
    env.DATABASE_URL = url.toString();
  }

  const app = await createApp(parseConfig(env), { logStream: process.stderr });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const db = app.get(DatabaseConnection).db;
  const query = async (text) => (await db.execute(text)).rows;
  const ledger = app.get(UsageLedger);

  const users = [];
  for (const name of ['bench-http', 'bench-store']) {
    const res = await fetch(`${baseUrl}/api/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ username: name }),
    });
    if (res.status !== 201) throw new Error(`register ${name}: ${res.status} ${await res.text()}`);
    const [row] = await query(`SELECT id FROM users WHERE username = '${name}'`);
    users.push({ name, id: Number(row.id) });
  }

  const worker = new Worker(new URL('./upload-loop-client.mjs', import.meta.url), { workerData: { baseUrl } });
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  // The same blocks seen from inside: a 5 ms timer notes every turn of the loop that came late,
  // with the CPU the process used meanwhile. On a busy machine a block's wall time includes time
  // the process waited for a core; its CPU time is what the service itself spent.
  const blocks = [];
  let tick = { at: clock(), cpu: process.cpuUsage() };
  setInterval(() => {
    const now = { at: clock(), cpu: process.cpuUsage() };
    if (now.at - tick.at > 50) {
      const used = process.cpuUsage(tick.cpu);
      blocks.push({ start: tick.at, end: now.at, cpuMs: (used.user + used.system) / 1000 });
    }
    tick = now;
  }, 5).unref();
  const fromWorker = (type) =>
    new Promise((resolve) => {
      const listener = (message) => {
        if (message.type !== type) return;
        worker.off('message', listener);
        resolve(message);
      };
      worker.on('message', listener);
    });

  /** One window: the event-loop histogram and the /health/live answers between start and end. */
  async function measure(name, work) {
    // Let the previous window's garbage and timers settle, so they are not charged to this one.
    await new Promise((r) => setTimeout(r, 500));
    histogram.reset();
    // The histogram skips its first interval after a reset: a block that began at once would go unseen.
    await new Promise((r) => setTimeout(r, 50));
    const start = clock();
    const cpu = process.cpuUsage();
    let response;
    if (work.request) {
      const done = fromWorker('answered');
      worker.postMessage({ type: 'start', pollMs: POLL_MS, request: work.request });
      response = (await done).response;
    } else {
      worker.postMessage({ type: 'start', pollMs: POLL_MS });
      if (work.store) await work.store();
      else await new Promise((r) => setTimeout(r, work.idleMs));
    }
    const end = clock();
    const cpuUsed = process.cpuUsage(cpu);
    // A block that lasted to the end of the work is recorded when the histogram's timer next runs.
    await new Promise((r) => setTimeout(r, 25));
    const stopped = fromWorker('stopped');
    worker.postMessage({ type: 'stop' });
    const { answers, failures } = await stopped;
    const inside = answers.filter((t) => t >= start && t <= end);
    const marks = [start, ...inside, end];
    const gaps = marks.slice(1).map((t, i) => t - marks[i]);
    const result = {
      name,
      durationMs: round(end - start),
      // Every thread of the process (the app, the polling worker); less sensitive than wall time to
      // other work on the machine.
      cpuMs: round((cpuUsed.user + cpuUsed.system) / 1000),
      loopMaxMs: round(histogram.max / 1e6),
      loopP99Ms: round(histogram.percentile(99) / 1e6),
      liveAnswers: inside.length,
      liveFailures: failures,
      liveMaxGapMs: round(Math.max(...gaps)),
      blockCpuMaxMs: round(Math.max(0, ...blocks.filter((b) => b.end > start && b.start < end + 25).map((b) => b.cpuMs))),
    };
    if (response) {
      result.status = response.status;
      if (response.status >= 300) result.error = response.body;
    }
    log(`${backend}: ${JSON.stringify(result)}`);
    return result;
  }

  const upload = (text) => ({ method: 'POST', url: `/api/v1/uploads?username=bench-http&device=bench`, token: ADMIN_TOKEN, body: text });
  const store = (parsed, text) => () =>
    ledger.recordUpload({ userId: users[1].id, device: 'bench', timeZone: undefined, report: parsed, sizeBytes: Buffer.byteLength(text) });
  // Parsed outside the windows: the store windows measure the database work alone.
  const parsedFirst = await parseReport(JSON.parse(first.text));
  const parsedChanged = await parseReport(JSON.parse(changed.text));

  const windows = [
    await measure('idle', { idleMs: IDLE_MS }),
    await measure('upload new', { request: upload(first.text) }),
    await measure('upload changed', { request: upload(changed.text) }),
    await measure('store new', { store: store(parsedFirst, first.text) }),
    await measure('store changed', { store: store(parsedChanged, changed.text) }),
  ];

  const differingTables = async () => {
    const differing = [];
    for (const [table, { actual, rebuilt }] of Object.entries(REBUILDS)) {
      const [row] = await query(
        `SELECT (SELECT count(*) FROM ((${actual}) EXCEPT ALL (${rebuilt})) a) + (SELECT count(*) FROM ((${rebuilt}) EXCEPT ALL (${actual})) b) AS n`,
      );
      if (Number(row.n) !== 0) differing.push(table);
    }
    return differing;
  };
  const differing = await differingTables();
  // Deleting a user with the largest history: the same rows leave the same tables.
  windows.push(await measure('delete user', { request: { method: 'DELETE', url: '/api/v1/users/bench-store', token: ADMIN_TOKEN } }));
  differing.push(...(await differingTables()).map((t) => `${t} (after the deletion)`));

  await worker.terminate();
  await app.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (dbName) {
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
  return {
    backend,
    report,
    windows,
    summariesEqualRebuilds: differing.length === 0,
    differing,
  };
}

// ---------------------------------------------------------------------------------------------
// Parent: builds, children, table.

/** Extracts `ref` with git archive into a temporary directory and builds it there. */
function buildRef(ref) {
  const dir = mkdtempSync(join(os.tmpdir(), 'ccs-before-'));
  const commit = execFileSync('git', ['rev-parse', '--short', ref], { cwd: ROOT, encoding: 'utf8' }).trim();
  log(`building ${ref} (${commit}) in ${dir}`);
  execFileSync('sh', ['-c', `git archive ${commit} | tar -x -C '${dir}'`], { cwd: ROOT, stdio: 'inherit' });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  execFileSync('npx', ['nest', 'build'], { cwd: dir, stdio: 'inherit' });
  return { dir, dist: join(dir, 'dist'), label: `before (${commit})` };
}

function runChild(distDir, backend, maxBytes) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--measure', distDir, backend, String(maxBytes)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) reject(new Error(`measurement of ${distDir} on ${backend} failed (exit ${code})`));
      else resolve(JSON.parse(line.slice('RESULT '.length)));
    });
  });
}

async function defaultUploadBytes() {
  if (process.env.BENCH_UPLOAD_BYTES) return Number(process.env.BENCH_UPLOAD_BYTES);
  const { parseConfig } = await import(pathToFileURL(join(arg('--dist') ?? join(ROOT, 'dist'), 'config/config.schema.js')).href);
  const config = parseConfig({});
  return config.uploadBodyLimitBytes ?? config.bodyLimitBytes;
}

async function main() {
  const started = new Date();
  const backends = (arg('--backends') ?? 'embedded,postgres').split(',');
  const maxBytes = await defaultUploadBytes();
  const builds = [];
  const beforeRef = arg('--before');
  let before;
  if (beforeRef) {
    before = buildRef(beforeRef);
    builds.push(before);
  }
  const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  const dist = arg('--dist') ?? join(ROOT, 'dist');
  builds.push({ dist, label: `after (${dist}, HEAD ${head})` });

  const results = [];
  try {
    for (const backend of backends) {
      for (const build of builds) {
        log(`${build.label} on ${backend}`);
        results.push({ build: build.label, ...(await runChild(build.dist, backend, maxBytes)) });
      }
    }
  } finally {
    if (before) rmSync(before.dir, { recursive: true, force: true });
  }

  const rows = [];
  for (const r of results) {
    const idle = r.windows.find((w) => w.name === 'idle');
    const beforeRun = results.find((o) => o !== r && o.backend === r.backend && o.build.startsWith('before'));
    for (const w of r.windows) {
      const ref = beforeRun && !r.build.startsWith('before') ? beforeRun.windows.find((o) => o.name === w.name) : undefined;
      rows.push(
        `| ${r.backend} | ${r.build.split(' ')[0]} | ${w.name} | ${w.durationMs} | ${w.cpuMs} | ${w.loopMaxMs} | ${w.loopP99Ms} | ${w.blockCpuMaxMs} | ${w.liveMaxGapMs} | ${w.liveAnswers} | ` +
          `${round(w.loopMaxMs / idle.loopMaxMs)} | ${ref && w.name !== 'idle' ? `${round(w.durationMs / ref.durationMs, 2)} / ${round(w.cpuMs / ref.cpuMs, 2)}` : ''} | ${w.status ?? ''} |`,
      );
    }
  }
  const machine = {
    cpu: `${os.cpus().length} x ${os.cpus()[0]?.model}`,
    memoryGiB: round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadAverage: os.loadavg().map((l) => round(l, 2)),
  };
  const report = results[0]?.report;
  process.stdout.write(
    `\nLargest upload: ${report?.days} days x ${report?.models} models (${report?.dayModels} day-models), ${report?.bytes} bytes (limit ${maxBytes})\n` +
      `Machine: ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}, load ${machine.loadAverage.join(' ')}\n\n` +
      '| backend | build | window | duration ms | CPU ms | loop max ms | loop p99 ms | CPU in longest block ms | longest /health/live gap ms | answers | max / idle max | after / before: duration / CPU | status |\n' +
      '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n' +
      `${rows.join('\n')}\n\n` +
      results
        .map((r) => `${r.backend} ${r.build}: summaries equal their rebuilds: ${r.summariesEqualRebuilds ? 'yes' : `NO (${r.differing.join(', ')})`}`)
        .join('\n') +
      '\n',
  );
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, `bench/results/${started.toISOString().replace(/[:.]/g, '-')}-upload-loop.json`);
  writeFileSync(file, `${JSON.stringify({ started, machine, maxBytes, results }, null, 2)}\n`);
  log(`wrote ${file}`);
  if (results.some((r) => !r.summariesEqualRebuilds || r.windows.some((w) => w.status !== undefined && w.status >= 300))) process.exitCode = 1;
}

if (process.argv[2] === '--measure') {
  const [, , , distDir, backend, maxBytes] = process.argv;
  measureBuild(distDir, backend, Number(maxBytes)).then(
    (result) => {
      process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error) => {
      process.stderr.write(`${error.stack ?? error}\n`);
      process.exit(1);
    },
  );
} else {
  await main();
}
