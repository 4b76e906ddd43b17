import type fc from 'fast-check';
import { BACKEND } from '../helpers/database.js';
import { otlpCases } from './arbitraries/otlp.js';
import { modelCases, operationsCases, statsCases, strayCases, teamCases, uploadCases, userReadCases, userWriteCases } from './arbitraries/routes.js';
import type { FuzzCase } from './harness/case.js';
import { fuzz, jestTimeout, runsFor, SETTINGS } from './harness/property.js';
import { FuzzRunner } from './harness/runner.js';

/**
 * Issue 8's proof: every route of the service, with generated paths, queries, credentials and
 * bodies mutated from the real ccusage samples (and, for the OTLP receiver, Claude Code's captures), against the service in a child process on this
 * run's backend. See harness/runner.ts for what each case must satisfy and harness/property.ts
 * for FUZZ_RUNS, FUZZ_SEED and the other knobs.
 */

// Weights: the share of the cases each group gets (uploads and writes cost more per case).
const GROUPS: Array<{ name: string; weight: number; cases: fc.Arbitrary<FuzzCase> }> = [
  { name: 'stats: leaderboard, summary, series, weekly, export', weight: 22, cases: statsCases },
  { name: 'models: list, series, top series, providers', weight: 16, cases: modelCases },
  { name: 'users: list, profile, usage, activity, ranks, sources, uploads, tokens, projects, privacy, telemetry status', weight: 16, cases: userReadCases },
  { name: 'users: register, issue and revoke tokens, delete, rename and hide projects, privacy', weight: 12, cases: userWriteCases },
  { name: 'uploads: mutated ccusage reports', weight: 20, cases: uploadCases(SETTINGS.big) },
  { name: 'operations: info, health, metrics, docs, maintenance', weight: 8, cases: operationsCases },
  { name: 'otlp: metrics and logs from mutated Claude Code captures', weight: 12, cases: otlpCases },
  { name: 'teams: teams, members, roles, invites, registration by invite', weight: 10, cases: teamCases },
  { name: 'stray methods and paths', weight: 6, cases: strayCases },
];
const TOTAL_WEIGHT = GROUPS.reduce((a, g) => a + g.weight, 0);

/**
 * Rate limits stay on (their store is written on every request, so it is fuzzed too) but out of
 * reach: a budget spent early would answer 429 to the rest of the run and hide the handlers. The
 * limits themselves are tested in their own specs. X-Forwarded-For is trusted from loopback, so
 * the generated values of that header become client addresses.
 */
const ROUTE_FUZZ_ENV = {
  RATE_LIMIT_REGISTRATION: '1000000/1s',
  RATE_LIMIT_AUTH_FAILURES: '1000000/1s',
  RATE_LIMIT_UPLOADS: '1000000/1s',
  RATE_LIMIT_TOKEN_ISSUANCE: '1000000/1s',
  RATE_LIMIT_TELEMETRY: '1000000/1s',
  RATE_LIMIT_TEAMS: '1000000/1s',
  TRUST_PROXY: 'loopback',
};

describe(`fuzz: every route (${BACKEND})`, () => {
  let runner: FuzzRunner;

  beforeAll(async () => {
    runner = await FuzzRunner.start({ env: ROUTE_FUZZ_ENV });
  }, 180_000);

  afterAll(async () => {
    if (!runner) return;
    process.stdout.write(`\n${runner.stats.report(`fuzz (${BACKEND}, seed ${SETTINGS.seed})`)}\n`);
    await runner.stop();
  }, 60_000);

  for (const group of GROUPS) {
    const runs = runsFor(group.weight, TOTAL_WEIGHT);
    test(`${group.name} (${runs} cases)`, () => fuzz(runner, group.name, group.cases, runs), jestTimeout(runs));
  }
});
