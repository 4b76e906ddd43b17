/**
 * Telemetry ingest (issue 12): OTLP metrics points per second from BENCH_CLIENTS exporters (16), each
 * a Claude Code process with its own user and token, against the service's upload path on the same
 * token data, in the same run and at the same concurrency.
 *
 *   npm run build && node bench/telemetry.mjs       (embedded database; DATABASE_URL=postgres://… for PostgreSQL)
 *
 * A batch is what Claude Code exports every 60 s with delta temporality: resource service.name =
 * claude-code and ccstats.device, meter com.anthropic.claude_code, token.usage for 4 types × 2
 * models, cost.usage × 2 models, session.count, lines_of_code.count (added, removed) and
 * active_time.total (user, cli): 15 points, each batch the next 60 s interval of the same series.
 * Exporter c's batch i is [T0 + 60 s · i, T0 + 60 s · (i + 1)], T0 = BENCH_TELEMETRY_HOURS (12)
 * hours ago, so every point is inside the receiver's 48-hour window and none is in the future.
 *
 * Phases, each with 16 new users, one after the other on one service and database:
 * - `protobuf`, `json`: POST /v1/metrics, the batch as binary protobuf (encoded with protobufjs and
 *   the service's own descriptor, dist/ingestion/otlp/otlp-proto.js) or as OTLP JSON;
 * - `uploads`: the baseline. POST /api/v1/uploads of the same exporter's same batches as a cron job
 *   would send them: one ccusage `daily` report per batch holding the batch's day with that day's
 *   cumulative numbers so far (2 model rows; each upload replaces the day's previous one).
 * BENCH_PHASES (default `protobuf,json,uploads,uploads,json,protobuf`: each kind early and late, so
 * a drift of the machine or the growing database falls on all alike) orders them; each runs
 * BENCH_DURATION seconds (10), or exactly BENCH_BATCHES batches per client when that is set. First
 * every kind runs BENCH_WARMUP seconds (3) on users of its own, not reported: the first seconds of
 * a fresh process are JIT compilation, and whichever phase came first would pay for it.
 *
 * Afterwards every user's stored totals, per model, through GET /api/v1/users/:u/usage must equal
 * what was sent (tokens exactly, cost to the ten-thousandth), and for telemetry users the sessions,
 * lines and active time through GET /api/v1/users/:u/activity too: the bench fails (exit code 1) if
 * not, or if any request failed or any point was refused. Warm-up users are checked too.
 *
 * Prints a table and writes bench/results/<timestamp>-telemetry.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { parseReport } from '../dist/ingestion/ccusage/report-parser.js';
import { decodeMetricsRequest } from '../dist/ingestion/otlp/otlp-decode.js';
import { otlpLimits } from '../dist/ingestion/otlp/otlp-limits.js';
import { metricsToPoints } from '../dist/ingestion/otlp/otlp-points.js';
import { MetricsRequestType, MetricsResponseType } from '../dist/ingestion/otlp/otlp-proto.js';
import { pointsToReadings } from '../dist/ingestion/otlp/otlp-readings.js';
import { ACTIVITY, addBatch, batchData, dailyReport, emptyTotals, metricsRequest, MODELS, POINTS_PER_BATCH, TOKEN_TYPES } from './lib/claude-code-batches.mjs';
import { startService } from './lib/service.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const env = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const settings = {
  clients: env('BENCH_CLIENTS', 16),
  duration: env('BENCH_DURATION', 10),
  batches: env('BENCH_BATCHES', 0),
  hoursBack: env('BENCH_TELEMETRY_HOURS', 12),
  warmup: env('BENCH_WARMUP', 3),
  phases: (process.env.BENCH_PHASES ?? 'protobuf,json,uploads,uploads,json,protobuf').split(','),
};
const ADMIN_URL = process.env.DATABASE_URL || '';
const BENCH_DB = 'ccs_bench_telemetry';
const log = (message) => process.stderr.write(`[telemetry] ${message}\n`);

/** The first interval's start, on a whole minute; batch i of every exporter is the i-th minute after it. */
const T0_NS = BigInt(Math.floor((Date.now() - settings.hoursBack * 3_600_000) / 60_000) * 60_000) * 1_000_000n;
/** Batches an exporter may send before its intervals would end in the future. */
const MAX_BATCHES = settings.hoursBack * 60 - 1;
const batch = (client, i) => batchData(client, i, T0_NS);

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** CPU (user + system) of a process in ms, from /proc (clock ticks of 10 ms). */
function cpuMsOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** The PostgreSQL backends serving the bench database, with their CPU so far (PostgreSQL only). */
async function backendCpu(admin) {
  if (!admin) return undefined;
  const { rows } = await admin.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [BENCH_DB]);
  return new Map(rows.map((r) => [r.pid, cpuMsOf(r.pid)]).filter(([, ms]) => ms !== undefined));
}

/**
 * `clients` loops calling `once(client, i, latencies)` until `seconds` are up, or `batches` calls
 * each when that is set; each call pushes its request's latency.
 */
async function drive({ seconds, batches }, once) {
  const latencies = [];
  let failures = 0;
  let exhausted = 0;
  const sent = new Array(settings.clients).fill(0);
  const limit = batches > 0 ? Math.min(batches, MAX_BATCHES) : MAX_BATCHES;
  const started = performance.now();
  const end = batches > 0 ? Infinity : started + seconds * 1000;
  await Promise.all(
    Array.from({ length: settings.clients }, async (_, client) => {
      for (let i = 0; performance.now() < end; i++) {
        if (i >= limit) {
          if (batches === 0 || batches > MAX_BATCHES) exhausted++;
          break;
        }
        try {
          await once(client, i, latencies);
          sent[client] = i + 1;
        } catch (error) {
          failures += 1;
          if (failures <= 3) log(`failure: ${error.message}`);
          break;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  if (exhausted > 0) log(`${exhausted} clients ran out of intervals (BENCH_TELEMETRY_HOURS): raise it`);
  latencies.sort((a, b) => a - b);
  return { sent, elapsed, failures, exhausted, p50: percentile(latencies, 50), p99: percentile(latencies, 99), calls: latencies.length, latencies };
}

async function register(base, prefix) {
  const users = [];
  for (let c = 0; c < settings.clients; c++) {
    const username = `${prefix}-${c}`;
    const res = await fetch(`${base}/api/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username }) });
    if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${await res.text()}`);
    users.push({ username, token: (await res.json()).token });
  }
  return users;
}

/** `refused` points of an OTLP export response (0 when it is empty: full success). */
function refusedIn(format, bytes) {
  if (bytes.length === 0) return 0;
  if (format === 'protobuf') {
    const answer = MetricsResponseType.toObject(MetricsResponseType.decode(bytes), { longs: Number });
    return Number(answer.partialSuccess?.rejectedDataPoints ?? 0);
  }
  const answer = JSON.parse(bytes.toString('utf8'));
  return Number(answer.partialSuccess?.rejectedDataPoints ?? 0);
}

async function telemetryPhase(service, format, prefix, amount) {
  const users = await register(service.base, prefix);
  let bytes = 0;
  let refused = 0;
  const contentType = format === 'protobuf' ? 'application/x-protobuf' : 'application/json';
  const result = await measured(service, () =>
    drive(amount, async (client, i, latencies) => {
      const request = metricsRequest(client, batch(client, i));
      const body = format === 'protobuf' ? MetricsRequestType.encode(MetricsRequestType.fromObject(request)).finish() : JSON.stringify(request);
      bytes += body.length;
      const t = performance.now();
      const res = await fetch(`${service.base}/v1/metrics`, {
        method: 'POST',
        headers: { 'content-type': contentType, authorization: `Bearer ${users[client].token}` },
        body,
      });
      const answer = Buffer.from(await res.arrayBuffer());
      latencies.push(performance.now() - t);
      if (res.status !== 200) throw new Error(`/v1/metrics: ${res.status} ${answer.toString('utf8').slice(0, 200)}`);
      const n = refusedIn(format, answer);
      if (n > 0) {
        refused += n;
        throw new Error(`/v1/metrics refused ${n} points: ${answer.toString('utf8').slice(0, 300)}`);
      }
    }),
  );
  const batches = result.sent.reduce((a, b) => a + b, 0);
  return {
    phase: format,
    batches,
    items: batches * POINTS_PER_BATCH,
    itemName: 'points',
    bytesPerRequest: Math.round(bytes / Math.max(1, result.calls)),
    refused,
    ...result,
    verification: await verify(service.base, users, result.sent, { activity: true }),
  };
}

async function uploadPhase(service, prefix, amount) {
  const users = await register(service.base, prefix);
  let bytes = 0;
  let modelRows = 0;
  const days = Array.from({ length: settings.clients }, () => new Map());
  const result = await measured(service, () =>
    drive(amount, async (client, i, latencies) => {
      const data = batch(client, i);
      // The day so far, as ccusage would read it from the logs after this batch.
      const today = days[client].get(data.day) ?? emptyTotals();
      addBatch(today, data);
      days[client].set(data.day, today);
      const body = JSON.stringify(dailyReport(data.day, today));
      bytes += body.length;
      const t = performance.now();
      const res = await fetch(`${service.base}/api/v1/uploads?device=laptop`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${users[client].token}` },
        body,
      });
      const answer = await res.text();
      latencies.push(performance.now() - t);
      if (res.status !== 200) throw new Error(`/api/v1/uploads: ${res.status} ${answer.slice(0, 200)}`);
      modelRows += MODELS.length;
    }),
  );
  const batches = result.sent.reduce((a, b) => a + b, 0);
  return {
    phase: 'uploads',
    batches,
    items: modelRows,
    itemName: 'model rows',
    bytesPerRequest: Math.round(bytes / Math.max(1, result.calls)),
    refused: 0,
    ...result,
    verification: await verify(service.base, users, result.sent),
  };
}

/** Runs a phase with the service's (and its PostgreSQL backends') CPU and the load generator's measured around it. */
async function measured(service, run) {
  const admin = service.admin;
  const serviceBefore = cpuMsOf(service.pid);
  const pgBefore = await backendCpu(admin);
  const selfBefore = process.cpuUsage();
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, service.rss())), 250);
  try {
    const result = await run();
    const self = process.cpuUsage(selfBefore);
    const pgAfter = await backendCpu(admin);
    let pgCpuMs;
    if (pgAfter) {
      pgCpuMs = 0;
      for (const [pid, ms] of pgAfter) pgCpuMs += ms - (pgBefore.get(pid) ?? 0);
    }
    return {
      ...result,
      serviceCpuMs: cpuMsOf(service.pid) - serviceBefore,
      postgresCpuMs: pgCpuMs,
      loadGeneratorCpuMs: Math.round((self.user + self.system) / 1000),
      peakRssMiB: Math.round(peakRss / 2 ** 20),
      loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
    };
  } finally {
    clearInterval(sampler);
  }
}

/**
 * The receiver's own work per batch without HTTP or the database, in this process: body → decoded
 * request → points → readings (what TelemetryService.read does), for protobuf and JSON, against the
 * upload's JSON.parse + parseReport of the same batch's report. Microseconds per body, the best of
 * 5 rounds over 200 bodies (the least disturbed by other work on the machine).
 */
async function decodeCost() {
  const limits = otlpLimits();
  const bodies = Array.from({ length: 200 }, (_, i) => metricsRequest(0, batch(0, i)));
  const protobufBodies = bodies.map((b) => MetricsRequestType.encode(MetricsRequestType.fromObject(b)).finish());
  const jsonBodies = bodies.map((b) => Buffer.from(JSON.stringify(b)));
  const reports = Array.from({ length: 200 }, (_, i) => {
    const data = batch(0, i);
    const totals = emptyTotals();
    addBatch(totals, data);
    return JSON.stringify(dailyReport(data.day, totals));
  });
  const best = async (work) => {
    let min = Infinity;
    for (let r = 0; r < 5; r++) {
      const started = performance.now();
      for (let i = 0; i < 200; i++) await work(i);
      min = Math.min(min, ((performance.now() - started) * 1000) / 200);
    }
    return round(min, 0);
  };
  const receive = (body, contentType) => {
    const now = Date.now();
    const decoded = metricsToPoints(decodeMetricsRequest({ body, contentType, contentEncoding: undefined }, limits).request, { now, limits });
    const readings = pointsToReadings(decoded.items, now, limits.maxReasons);
    if (readings.readings.length !== POINTS_PER_BATCH) throw new Error(`decode: ${readings.readings.length} readings, expected ${POINTS_PER_BATCH}`);
  };
  return {
    protobufUs: await best((i) => receive(protobufBodies[i], 'application/x-protobuf')),
    jsonUs: await best((i) => receive(jsonBodies[i], 'application/json')),
    uploadParseUs: await best((i) => parseReport(JSON.parse(reports[i]))),
  };
}

/** Ten-thousandths of a dollar in a 4-place decimal string. */
const costK = (value) => {
  const [whole, fraction = ''] = value.split('.');
  return Number(whole) * 10_000 + Number(fraction.padEnd(4, '0').slice(0, 4));
};

/** What only telemetry carries (sessions, lines, active time) through GET /api/v1/users/:u/activity over the bench's days. */
async function verifyActivity(base, user, sent, client) {
  const expected = Object.fromEntries(Object.keys(ACTIVITY).map((k) => [k, 0]));
  for (let i = 0; i < sent; i++) for (const [k, of] of Object.entries(ACTIVITY)) expected[k] += of(batch(client, i));
  const from = new Date(Number(T0_NS / 1_000_000n)).toISOString().slice(0, 10);
  const to = new Date().toISOString().slice(0, 10);
  const res = await fetch(`${base}/api/v1/users/${user.username}/activity?from=${from}&to=${to}`, { headers: { authorization: `Bearer ${user.token}` } });
  if (res.status !== 200) return [`${user.username}: activity answered ${res.status}`];
  const { totals } = await res.json();
  const stored = (k) => (k.startsWith('activeTime') ? Math.round(totals[k] * 10) : totals[k]);
  return Object.keys(ACTIVITY)
    .filter((k) => stored(k) !== expected[k])
    .map((k) => `${user.username} activity ${k}: stored ${stored(k)}, sent ${expected[k]}${k.startsWith('activeTime') ? ' (tenths of a second)' : ''}`);
}

/** Each user's stored totals per model (GET /api/v1/users/:u/usage) against what its client sent. */
async function verify(base, users, sent, { activity = false } = {}) {
  const mismatches = [];
  for (let c = 0; c < users.length; c++) {
    const expected = emptyTotals();
    for (let i = 0; i < sent[c]; i++) addBatch(expected, batch(c, i));
    const res = await fetch(`${base}/api/v1/users/${users[c].username}/usage?granularity=day&models=true`, {
      headers: { authorization: `Bearer ${users[c].token}` },
    });
    if (res.status !== 200) {
      mismatches.push(`${users[c].username}: usage answered ${res.status}`);
      continue;
    }
    const usage = await res.json();
    const stored = emptyTotals();
    for (const row of usage.rows) {
      for (const m of row.models ?? []) {
        const s = stored[m.model];
        if (!s) {
          mismatches.push(`${users[c].username}: unexpected model ${m.model}`);
          continue;
        }
        s.input += m.inputTokens;
        s.output += m.outputTokens;
        s.cacheRead += m.cacheReadTokens;
        s.cacheCreation += m.cacheCreationTokens;
        s.costK += costK(m.cost);
      }
    }
    for (const model of MODELS) {
      for (const k of [...TOKEN_TYPES, 'costK']) {
        if (stored[model][k] !== expected[model][k])
          mismatches.push(`${users[c].username} ${model} ${k}: stored ${stored[model][k]}, sent ${expected[model][k]}`);
      }
    }
    const sentTokens = MODELS.reduce((s, m) => s + TOKEN_TYPES.reduce((t, k) => t + expected[m][k], 0), 0);
    const sentCostK = MODELS.reduce((s, m) => s + expected[m].costK, 0);
    if (usage.totals.totalTokens !== sentTokens) mismatches.push(`${users[c].username} totals.totalTokens: ${usage.totals.totalTokens}, sent ${sentTokens}`);
    if (costK(usage.totals.totalCost) !== sentCostK)
      mismatches.push(`${users[c].username} totals.totalCost: ${usage.totals.totalCost}, sent ${sentCostK / 10_000}`);
    if (activity) mismatches.push(...(await verifyActivity(base, users[c], sent[c], c)));
  }
  if (mismatches.length > 0) for (const m of mismatches.slice(0, 10)) log(`MISMATCH ${m}`);
  return { users: users.length, equal: mismatches.length === 0, mismatches: mismatches.slice(0, 50) };
}

const round = (n, places = 1) => (n === undefined || Number.isNaN(n) ? undefined : Math.round(n * 10 ** places) / 10 ** places);

function summarise(phase) {
  return {
    ...phase,
    batchesPerSecond: round(phase.batches / phase.elapsed),
    itemsPerSecond: round(phase.items / phase.elapsed),
    p50: round(phase.p50),
    p99: round(phase.p99),
    elapsed: round(phase.elapsed, 2),
    serviceCpuMsPerBatch: round(phase.serviceCpuMs / Math.max(1, phase.batches), 2),
    postgresCpuMsPerBatch: phase.postgresCpuMs === undefined ? undefined : round(phase.postgresCpuMs / Math.max(1, phase.batches), 2),
  };
}

async function createDatabase() {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${BENCH_DB}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${BENCH_DB}`;
  const { rows } = await admin.query('SHOW server_version');
  return { admin, url: url.toString(), version: rows[0].server_version };
}

async function main() {
  const loadavgAtStart = os.loadavg();
  const backend = ADMIN_URL ? 'postgres' : 'embedded';
  const stamp = Date.now().toString(36);
  let database;
  let dataDir;
  let service;
  const phases = [];
  const warmups = [];
  const latenciesOf = new Map();
  try {
    if (backend === 'postgres') {
      database = await createDatabase();
      log(`PostgreSQL ${database.version}: fresh database ${BENCH_DB}`);
      service = await startService({ DATABASE_URL: database.url });
      service.admin = database.admin;
    } else {
      dataDir = mkdtempSync(join(os.tmpdir(), 'telemetry-'));
      log(`embedded: fresh DATA_DIR ${dataDir}`);
      service = await startService({ DATA_DIR: dataDir, DATABASE_URL: '' });
    }
    const runPhase = (phase, prefix, amount) => (phase === 'uploads' ? uploadPhase(service, prefix, amount) : telemetryPhase(service, phase, prefix, amount));
    if (settings.warmup > 0) {
      for (const phase of new Set(settings.phases)) {
        const result = summarise(await runPhase(phase, `warm-${phase}-${stamp}`, { seconds: settings.warmup, batches: 0 }));
        delete result.latencies;
        log(`warm-up ${phase}: ${result.batchesPerSecond} requests/s, verified ${result.verification.equal ? 'equal' : 'NOT EQUAL'}`);
        warmups.push(result);
      }
    }
    for (const [n, phase] of settings.phases.entries()) {
      log(`${phase}: ${settings.clients} clients, ${settings.batches > 0 ? `${settings.batches} batches each` : `${settings.duration} s`}`);
      const result = summarise(await runPhase(phase, `${phase}-${n}-${stamp}`, { seconds: settings.duration, batches: settings.batches }));
      latenciesOf.set(phase, [...(latenciesOf.get(phase) ?? []), ...result.latencies]);
      delete result.latencies;
      log(
        `${phase}: ${result.batchesPerSecond} batches/s, ${result.itemsPerSecond} ${result.itemName}/s, p50 / p99 ${result.p50} / ${result.p99} ms, ` +
          `verified ${result.verification.equal ? 'equal' : 'NOT EQUAL'}`,
      );
      phases.push(result);
    }
  } finally {
    await service?.stop();
    if (database) {
      if (!process.env.BENCH_KEEP) await database.admin.query(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
      await database.admin.end();
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }

  // Per kind over all its phases (BENCH_PHASES repeats kinds to interleave them, so drift over the run falls on each alike).
  const kinds = [...new Set(phases.map((p) => p.phase))].map((kind) => {
    const runs = phases.filter((p) => p.phase === kind);
    const total = (k) => runs.reduce((s, p) => s + (p[k] ?? 0), 0);
    const seconds = total('elapsed');
    const latencies = latenciesOf.get(kind).sort((a, b) => a - b);
    return {
      kind,
      itemName: runs[0].itemName,
      phases: runs.length,
      requests: total('batches'),
      items: total('items'),
      seconds: round(seconds, 2),
      requestsPerSecond: round(total('batches') / seconds, 2),
      itemsPerSecond: round(total('items') / seconds, 1),
      p50: round(percentile(latencies, 50)),
      p99: round(percentile(latencies, 99)),
      serviceCpuMsPerRequest: round(total('serviceCpuMs') / total('batches'), 2),
      postgresCpuMsPerRequest: runs[0].postgresCpuMs === undefined ? undefined : round(total('postgresCpuMs') / total('batches'), 2),
    };
  });
  const decode = await decodeCost();
  log(`in-process, per batch: protobuf decode ${decode.protobufUs} µs, JSON decode ${decode.jsonUs} µs, upload parse ${decode.uploadParseUs} µs`);
  const uploadRate = kinds.find((k) => k.kind === 'uploads')?.requestsPerSecond;
  const ratios = uploadRate ? Object.fromEntries(kinds.map((k) => [k.kind, round(k.requestsPerSecond / uploadRate, 2)])) : {};
  const fmt = (n) => (n === undefined ? '—' : String(n));
  const kindTable = [
    '| kind | requests | requests/s | items/s | p50 / p99 ms | vs uploads (requests/s) | service CPU ms / request | PostgreSQL CPU ms / request |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...kinds.map(
      (k) =>
        `| ${k.kind} | ${k.requests} | ${k.requestsPerSecond} | ${k.itemsPerSecond} ${k.itemName} | ${k.p50} / ${k.p99} | ${fmt(ratios[k.kind])} | ` +
        `${k.serviceCpuMsPerRequest} | ${fmt(k.postgresCpuMsPerRequest)} |`,
    ),
  ].join('\n');
  const table = [
    '| phase | requests | requests/s | items/s | p50 / p99 ms | vs uploads (requests/s) | service CPU ms / request | PostgreSQL CPU ms / request | bytes / request | verified |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...phases.map(
      (p) =>
        `| ${p.phase} | ${p.batches} | ${p.batchesPerSecond} | ${p.itemsPerSecond} ${p.itemName} | ${p.p50} / ${p.p99} | ${uploadRate ? round(p.batchesPerSecond / uploadRate, 2) : '—'} | ` +
        `${p.serviceCpuMsPerBatch} | ${fmt(p.postgresCpuMsPerBatch)} | ${p.bytesPerRequest} | ${p.verification.equal ? 'equal' : 'NOT EQUAL'} |`,
    ),
  ].join('\n');
  process.stdout.write(
    `\ntelemetry: ${backend}, ${settings.clients} clients, ${settings.batches > 0 ? `${settings.batches} batches each` : `${settings.duration} s per phase`}, ` +
      `${POINTS_PER_BATCH} points per batch (${MODELS.length} model rows per upload)\n\nPer phase, in the order run:\n\n${table}\n\nPer kind:\n\n${kindTable}\n\n` +
      `In-process, per batch (no HTTP, no database): receiver decode + points + readings ${decode.protobufUs} µs (protobuf), ${decode.jsonUs} µs (JSON); ` +
      `upload JSON.parse + parseReport ${decode.uploadParseUs} µs\n`,
  );
  const cpus = os.cpus();
  const result = {
    settings: {
      ...settings,
      pointsPerBatch: POINTS_PER_BATCH,
      modelRowsPerUpload: MODELS.length,
      firstIntervalStart: new Date(Number(T0_NS / 1_000_000n)).toISOString(),
    },
    backend,
    machine: {
      cpu: cpus[0]?.model,
      cpus: cpus.length,
      memoryGiB: round(os.totalmem() / 2 ** 30, 1),
      node: process.version,
      postgres: database?.version,
      loadavgAtStart,
      loadavgAtEnd: os.loadavg(),
    },
    ratios,
    kinds,
    decode,
    phases,
    warmups,
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, 'bench/results', `${new Date().toISOString().replace(/[:.]/g, '-')}-telemetry.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  log(`wrote ${file}`);
  const failed = [...warmups, ...phases].filter((p) => !p.verification.equal || p.failures > 0 || p.refused > 0 || p.exhausted > 0);
  if (failed.length > 0) {
    log(`FAILED: ${failed.map((p) => p.phase).join(', ')} (stored totals differ from what was sent, or requests failed)`);
    process.exitCode = 1;
  }
}

await main();
