import type { FuzzCase } from './case.js';

export type FailureKind =
  | 'server-error'
  | 'timeout'
  | 'connection'
  | 'crash'
  | 'not-a-problem-body'
  | 'not-an-otlp-status'
  | 'changed-data'
  | 'live-down'
  | 'csv-formula'
  | 'log-line'
  | 'unexpected-status'
  | 'unexpected-answer';

export interface CaseFailure {
  kind: FailureKind;
  message: string;
  /** What makes failures the same bug (status and error code, say), to count them by cause. */
  signature?: string;
}

const MEMORY_EVERY = Number(process.env.FUZZ_MEMORY_EVERY ?? 0);

const inc = <K>(map: Map<K, number>, key: K, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

/** What a run did, for the table printed at the end (and the closing note of a long campaign). */
export class FuzzStats {
  cases = 0;
  /** Cases run while fast-check shrank a failure: not part of the sample. */
  shrinkCases = 0;
  readonly byGroup = new Map<string, number>();
  readonly byRoute = new Map<string, number>();
  readonly statuses = new Map<string, number>();
  readonly failures = new Map<FailureKind, number>();
  readonly signatures = new Map<string, number>();
  readonly examples: Array<{ kind: FailureKind; route: string; description: string; message: string }> = [];
  refusedChecked = 0;
  slowest = { ms: 0, route: '' };
  restarts = 0;
  /** Times the seeded users had to be restored (a case deleted or locked one out). */
  worldRepairs = 0;
  longestLogLine = 0;
  /** Time spent on the stored-data fingerprint, to keep an eye on its cost per case. */
  fingerprintMs = 0;
  fingerprints = 0;
  private readonly started = Date.now();

  record(c: FuzzCase, status: string, ms: number, failures: CaseFailure[], description: () => string, shrinking: boolean): void {
    if (shrinking) {
      this.shrinkCases += 1;
      return;
    }
    this.cases += 1;
    if (MEMORY_EVERY && this.cases % MEMORY_EVERY === 0) {
      const m = process.memoryUsage();
      const mb = (n: number) => `${Math.round(n / 1048576)} MB`;
      process.stderr.write(
        `fuzz memory after ${this.cases} cases: rss ${mb(m.rss)}, heap ${mb(m.heapUsed)}/${mb(m.heapTotal)}, external ${mb(m.external)}, buffers ${mb(m.arrayBuffers)}\n`,
      );
    }
    inc(this.byGroup, c.group);
    inc(this.byRoute, c.route);
    inc(this.statuses, status);
    if (ms > this.slowest.ms) this.slowest = { ms, route: c.route };
    for (const f of failures) {
      inc(this.failures, f.kind);
      inc(this.signatures, `${f.kind}: ${f.signature ?? c.route}`);
      // Enough examples of each kind to act on, not thousands of the same.
      if (this.examples.filter((e) => e.kind === f.kind).length < 10)
        this.examples.push({ kind: f.kind, route: c.route, description: description(), message: f.message });
    }
  }

  get failureCount(): number {
    return [...this.failures.values()].reduce((a, b) => a + b, 0);
  }

  report(title: string): string {
    const table = (map: Map<string, number>) =>
      [...map.entries()]
        .sort((a, b) => (a[0] < b[0] ? -1 : 1))
        .map(([k, n]) => `    ${k.padEnd(52)} ${n}`)
        .join('\n');
    const status5xx = [...this.statuses.entries()].filter(([s]) => /^5\d\d$/.test(s)).reduce((a, [, n]) => a + n, 0);
    const lines = [
      `${title}: ${this.cases} cases in ${((Date.now() - this.started) / 1000).toFixed(1)} s` +
        (this.shrinkCases ? ` (+${this.shrinkCases} while shrinking)` : ''),
      `  5xx: ${status5xx}, timeouts: ${this.statuses.get('timeout') ?? 0}, changed data on refusal: ${this.failures.get('changed-data') ?? 0}, ` +
        `failures: ${this.failureCount}, restarts: ${this.restarts}, seeded users restored: ${this.worldRepairs}, slowest: ${this.slowest.ms} ms (${this.slowest.route}), longest log line: ${this.longestLogLine} chars, ` +
        `fingerprint: ${this.fingerprints ? (this.fingerprintMs / this.fingerprints).toFixed(1) : '-'} ms on average`,
      '  cases per route group:',
      table(this.byGroup),
      '  cases per route:',
      table(this.byRoute),
      '  status codes:',
      table(this.statuses),
    ];
    if (this.failures.size) {
      lines.push('  failures by kind:', table(this.failures), '  failures by cause:', table(this.signatures), '  examples:');
      for (const e of this.examples) lines.push(`    [${e.kind}] ${e.route}\n      ${e.description}\n      ${e.message.replaceAll('\n', '\n      ')}`);
    }
    return lines.join('\n');
  }
}
