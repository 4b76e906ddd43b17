import fc from 'fast-check';
import type { FuzzCase } from './case.js';
import { failureMessage, type FuzzRunner } from './runner.js';

/**
 * How much to fuzz, from the environment:
 * - FUZZ_RUNS: the total number of cases, split across the properties by weight (default: a CI
 *   sized run). Setting it makes a campaign: failures are counted and the run goes on to the end.
 * - FUZZ_KEEP_GOING=1/0: count failures and go on, or stop at the first and shrink it (the
 *   default without FUZZ_RUNS).
 * - FUZZ_SEED (and FUZZ_PATH): replay what fast-check printed for a failure. The service's state
 *   differs between runs (accepted uploads, registrations), so a replay sends the same requests
 *   but may meet other data; the printed counterexample is a complete request to try by hand.
 * - FUZZ_BIG=1: bodies up to the size that issue 8 found slow (10 MB), not just up to ~1 MB.
 * - FUZZ_TIMEOUT_MS: the time bound of one request (default 10 s).
 */
export const DEFAULT_RUNS = 2000;

export const SETTINGS = {
  totalRuns: Number(process.env.FUZZ_RUNS ?? DEFAULT_RUNS),
  campaign: process.env.FUZZ_RUNS !== undefined,
  keepGoing: process.env.FUZZ_KEEP_GOING !== undefined ? process.env.FUZZ_KEEP_GOING === '1' : process.env.FUZZ_RUNS !== undefined,
  /** Chosen here when not given, so that the counts printed at the end name it too. */
  seed: process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0,
  path: process.env.FUZZ_PATH,
  big: process.env.FUZZ_BIG === '1',
  /** After the first failure, fast-check shrinks it for at most this long (a hang costs a restart per try). */
  shrinkBudgetMs: Number(process.env.FUZZ_SHRINK_MS ?? 60_000),
};

/** This property's share of the total. */
export function runsFor(weight: number, totalWeight: number): number {
  return Math.max(1, Math.round((SETTINGS.totalRuns * weight) / totalWeight));
}

/** A generous bound for jest: every case may take its time bound, plus restarts. */
export function jestTimeout(runs: number): number {
  return 120_000 + runs * 3_000;
}

/**
 * Runs `runs` cases of `cases` through the runner. Without keep-going, the first failing case
 * fails the property and fast-check shrinks it (within the budget) and prints it with the seed
 * and path that replay it. With keep-going, every failure is counted in runner.stats and the
 * property fails at the end, listing examples.
 */
export async function fuzz(runner: FuzzRunner, name: string, cases: fc.Arbitrary<FuzzCase>, runs: number): Promise<void> {
  let firstFailure: number | undefined;
  const failuresBefore = runner.stats.failureCount;
  const messages: string[] = [];
  runner.shrinking = false;
  try {
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        if (firstFailure !== undefined && Date.now() - firstFailure > SETTINGS.shrinkBudgetMs) return true;
        const failures = await runner.run(c);
        if (failures.length === 0) return true;
        const message = failureMessage(c, failures);
        if (SETTINGS.keepGoing) {
          if (messages.length < 20) messages.push(message);
          return true;
        }
        if (firstFailure === undefined) {
          firstFailure = Date.now();
          runner.shrinking = true;
        }
        throw new Error(message);
      }),
      { numRuns: runs, seed: SETTINGS.seed, path: SETTINGS.path, endOnFailure: false },
    );
  } finally {
    runner.shrinking = false;
  }
  const found = runner.stats.failureCount - failuresBefore;
  if (found > 0) throw new Error(`${name}: ${found} failures in ${runs} cases; the first ones:\n\n${messages.join('\n\n')}`);
}
