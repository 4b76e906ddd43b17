/**
 * The growth table of issue 10: the mixed scenario (bench/mixed.mjs, the service as shipped, the
 * ranking index on) at BENCH_GROWTH users (default 1,000, 10,000 and 30,000; 365 days × 3 models
 * each), so users can see how each kind's p99 and the service's memory grow with the community.
 * Each size builds its own dataset; the 30,000-user one takes several minutes to build.
 *
 *   npm run build && node bench/growth.mjs
 *
 * Writes bench/results/<timestamp>-growth.json and prints the table.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(ROOT, 'bench/results');
const sizes = (process.env.BENCH_GROWTH ?? '1000,10000,30000').split(',').map(Number);

const runs = [];
for (const users of sizes) {
  process.stderr.write(`[growth] ${users} users\n`);
  const before = new Set(readdirSync(RESULTS));
  const child = spawnSync(process.execPath, [join(ROOT, 'bench/mixed.mjs')], {
    env: { ...process.env, BENCH_USERS: String(users), BENCH_MODES: 'index' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (child.status !== 0) throw new Error(`mixed at ${users} users failed (${child.status})`);
  const file = readdirSync(RESULTS).find((name) => !before.has(name) && name.endsWith('-mixed.json'));
  const result = JSON.parse(readFileSync(join(RESULTS, file), 'utf8'));
  runs.push({ users, file, ...result.runs[0] });
}

const kinds = [...new Set(runs.flatMap((run) => run.rows.map((row) => row.kind)))].sort();
const p99 = (run, kind) => run.rows.find((row) => row.kind === kind)?.p99 ?? '—';
const table = [
  `| kind | ${runs.map((run) => `${run.users.toLocaleString('en')} users p99 ms`).join(' | ')} |`,
  `|---|${runs.map(() => '---').join('|')}|`,
  ...kinds.map((kind) => `| ${kind} | ${runs.map((run) => p99(run, kind)).join(' | ')} |`),
  `| uploads | ${runs.map((run) => run.uploads.p99).join(' | ')} |`,
  `| stale reads after an upload | ${runs.map((run) => `${run.freshness.stale} of ${run.freshness.checks}`).join(' | ')} |`,
  `| index: days held, MiB of arrays | ${runs.map((run) => `${run.index.days.toLocaleString('en')}, ${(run.index.bytes / 1048576).toFixed(1)}`).join(' | ')} |`,
  `| index built (after ready), ms | ${runs.map((run) => run.index.waitedMs).join(' | ')} |`,
  `| RSS MiB at start / peak | ${runs.map((run) => `${run.rss.start} / ${run.rss.peak}`).join(' | ')} |`,
].join('\n');
process.stdout.write(`\ngrowth (mixed scenario, index on):\n\n${table}\n`);
mkdirSync(RESULTS, { recursive: true });
const out = join(RESULTS, `${new Date().toISOString().replace(/[:.]/g, '-')}-growth.json`);
writeFileSync(out, JSON.stringify({ loadavg: os.loadavg(), cpus: os.cpus().length, node: process.version, runs }, null, 2));
process.stderr.write(`[growth] wrote ${out}\n`);
