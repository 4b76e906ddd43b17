/**
 * What privacy and team boards cost at community scale (issue 13), as ratios against a baseline of
 * the same run: the community leaderboard (30 days, by cost) asked anonymously while everyone is
 * public. docs/benchmarks.md ("Privacy and team boards") explains the numbers.
 *
 *   npm run bench:privacy      (builds dist/, then node bench/privacy.mjs)
 *
 * 1. The dataset of bench/build-dataset.mjs (BENCH_USERS 10,000 × BENCH_DAYS 90 × 3 models) in a
 *    database of its own (BENCH_DATABASE_NAME, default ccs_bench_privacy), then set-based: 200 public
 *    teams of 50 consecutive users and one team of 5,000 (every even id; the cap), and a token for
 *    two members of one 50-member team (one also in the big team).
 * 2. Per mode (`index`: the service as shipped, measured once the ranking index is built; `sql`:
 *    RANKING_INDEX=false), one service with COALESCE_READS=false (every request computes its own
 *    answer, as those of different signed-in callers do; BENCH_COALESCE=true keeps coalescing),
 *    and the cases in two phases on the same data: `public`
 *    (everyone public) and `private` (one UPDATE: 10 % of users `visibility='teams'`, 1 % `private`,
 *    5 % `show_cost=false`, chosen by hashes of the id, so some of every team is hidden). Privacy
 *    needs no restart: the audience is read with every request (docs/privacy.md).
 * 3. Each case right after its own baseline (the community board, anonymous, everyone public: a
 *    private case switches the settings off for its baseline and on again), because the machine's
 *    speed drifts within a run. Both with autocannon, BENCH_CONNECTIONS (16) connections, 1 s
 *    warm-up then BENCH_DURATION (3) s; p50, p99, req/s. Every answer must have the expected status,
 *    and each board's `total` (how many users it ranks) must equal a count made here in plain SQL
 *    from the rule of docs/privacy.md. **ratio** = case p99 / its baseline's p99.
 *    Beside latency, the service's own CPU per answer (from /proc, less its idle rate measured for
 *    3 s after start), which other work on a shared machine changes least: **CPU ratio** = its CPU
 *    per answer / its baseline's.
 * 4. The audience statement alone (src/directory/audience.ts, captured as the service sends it),
 *    under the private settings, for an anonymous caller and two members: 300 calls each through
 *    `Audiences.of` (the callers in turn, so drift falls on all alike), and EXPLAIN (ANALYZE, BUFFERS)
 *    three times each (median execution), also without the partial index (dropped in a transaction
 *    that rolls back: the table read instead).
 * 5. The SQL ranking's statement alone (`StatsRepository.leaderboard`, 30 days by cost) for each
 *    admission the cases use (everyone, the anonymous audience, a team of 50, the team of 5,000):
 *    timed through the repository and explained the same way, to say where the SQL rows' time goes.
 *
 * Writes bench/results/<start>-privacy.json and prints a table. The database is dropped at the end
 * unless BENCH_KEEP=1. BENCH_MODES (default `index,sql`) picks the modes.
 */
import 'reflect-metadata';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { drizzle } from 'drizzle-orm/node-postgres';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { machine } from './lib/machine.mjs';

// A database of its own, so the other benchmarks' `ccs_bench` is never dropped under them.
process.env.BENCH_DATABASE_NAME ??= 'ccs_bench_privacy';
const { benchUrl, buildDataset, dropBenchDatabase } = await import('./build-dataset.mjs');
const { startService } = await import('./lib/service.mjs');
const schema = await import('../dist/db/schema.js');
const { Audiences } = await import('../dist/directory/audience.js');
const { Admission } = await import('../dist/read-model/admission.js');
const { periodRange } = await import('../dist/read-model/periods.js');
const { StatsRepository } = await import('../dist/usage/stats.repository.js');

const env = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const settings = {
  users: env('BENCH_USERS', 10_000),
  days: env('BENCH_DAYS', 90),
  models: 3,
  connections: env('BENCH_CONNECTIONS', 16),
  duration: env('BENCH_DURATION', 3),
  warmup: 1,
  modes: (process.env.BENCH_MODES ?? 'index,sql').split(','),
  // Off: every request computes its own answer, as requests of different signed-in callers do
  // (coalescing shares a computation only between identical requests of the same caller).
  coalesce: process.env.BENCH_COALESCE === 'true',
  smallTeams: 200,
  smallTeamSize: 50,
  bigTeamSize: 5_000,
  audienceCalls: 300,
  sqlRankingCalls: 5,
  explainRounds: 3,
};
const log = (message) => process.stderr.write(`[privacy] ${message}\n`);
const round = (n, places = 2) => Math.round(n * 10 ** places) / 10 ** places;
const BOARD = 'period=30d&metric=cost&limit=50';

// Buckets of a hash of the id: deterministic, and spread across the teams of consecutive ids.
const bucket = (salt) => `((hashint4(id + ${salt}) & 2147483647) % 1000)`;
const PRIVACY_UPDATE = `
  UPDATE users SET visibility = CASE WHEN ${bucket(0)} < 100 THEN 'teams' WHEN ${bucket(0)} < 110 THEN 'private' ELSE 'public' END,
                   show_cost = ${bucket(7919)} >= 50
   WHERE ${bucket(0)} < 110 OR ${bucket(7919)} < 50`;
const PUBLIC_AGAIN = `UPDATE users SET visibility = 'public', show_cost = true WHERE visibility <> 'public' OR NOT show_cost`;

/** The private settings on or off; VACUUM so the partial index holds no dead entries, as it would at rest. */
async function setPrivacy(pool, on) {
  await pool.query(on ? PRIVACY_UPDATE : PUBLIC_AGAIN);
  await pool.query('VACUUM (ANALYZE) users');
}

/** Teams, memberships and two tokens, set-based. The team of 5,000 is every even id. */
async function setUpTeams(pool) {
  const { smallTeams: T, smallTeamSize: S, bigTeamSize: B } = settings;
  if (settings.users < Math.max(T * S, 2 * B)) throw new Error(`BENCH_USERS must be at least ${Math.max(T * S, 2 * B)}`);
  await pool.query(`INSERT INTO teams (id, slug, name, visibility)
                    SELECT t, 'team-' || lpad(t::text, 3, '0'), 'Team ' || t, 'public' FROM generate_series(1, ${T}) t`);
  await pool.query(`INSERT INTO teams (id, slug, name, visibility) VALUES (${T + 1}, 'big-team', 'The big team', 'public')`);
  await pool.query(`SELECT setval('teams_id_seq', ${T + 1})`);
  await pool.query(`INSERT INTO team_members (team_id, user_id, role)
                    SELECT (u - 1) / ${S} + 1, u, CASE WHEN (u - 1) % ${S} = 0 THEN 'owner' ELSE 'member' END
                      FROM generate_series(1, ${T * S}) u`);
  await pool.query(`INSERT INTO team_members (team_id, user_id, role)
                    SELECT ${T + 1}, 2 * k, CASE WHEN k = 1 THEN 'owner' ELSE 'member' END FROM generate_series(1, ${B}) k`);
}

/**
 * The 50-member team with the most members who choose `teams` (once the privacy UPDATE is applied),
 * two of its public members who show their cost (one odd id: in no other team; one even: also in the
 * big team), a token for each, and users to ask profiles of. Read under the private settings, then
 * the settings are put back.
 */
async function chooseSubjects(pool) {
  await pool.query(PRIVACY_UPDATE);
  const q = async (text) => (await pool.query(text)).rows;
  const [team] = await q(`
    SELECT t.id, t.slug, count(*) FILTER (WHERE u.visibility = 'teams')::int AS teams_members,
           count(*) FILTER (WHERE u.visibility = 'private')::int AS private_members,
           count(*) FILTER (WHERE NOT u.show_cost)::int AS cost_hidden_members
      FROM teams t JOIN team_members m ON m.team_id = t.id JOIN users u ON u.id = m.user_id
     WHERE t.slug <> 'big-team' GROUP BY t.id, t.slug ORDER BY 3 DESC, 1 LIMIT 1`);
  const member = async (parity) =>
    (
      await q(`SELECT u.id, u.username FROM team_members m JOIN users u ON u.id = m.user_id
                WHERE m.team_id = ${team.id} AND u.visibility = 'public' AND u.show_cost AND u.id % 2 = ${parity}
                ORDER BY u.id LIMIT 1`)
    )[0];
  const outsider = await member(1);
  const bigMember = await member(0);
  const hiddenUsers = (await q(`SELECT username FROM users WHERE visibility = 'private' ORDER BY id LIMIT 32`)).map((r) => r.username);
  const publicUsers = (await q(`SELECT username FROM users WHERE visibility = 'public' AND show_cost ORDER BY id LIMIT 32`)).map((r) => r.username);
  const [counts] = await q(`
    SELECT count(*) FILTER (WHERE visibility = 'teams')::int AS teams, count(*) FILTER (WHERE visibility = 'private')::int AS private,
           count(*) FILTER (WHERE NOT show_cost)::int AS show_cost_false,
           count(*) FILTER (WHERE visibility <> 'public' OR NOT show_cost)::int AS in_private_index,
           (SELECT count(*)::int FROM (SELECT m.team_id FROM team_members m JOIN users u ON u.id = m.user_id
                                        WHERE u.visibility <> 'public' GROUP BY m.team_id) x) AS teams_with_hidden_members,
           (SELECT count(*)::int FROM team_members m JOIN users u ON u.id = m.user_id
             WHERE m.team_id = ${settings.smallTeams + 1} AND u.visibility <> 'public') AS big_team_hidden_members
      FROM users`);
  await pool.query(PUBLIC_AGAIN);
  const token = async (user) => {
    const value = `ccs_${randomBytes(32).toString('base64url')}`;
    await pool.query(`INSERT INTO api_tokens (user_id, name, token_hash, prefix) VALUES ($1, 'bench', $2, $3)`, [
      user.id,
      createHash('sha256').update(value).digest('hex'),
      value.slice(0, 10),
    ]);
    return value;
  };
  return {
    team,
    outsider: { ...outsider, token: await token(outsider) },
    bigMember: { ...bigMember, token: await token(bigMember) },
    hiddenUsers,
    publicUsers,
    privacy: counts,
  };
}

/**
 * How many users a board by cost must rank for a viewer (0: anonymous) and a team (null: the
 * community), from docs/privacy.md's rule written here on its own: the viewer themself, or a user
 * who shows cost and is public, or chose `teams` and shares a team with the viewer. Every user has
 * every day of the dataset, so every user is active in the last 30 days.
 */
async function expectedTotal(pool, viewerId, teamId) {
  const { rows } = await pool.query(
    `SELECT count(*)::int AS n FROM users u
      WHERE ($2::int IS NULL OR EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = $2 AND m.user_id = u.id))
        AND (u.id = $1 OR (u.show_cost AND (u.visibility = 'public' OR (u.visibility = 'teams' AND EXISTS (
              SELECT 1 FROM team_members a JOIN team_members b ON b.team_id = a.team_id WHERE a.user_id = $1 AND b.user_id = u.id)))))`,
    [viewerId, teamId],
  );
  return rows[0].n;
}

function cannon(base, paths, token, seconds) {
  let next = 0;
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  return autocannon({
    url: base,
    connections: settings.connections,
    duration: seconds,
    requests: [{ method: 'GET', headers, setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length] }) }],
  });
}

/** One case: a check of its answer, a warm-up, the measurement; fails the run on any other status. */
async function measure(service, c) {
  const { base } = service;
  const res = await fetch(base + c.paths[0], { headers: c.token ? { authorization: `Bearer ${c.token}` } : {} });
  const body = await res.json();
  if (res.status !== c.status) throw new Error(`${c.name}: ${res.status}, expected ${c.status}: ${JSON.stringify(body).slice(0, 300)}`);
  if (c.total !== undefined && body.total !== c.total) throw new Error(`${c.name}: ranks ${body.total} users, expected ${c.total}`);
  await cannon(base, c.paths, c.token, settings.warmup);
  const cpuBefore = cpuMs(service.pid);
  const started = performance.now();
  const run = await cannon(base, c.paths, c.token, settings.duration);
  // Less what the service spends with no request (catch-ups, folds), which weighs on few answers.
  const cpu = cpuMs(service.pid) - cpuBefore - (service.idleCpuMsPerSecond * (performance.now() - started)) / 1000;
  const answered = Object.values(run.statusCodeStats).reduce((sum, s) => sum + s.count, 0);
  const right = run.statusCodeStats[c.status]?.count ?? 0;
  if (answered === 0) throw new Error(`${c.name}: no answer within ${settings.duration} s (raise BENCH_DURATION)`);
  if (right !== answered || run.errors || run.timeouts) {
    throw new Error(`${c.name}: ${JSON.stringify(run.statusCodeStats)}, ${run.errors} errors, ${run.timeouts} timeouts`);
  }
  return {
    case: c.name,
    path: c.paths[0],
    caller: c.caller,
    status: c.status,
    ranked: c.total ?? null,
    p50: run.latency.p50,
    p99: run.latency.p99,
    rps: round(run.requests.average, 1),
    requests: answered,
    // The service's own CPU per answer, net of its idle rate: what other work on the machine changes least.
    cpuMsPerRequest: round(Math.max(0, cpu) / answered, 3),
    loadAverage: round(os.loadavg()[0]),
  };
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU time (user + system) a process has used, in ms, from /proc. */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** The service's CPU ms per second over 3 s with no request. */
async function idleCpu(pid) {
  const before = cpuMs(pid);
  const started = performance.now();
  await new Promise((r) => setTimeout(r, 3000));
  return ((cpuMs(pid) - before) * 1000) / (performance.now() - started);
}

async function indexBuilt(base) {
  const started = performance.now();
  for (;;) {
    const text = await (await fetch(`${base}/metrics`)).text();
    if (/^ccstats_ranking_index_ready 1$/m.test(text)) return Math.round(performance.now() - started);
    if (performance.now() - started > 300_000) throw new Error('the ranking index was not built within 5 minutes');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One mode: its service, then the public, private and public-again phases. */
async function runMode(mode, pool, subjects) {
  const service = await startService({
    DATABASE_URL: benchUrl(),
    METRICS_PUBLIC: 'true',
    RANKING_INDEX: mode === 'index' ? 'true' : 'false',
    COALESCE_READS: settings.coalesce ? 'true' : 'false',
  });
  const rows = [];
  try {
    const indexWaitMs = mode === 'index' ? await indexBuilt(service.base) : undefined;
    if (indexWaitMs !== undefined) log(`index: built ${indexWaitMs} ms after ready`);
    service.idleCpuMsPerSecond = await idleCpu(service.pid);
    log(`${mode}: the service uses ${round(service.idleCpuMsPerSecond)} ms of CPU a second with no request`);
    const { team, outsider, bigMember } = subjects;
    const big = settings.smallTeams + 1;
    const board = (prefix) => [`/api/v1${prefix}/leaderboard?${BOARD}`];
    const cases = async () => [
      { name: 'community board', caller: 'anonymous', paths: board(''), status: 200, total: await expectedTotal(pool, 0, null) },
      {
        name: 'community board',
        caller: `member of ${team.slug}`,
        token: outsider.token,
        paths: board(''),
        status: 200,
        total: await expectedTotal(pool, outsider.id, null),
      },
      {
        name: `team board, 50 (${team.slug})`,
        caller: 'anonymous',
        paths: board(`/teams/${team.slug}`),
        status: 200,
        total: await expectedTotal(pool, 0, team.id),
      },
      { name: 'team board, 5,000 (big-team)', caller: 'anonymous', paths: board('/teams/big-team'), status: 200, total: await expectedTotal(pool, 0, big) },
      {
        name: 'team board, 5,000 (big-team)',
        caller: 'member of big-team',
        token: bigMember.token,
        paths: board('/teams/big-team'),
        status: 200,
        total: await expectedTotal(pool, bigMember.id, big),
      },
      { name: 'profile, public user', caller: 'anonymous', paths: subjects.publicUsers.map((u) => `/api/v1/users/${u}`), status: 200, profile: true },
    ];
    const hiddenProfile = {
      name: 'profile, private user (404)',
      caller: 'anonymous',
      paths: subjects.hiddenUsers.map((u) => `/api/v1/users/${u}`),
      status: 404,
      profile: true,
    };
    // Profiles do not touch the ranking index: measured once, in the index mode.
    const keep = (list) => (mode === 'index' ? list : list.filter((c) => !c.profile));
    const publicCases = await cases();
    const baseline = publicCases[0];
    await setPrivacy(pool, true);
    const privateCases = await cases();
    await setPrivacy(pool, false);
    // Each case right after a baseline of its own (the machine is shared: its speed drifts within
    // a run); a private case switches the settings for its baseline and back.
    const run = async (phase, list) => {
      for (const c of list) {
        if (phase === 'private') await setPrivacy(pool, false);
        const base = await measure(service, baseline);
        if (phase === 'private') await setPrivacy(pool, true);
        const row = {
          mode,
          phase,
          ...(await measure(service, c)),
          baselineP50: base.p50,
          baselineP99: base.p99,
          baselineRps: base.rps,
          baselineCpuMsPerRequest: base.cpuMsPerRequest,
        };
        row.ratio = round(row.p99 / base.p99);
        row.p50Ratio = round(row.p50 / base.p50);
        row.cpuRatio = round(row.cpuMsPerRequest / base.cpuMsPerRequest);
        rows.push(row);
        log(
          `${mode} ${phase}: ${row.case}, ${row.caller}: p50 ${row.p50} ms, p99 ${row.p99} ms, ${row.rps} req/s; baseline p99 ${base.p99} ms; ratio ${row.ratio}`,
        );
      }
    };
    await run('public', keep(publicCases.slice(1)));
    await run('private', keep([...privateCases.slice(0, 5), hiddenProfile, privateCases[5]]));
    await setPrivacy(pool, false);
    return { mode, indexWaitMs, idleCpuMsPerSecond: round(service.idleCpuMsPerSecond), rows };
  } finally {
    await service.stop();
  }
}

/** A Drizzle instance over `pool` that remembers the last statement it executed, as sent. */
function recordingDb(pool) {
  const db = drizzle({ client: pool, schema });
  const dialect = new PgDialect();
  const recorder = { last: undefined };
  recorder.db = new Proxy(db, {
    get: (target, prop) =>
      prop === 'execute'
        ? (query) => {
            recorder.last = dialect.sqlToQuery(query);
            return target.execute(query);
          }
        : Reflect.get(target, prop),
  });
  return recorder;
}

/** EXPLAIN (ANALYZE, BUFFERS) of a captured statement, after optional statements, in a transaction rolled back. */
async function explain(pool, query, settingsSql = []) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    for (const s of settingsSql) await client.query(s);
    const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${query.sql}`, query.params);
    await client.query('ROLLBACK');
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    return { plan, executionMs: Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1]), planningMs: Number(/Planning Time: ([\d.]+) ms/.exec(plan)?.[1]) };
  } finally {
    client.release();
  }
}

/**
 * Sequential calls of each of `fns` in turn, `rounds` times after `warm` untimed rounds, so the
 * machine's drift falls on all of them alike: p50 and p99 in ms per function.
 */
async function timeInterleaved(fns, warm, rounds) {
  const times = fns.map(() => []);
  for (let r = 0; r < warm + rounds; r++) {
    for (let i = 0; i < fns.length; i++) {
      const t = performance.now();
      await fns[i]();
      if (r >= warm) times[i].push(performance.now() - t);
    }
  }
  return times.map((list) => {
    list.sort((x, y) => x - y);
    const at = (p) => round(list[Math.min(list.length - 1, Math.ceil(p * list.length) - 1)]);
    return { p50: at(0.5), p99: at(0.99), calls: list.length };
  });
}

/** EXPLAIN ANALYZE of each query in turn, `rounds` times: the last plan of each and its median execution time. */
async function explainInterleaved(pool, queries, rounds, settingsSql) {
  const plans = queries.map(() => []);
  for (let r = 0; r < rounds; r++) for (let i = 0; i < queries.length; i++) plans[i].push(await explain(pool, queries[i], settingsSql));
  return plans.map((list) => {
    const sorted = list.map((p) => p.executionMs).sort((x, y) => x - y);
    return { ...list.at(-1), executionMs: sorted[Math.floor(sorted.length / 2)], executionMsRuns: list.map((p) => p.executionMs) };
  });
}

const callersOf = (subjects) => [
  ['anonymous', { kind: 'anonymous' }],
  [`member of ${subjects.team.slug}`, { kind: 'user', userId: subjects.outsider.id, username: subjects.outsider.username, tokenId: 0 }],
  ['member of big-team', { kind: 'user', userId: subjects.bigMember.id, username: subjects.bigMember.username, tokenId: 0 }],
];

/**
 * The audience statement as the service sends it (captured from `Audiences.of`), explained and
 * timed under the private settings, and explained again without the partial index (the table read).
 */
async function audienceAlone(pool, subjects) {
  const recorder = recordingDb(pool);
  const audiences = new Audiences(recorder.db);
  const callers = callersOf(subjects);
  const found = [];
  for (const [, principal] of callers) found.push({ audience: await audiences.of(principal), query: recorder.last });
  const calls = await timeInterleaved(
    callers.map(
      ([, principal]) =>
        () =>
          audiences.of(principal),
    ),
    20,
    settings.audienceCalls,
  );
  const queries = found.map((f) => f.query);
  const plans = await explainInterleaved(pool, queries, settings.explainRounds);
  // The same statement without the partial index (dropped inside the EXPLAIN's transaction, which
  // rolls back; no service runs by now): what reading the users table instead costs.
  const tableReads = await explainInterleaved(pool, queries, settings.explainRounds, ['DROP INDEX users_private_idx']);
  return callers.map(([name], i) => {
    const { audience, query } = found[i];
    const row = {
      caller: name,
      hidden: audience.hiddenIds().length,
      costHidden: audience.costHiddenIds().length,
      callMs: calls[i],
      readsPartialIndex: /users_private_idx/.test(plans[i].plan),
      explain: plans[i],
      withoutPartialIndex: tableReads[i],
      sql: query.sql,
      params: query.params,
    };
    log(
      `audience, ${name}: ${row.hidden} hidden, ${row.costHidden} cost-hidden; call p50 ${row.callMs.p50} ms; execution ${row.explain.executionMs} ms (without the partial index: ${row.withoutPartialIndex.executionMs} ms)`,
    );
    return row;
  });
}

/**
 * The SQL ranking's statement (RANKING_INDEX=false, and any range the index cannot answer) for the
 * 30-day board by cost, as `StatsRepository.leaderboard` sends it, for the admissions the HTTP cases
 * use: everyone, the anonymous audience, a team of 50 and the team of 5,000. Timed through the
 * repository and explained, to say where the SQL cases' time goes.
 */
async function sqlRankingAlone(pool, subjects) {
  const recorder = recordingDb(pool);
  const audiences = new Audiences(drizzle({ client: pool, schema }));
  const repository = new StatsRepository(recorder.db);
  const range = periodRange('30d', new Date().toISOString().slice(0, 10));
  const anonymous = await audiences.of({ kind: 'anonymous' });
  const membersOf = async (teamId) => (await pool.query('SELECT user_id FROM team_members WHERE team_id = $1', [teamId])).rows.map((r) => r.user_id);
  const admissions = [
    ['everyone (no filter)', Admission.EVERYONE],
    ['anonymous audience', Admission.of(anonymous, 'cost')],
    [`${subjects.team.slug} (50), anonymous`, Admission.of(anonymous, 'cost', { teamId: subjects.team.id, userIds: await membersOf(subjects.team.id) })],
    ['big-team (5,000), anonymous', Admission.of(anonymous, 'cost', { teamId: settings.smallTeams + 1, userIds: await membersOf(settings.smallTeams + 1) })],
  ];
  const ranks = admissions.map(
    ([, admission]) =>
      () =>
        repository.leaderboard(range, 'cost', 50, 0, new Set(), admission),
  );
  const found = [];
  for (const rank of ranks) found.push({ rows: await rank(), query: recorder.last });
  const calls = await timeInterleaved(ranks, 1, settings.sqlRankingCalls);
  const plans = await explainInterleaved(
    pool,
    found.map((f) => f.query),
    settings.explainRounds,
  );
  return admissions.map(([name], i) => {
    const row = { admission: name, ranked: found[i].rows[0] ? Number(found[i].rows[0].total) : 0, callMs: calls[i], explain: plans[i] };
    log(`SQL ranking, ${name}: ${row.ranked} ranked; call p50 ${row.callMs.p50} ms; execution ${row.explain.executionMs} ms`);
    return row;
  });
}

function table(rows) {
  const header = [
    'mode',
    'phase',
    'case',
    'caller',
    'status',
    'ranked',
    'p50 ms',
    'p99 ms',
    'req/s',
    'base p50',
    'base p99',
    'ratio',
    'p50 ratio',
    'CPU ms/req',
    'CPU ratio',
    'load',
  ];
  const cells = rows.map((r) => [
    r.mode,
    r.phase,
    r.case,
    r.caller,
    r.status,
    r.ranked ?? '',
    r.p50,
    r.p99,
    r.rps,
    r.baselineP50,
    r.baselineP99,
    r.ratio,
    r.p50Ratio,
    r.cpuMsPerRequest,
    r.cpuRatio,
    r.loadAverage,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => String(row[i]).length)));
  const line = (row) => row.map((c, i) => (i < 4 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** Each mode's baselines: p99 and req/s, lowest, median and highest over the run. */
function baselineSpread(rows) {
  const spread = (values) => {
    const sorted = [...values].sort((x, y) => x - y);
    return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted.at(-1) };
  };
  const modes = [...new Set(rows.map((r) => r.mode))];
  return Object.fromEntries(
    modes.map((mode) => {
      const mine = rows.filter((r) => r.mode === mode);
      return [
        mode,
        {
          runs: mine.length,
          p50: spread(mine.map((r) => r.baselineP50)),
          p99: spread(mine.map((r) => r.baselineP99)),
          rps: spread(mine.map((r) => r.baselineRps)),
          cpuMsPerRequest: spread(mine.map((r) => r.baselineCpuMsPerRequest)),
        },
      ];
    }),
  );
}

async function main() {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const loadAtStart = os.loadavg().map((n) => round(n));
  log(`dataset: ${settings.users} users × ${settings.days} days × ${settings.models} models in ${process.env.BENCH_DATABASE_NAME}`);
  const dataset = await buildDataset(settings);
  const pool = new pg.Pool({ connectionString: benchUrl(), max: 4, options: '-c timezone=UTC', application_name: 'ccs-bench-privacy' });
  try {
    await setUpTeams(pool);
    const subjects = await chooseSubjects(pool);
    await pool.query('VACUUM (ANALYZE) users, teams, team_members, api_tokens');
    log(
      `privacy: ${JSON.stringify(subjects.privacy)}; team ${subjects.team.slug}: ${subjects.team.teams_members} teams, ${subjects.team.private_members} private`,
    );
    const modes = [];
    for (const mode of settings.modes) modes.push(await runMode(mode, pool, subjects));

    const rows = modes.flatMap((m) => m.rows);
    const baselines = baselineSpread(rows);

    await setPrivacy(pool, true);
    const audience = await audienceAlone(pool, subjects);
    const sqlRanking = await sqlRankingAlone(pool, subjects);

    const report = {
      startedAt,
      settings,
      machine: { ...(await machine(pool)), loadAverageAtStart: loadAtStart, loadAverageAtEnd: os.loadavg().map((n) => round(n)) },
      dataset,
      privacy: {
        ...subjects.privacy,
        team: subjects.team,
        members: { outsider: subjects.outsider.username, bigMember: subjects.bigMember.username },
        update: PRIVACY_UPDATE.replace(/\s+/g, ' ').trim(),
      },
      baselines,
      indexWaitMs: Object.fromEntries(modes.map((m) => [m.mode, m.indexWaitMs ?? null])),
      idleCpuMsPerSecond: Object.fromEntries(modes.map((m) => [m.mode, m.idleCpuMsPerSecond])),
      rows,
      audience,
      sqlRanking,
      totalSeconds: round((performance.now() - started) / 1000, 1),
    };
    const dir = fileURLToPath(new URL('./results/', import.meta.url));
    mkdirSync(dir, { recursive: true });
    const file = `${dir}${startedAt.replace(/[:.]/g, '-')}-privacy.json`;
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);

    const m = report.machine;
    console.log(
      `\nprivacy: ${settings.users} users × ${settings.days} days × ${settings.models} models (build ${dataset.buildSeconds} s), ` +
        `${settings.connections} connections, ${settings.duration} s per case, coalescing ${settings.coalesce ? 'on' : 'off'}; ${m.cpuCount} × ${m.cpuModel}, PostgreSQL ${m.postgres}, node ${m.node}`,
    );
    const p = subjects.privacy;
    console.log(
      `users: ${p.teams} teams, ${p.private} private, ${p.show_cost_false} show_cost=false (${p.in_private_index} in users_private_idx); ` +
        `${p.teams_with_hidden_members} of ${settings.smallTeams + 1} teams have hidden members, big-team ${p.big_team_hidden_members}; ` +
        `${subjects.team.slug}: ${subjects.team.teams_members} teams, ${subjects.team.private_members} private, ${subjects.team.cost_hidden_members} hide cost\n`,
    );
    console.log(table(rows));
    for (const [mode, b] of Object.entries(baselines)) {
      console.log(
        `${mode} (idle: ${report.idleCpuMsPerSecond[mode]} ms CPU/s) baselines (community board, anonymous, everyone public; ${b.runs} runs): p99 ${b.p99.min} / ${b.p99.median} / ${b.p99.max} ms, ` +
          `p50 ${b.p50.min} / ${b.p50.median} / ${b.p50.max} ms, req/s ${b.rps.min} / ${b.rps.median} / ${b.rps.max}, ` +
          `CPU ms/req ${b.cpuMsPerRequest.min} / ${b.cpuMsPerRequest.median} / ${b.cpuMsPerRequest.max} (lowest / median / highest)`,
      );
    }
    console.log(
      "ratio = p99 / the p99 of the baseline measured just before the case; p50 ratio likewise; CPU ratio = the service's CPU ms per answer / the baseline's",
    );
    console.log('\naudience statement alone (private settings):');
    for (const a of audience) {
      console.log(
        `  ${a.caller}: ${a.hidden} hidden, ${a.costHidden} cost-hidden; call p50 ${a.callMs.p50} ms, p99 ${a.callMs.p99} ms; ` +
          `execution ${a.explain.executionMs} ms (plan ${a.explain.planningMs} ms), partial index: ${a.readsPartialIndex ? 'yes' : 'NO'}; ` +
          `without the partial index: ${a.withoutPartialIndex.executionMs} ms`,
      );
    }
    console.log('\nthe SQL ranking statement alone (30 days by cost, private settings):');
    for (const r of sqlRanking) {
      console.log(`  ${r.admission}: ${r.ranked} ranked; call p50 ${r.callMs.p50} ms, p99 ${r.callMs.p99} ms; execution ${r.explain.executionMs} ms`);
    }
    console.log(`\n${audience[0].explain.plan}\n\nwritten ${file} (${report.totalSeconds} s in all)`);
  } finally {
    await pool.end();
    if (process.env.BENCH_KEEP === '1') log(`BENCH_KEEP=1: ${process.env.BENCH_DATABASE_NAME} is kept`);
    else await dropBenchDatabase();
  }
}

await main();
