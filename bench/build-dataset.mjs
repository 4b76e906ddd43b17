/**
 * Builds the benchmark dataset: a fresh database migrated by the service's own migrations, then
 * N users x D days x M models loaded set-based (generate_series, INSERT ... SELECT) into the spec
 * tables, and every summary table derived from them with the GROUP BY queries that
 * test/stats/summaries.spec.ts uses to check the summaries. Values are deterministic (hashes of
 * user, day and model), days end today (UTC) so that 7d/30d/month windows hit data.
 *
 * Plain ES module over dist/ (run `nest build` first; the npm scripts do): no compile step of its own.
 *
 *   node bench/build-dataset.mjs [users] [days] [models]     (BENCH_KEEP is implied when run alone)
 */
import { REBUILDS } from '../test/helpers/summary-rebuilds.mjs';
import pg from 'pg';
import { PostgresConnection } from '../dist/db/database-connection.js';
import { runMigrations } from '../dist/db/migrate.js';

export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const BENCH_DB = process.env.BENCH_DATABASE_NAME ?? 'ccs_bench';

/** The URL of the bench database: the admin URL with its database name replaced. */
export function benchUrl() {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${BENCH_DB}`;
  return url.toString();
}

/** Models as ccusage names them; the first three are the default M=3. */
const MODELS = [
  ['claude-sonnet-4-5-20250929', 'anthropic'],
  ['claude-opus-4-1-20250805', 'anthropic'],
  ['claude-haiku-4-5-20251001', 'anthropic'],
  ['gpt-5-codex', 'openai'],
  ['gemini-2.5-pro', 'google'],
  ['grok-code-fast-1', 'xai'],
];

/** A deterministic value in [0, mod) for a row key and a column salt. */
const hv = (key, salt, mod) => `((hashint8((${key}) * 8 + ${salt}) & 2147483647) % ${mod})`;

/**
 * One model's numbers for (u, d, k). Per-model cost stays below 150 and a day's below 900, well
 * inside DECIMAL(10,4); cache reads dominate, as in real ccusage output.
 */
function modelValues(key) {
  return `${hv(key, 1, 200_000)}::bigint AS i, ${hv(key, 2, 80_000)}::bigint AS o,
          ${hv(key, 3, 1_000_000)}::bigint AS cc, ${hv(key, 4, 20_000_000)}::bigint AS cr,
          (${hv(key, 5, 1_500_000)} / 10000.0)::numeric(10,4) AS c`;
}

const SESSION = [
  'SET synchronous_commit = off',
  // Rows are generated consistent, so foreign-key triggers have nothing to find; skipping them
  // (superuser only) roughly halves the load. The schema itself is untouched.
  'SET session_replication_role = replica',
  "SET work_mem = '256MB'",
  "SET maintenance_work_mem = '512MB'",
  "SET timezone = 'UTC'",
];

async function session(pool) {
  const client = await pool.connect();
  for (const s of SESSION) {
    try {
      await client.query(s);
    } catch (error) {
      if (!s.includes('session_replication_role')) throw error;
    }
  }
  return client;
}

/** Runs tasks on `workers` sessions at once (the machine has 2 cores). */
async function parallel(pool, workers, tasks) {
  const queue = [...tasks];
  await Promise.all(
    Array.from({ length: workers }, async () => {
      const client = await session(pool);
      try {
        for (let task = queue.shift(); task; task = queue.shift()) await task(client);
      } finally {
        client.release();
      }
    }),
  );
}

const log = (message) => process.stderr.write(`[build] ${message}\n`);

export async function dropBenchDatabase() {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Creates and fills the bench database; returns what was built and how long each phase took. */
export async function buildDataset({ users: N, days: D, models: M, workers = 2 }) {
  if (M < 1 || M > MODELS.length) throw new Error(`models: 1 to ${MODELS.length}`);
  const phases = {};
  const started = performance.now();
  let mark = started;
  const phase = (name) => {
    const now = performance.now();
    phases[name] = Math.round(now - mark) / 1000;
    mark = now;
    log(`${name}: ${phases[name]} s`);
  };

  await dropBenchDatabase();
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${BENCH_DB}`);
  await admin.end();

  const pool = new pg.Pool({ connectionString: benchUrl(), max: workers + 1, options: '-c timezone=UTC' });
  try {
    const { applied } = await runMigrations(new PostgresConnection(pool));
    phase(`migrate (${applied} migrations)`);

    const models = MODELS.slice(0, M)
      .map(([name, provider], i) => `(${i + 1}, '${name}', '${provider}')`)
      .join(', ');
    const {
      rows: [{ today }],
    } = await pool.query(`SELECT (now() AT TIME ZONE 'UTC')::date::text AS today`);
    const first = `('${today}'::date - ${D - 1})`;

    // Secondary indexes that back no constraint are built once after the load instead of row by
    // row, from their own definitions: the final schema is exactly the migrations'.
    const { rows: deferred } = await pool.query(`
      SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
        FROM pg_index i
       WHERE i.indrelid IN ('usage_stats'::regclass, 'model_usage'::regclass)
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`);
    for (const index of deferred) await pool.query(`DROP INDEX ${index.name}`);

    await pool.query(`INSERT INTO users (id, username, created_at, updated_at)
                      SELECT u, 'user' || lpad(u::text, 5, '0'), ${first} - 1, ${first} - 1 FROM generate_series(1, ${N}) u`);
    await pool.query(`SELECT setval('users_id_seq', ${N})`);
    phase('users');

    const CHUNK = 250;
    const chunks = [];
    for (let u0 = 1; u0 <= N; u0 += CHUNK) chunks.push([u0, Math.min(N, u0 + CHUNK - 1)]);
    // usage_stats ids and model_usage ids follow (user, day[, model]), so each table's rows and
    // primary key are written in order; model_usage refers to usage_stats by the same formula.
    const dayId = `((u - 1)::bigint * ${D} + d + 1)`;
    const modelKey = `(((u - 1)::bigint * ${D} + d) * ${M} + k)`;
    await parallel(
      pool,
      workers,
      chunks.map(
        ([u0, u1]) =>
          (client) =>
            client.query(`
          INSERT INTO usage_stats (id, user_id, date, total_tokens, input_tokens, output_tokens,
                                   cache_creation_input_tokens, cache_read_input_tokens, total_cost, created_at, updated_at)
          SELECT ${dayId}, u, ${first} + d, s.i + s.o + s.cc + s.cr, s.i, s.o, s.cc, s.cr, s.c, ${first} + d + 1, ${first} + d + 1
            FROM generate_series(${u0}, ${u1}) u CROSS JOIN generate_series(0, ${D - 1}) d
           CROSS JOIN LATERAL (SELECT sum(i) AS i, sum(o) AS o, sum(cc) AS cc, sum(cr) AS cr, sum(c) AS c
                                 FROM (SELECT ${modelValues(modelKey)} FROM generate_series(1, ${M}) k) v) s
           ORDER BY 1`),
      ),
    );
    await pool.query(`SELECT setval('usage_stats_id_seq', ${N * D})`);
    phase('usage_stats');

    await parallel(
      pool,
      workers,
      chunks.map(
        ([u0, u1]) =>
          (client) =>
            client.query(`
          INSERT INTO model_usage (id, usage_stats_id, model, provider, input_tokens, output_tokens,
                                   cache_creation_input_tokens, cache_read_input_tokens, cost, created_at)
          SELECT ${modelKey}, ${dayId}, m.model, m.provider, v.i, v.o, v.cc, v.cr, v.c, ${first} + d + 1
            FROM generate_series(${u0}, ${u1}) u CROSS JOIN generate_series(0, ${D - 1}) d
           CROSS JOIN (VALUES ${models}) AS m(k, model, provider)
           CROSS JOIN LATERAL (SELECT ${modelValues(modelKey)}) v
           ORDER BY 1`),
      ),
    );
    await pool.query(`SELECT setval('model_usage_id_seq', ${N * D * M})`);
    phase('model_usage');

    await parallel(
      pool,
      workers,
      deferred.map((index) => (client) => client.query(index.def)),
    );
    phase(`indexes (${deferred.map((i) => i.name).join(', ')})`);

    // The summaries, as the rebuild queries of test/helpers/summary-rebuilds.mjs derive them.
    const DAY_BIT = (column) => `bit_or(1 << (extract(day from ${column})::int - 1))`;
    await parallel(pool, workers, [
      (c) =>
        c.query(`
          INSERT INTO user_month_stats (user_id, month, active_days, day_mask, total_tokens, input_tokens, output_tokens,
                                        cache_creation_input_tokens, cache_read_input_tokens, total_cost)
          SELECT user_id, date_trunc('month', date)::date, count(*), ${DAY_BIT('date')}, sum(total_tokens), sum(input_tokens),
                 sum(output_tokens), sum(cache_creation_input_tokens), sum(cache_read_input_tokens), sum(total_cost)
            FROM usage_stats GROUP BY user_id, date_trunc('month', date)::date`),
      (c) =>
        c.query(`
          INSERT INTO user_totals (user_id, first_date, last_date, active_days, total_tokens, input_tokens, output_tokens,
                                   cache_creation_input_tokens, cache_read_input_tokens, total_cost)
          SELECT user_id, min(date), max(date), count(*), sum(total_tokens), sum(input_tokens), sum(output_tokens),
                 sum(cache_creation_input_tokens), sum(cache_read_input_tokens), sum(total_cost)
            FROM usage_stats GROUP BY user_id`),
      (c) =>
        c.query(`
          INSERT INTO day_stats (date, active_users, total_tokens, input_tokens, output_tokens,
                                 cache_creation_input_tokens, cache_read_input_tokens, total_cost)
          SELECT date, count(*), sum(total_tokens), sum(input_tokens), sum(output_tokens),
                 sum(cache_creation_input_tokens), sum(cache_read_input_tokens), sum(total_cost)
            FROM usage_stats GROUP BY date`),
      (c) =>
        c.query(`
          INSERT INTO model_day_stats (date, model, provider, users, input_tokens, output_tokens,
                                       cache_creation_input_tokens, cache_read_input_tokens, cost)
          SELECT s.date, m.model, max(m.provider), count(*), sum(m.input_tokens), sum(m.output_tokens),
                 sum(m.cache_creation_input_tokens), sum(m.cache_read_input_tokens), sum(m.cost)
            FROM model_usage m JOIN usage_stats s ON s.id = m.usage_stats_id GROUP BY s.date, m.model`),
      // user_model_months and user_model_totals from one pass over the join, through a scratch table.
      async (c) => {
        await c.query(`
          CREATE UNLOGGED TABLE bench_user_model_months AS
          SELECT s.user_id, m.model, date_trunc('month', s.date)::date AS month, max(m.provider) AS provider,
                 ${DAY_BIT('s.date')} AS day_mask, count(*) AS days, sum(m.input_tokens) AS i, sum(m.output_tokens) AS o,
                 sum(m.cache_creation_input_tokens) AS cc, sum(m.cache_read_input_tokens) AS cr, sum(m.cost) AS c
            FROM model_usage m JOIN usage_stats s ON s.id = m.usage_stats_id
           GROUP BY s.user_id, m.model, date_trunc('month', s.date)::date`);
        await c.query(`
          INSERT INTO user_model_months (user_id, model, month, provider, day_mask, input_tokens, output_tokens,
                                         cache_creation_input_tokens, cache_read_input_tokens, cost)
          SELECT user_id, model, month, provider, day_mask, i, o, cc, cr, c FROM bench_user_model_months ORDER BY 1, 2, 3`);
        await c.query(`
          INSERT INTO user_model_totals (user_id, model, provider, days, input_tokens, output_tokens,
                                         cache_creation_input_tokens, cache_read_input_tokens, cost)
          SELECT user_id, model, max(provider), sum(days), sum(i), sum(o), sum(cc), sum(cr), sum(c)
            FROM bench_user_model_months GROUP BY user_id, model ORDER BY 1, 2`);
        await c.query('DROP TABLE bench_user_model_months');
      },
    ]);
    phase('summaries');

    // Sets the visibility map (index-only scans) and the planner's statistics.
    await pool.query('VACUUM (ANALYZE)');
    phase('vacuum analyze');

    const counts = {};
    for (const table of [
      'users',
      'usage_stats',
      'model_usage',
      'user_month_stats',
      'user_totals',
      'user_model_totals',
      'user_model_months',
      'model_day_stats',
      'day_stats',
    ]) {
      const { rows } = await pool.query(`SELECT count(*)::bigint::text AS n FROM ${table}`);
      counts[table] = Number(rows[0].n);
    }
    const {
      rows: [{ size }],
    } = await pool.query('SELECT pg_database_size(current_database())::text AS size');
    return {
      users: N,
      days: D,
      models: M,
      firstDay: (await pool.query(`SELECT ${first}::text AS d`)).rows[0].d,
      lastDay: today,
      rowCounts: counts,
      databaseBytes: Number(size),
      buildSeconds: Math.round(performance.now() - started) / 1000,
      phases,
    };
  } finally {
    await pool.end();
  }
}

export async function verifyDataset() {
  const client = new pg.Client({ connectionString: benchUrl(), options: '-c timezone=UTC' });
  await client.connect();
  try {
    const mismatches = {};
    for (const [table, { actual, rebuilt }] of Object.entries(REBUILDS)) {
      const { rows } = await client.query(
        `SELECT (SELECT count(*) FROM ((${actual}) EXCEPT ALL (${rebuilt})) a) + (SELECT count(*) FROM ((${rebuilt}) EXCEPT ALL (${actual})) b) AS n`,
      );
      if (Number(rows[0].n) !== 0) mismatches[table] = Number(rows[0].n);
    }
    const { rows } = await client.query(`
      SELECT count(*) AS n FROM usage_stats s
        JOIN (SELECT usage_stats_id, sum(input_tokens + output_tokens + cache_creation_input_tokens + cache_read_input_tokens) AS t,
                     sum(cost) AS c FROM model_usage GROUP BY usage_stats_id) m ON m.usage_stats_id = s.id
       WHERE m.t <> s.total_tokens OR m.c <> s.total_cost`);
    if (Number(rows[0].n) !== 0) mismatches.usage_stats_vs_model_usage = Number(rows[0].n);
    if (Object.keys(mismatches).length) throw new Error(`summary tables differ from their rebuilds: ${JSON.stringify(mismatches)}`);
  } finally {
    await client.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [users = 1000, days = 365, models = 3] = process.argv.slice(2).map(Number);
  const result = await buildDataset({ users, days, models });
  if (process.env.BENCH_VERIFY === '1') await verifyDataset();
  console.log(JSON.stringify(result, null, 2));
}
