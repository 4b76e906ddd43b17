import { fixtureText } from '../../helpers/ccusage.js';
import { readStatus } from '../../helpers/otel-bodies.js';
import { type Auth, describeCase, type FuzzCase } from './case.js';
import { type Fingerprint, fingerprintDiff } from './fingerprint.js';
import { FuzzService, type Outcome, type WireRequest } from './service.js';
import { type CaseFailure, FuzzStats } from './stats.js';

/** What a known input must get, beyond what every case must. */
export interface Expectation {
  statuses?: number[];
  /** Returns what is wrong with the answer, if anything. */
  check?: (response: Extract<Outcome, { kind: 'response' }>) => string | undefined;
}

/** Tokens of the seeded users and the service's own secrets. */
export interface World {
  admin: string;
  metrics: string;
  alice: string;
  bob: string;
}

export const ADMIN_TOKEN = 'fuzz-admin-token-0123456789abcdefghijklmnop';
export const METRICS_TOKEN = 'fuzz-metrics-token-0123456789abcdefghijklmno';

/** What the seeded users upload first, so that reads hit real rows of every report shape. */
const SEED_UPLOADS: Array<{ user: 'alice' | 'bob'; fixture: string; device: string }> = [
  { user: 'alice', fixture: 'claude-daily.json', device: 'laptop' },
  { user: 'alice', fixture: 'daily-by-agent.json', device: 'desk' },
  { user: 'alice', fixture: 'claude-daily-instances.json', device: 'ci' },
  { user: 'alice', fixture: 'heavy-claude-daily.json', device: 'laptop' },
  { user: 'bob', fixture: 'mixed-claude-codex-daily.json', device: 'default' },
  { user: 'bob', fixture: 'legacy-v15.10.0/daily.json', device: 'old' },
  { user: 'bob', fixture: 'probe-claude-daily.json', device: 'probe' },
];

export interface RunnerOptions {
  /** Longest a request may take, answer included. */
  timeoutMs: number;
  /** Longest /health/live may take after a case. */
  liveTimeoutMs: number;
  /** The longest log line the service may write (item 8: whole SQL parameters were logged). */
  maxLogLine: number;
  /** Extra environment for the service. */
  env?: Record<string, string>;
}

export const DEFAULT_OPTIONS: RunnerOptions = {
  timeoutMs: Number(process.env.FUZZ_TIMEOUT_MS ?? 10_000),
  liveTimeoutMs: 5_000,
  maxLogLine: 64 * 1024,
};

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const FORMULA_START = /^[=+\-@\t\r]/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** RFC 4180 cells, enough to look at the first character of each. */
export function csvCells(text: string): string[] {
  const cells: string[] = [];
  let i = 0;
  while (i <= text.length) {
    if (text[i] === '"') {
      let cell = '';
      i++;
      while (i < text.length) {
        if (text[i] === '"' && text[i + 1] === '"') {
          cell += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else cell += text[i++];
      }
      cells.push(cell);
    } else {
      let end = i;
      while (end < text.length && text[end] !== ',' && text[end] !== '\r' && text[end] !== '\n') end++;
      cells.push(text.slice(i, end));
      i = end;
    }
    if (text[i] === '\r') i++;
    i++; // the comma or line feed
  }
  return cells;
}

/** A 4xx that is not a problem body, by who wrote it: Fastify's own errors carry a code. */
function plainErrorSignature(outcome: Extract<Outcome, { kind: 'response' }>): string {
  try {
    const body = JSON.parse(outcome.body.toString('utf8')) as { code?: unknown; error?: unknown };
    const code = body.code ?? body.error ?? 'JSON';
    return `${outcome.status} ${typeof code === 'string' ? code : JSON.stringify(code)}`;
  } catch {
    return `${outcome.status} ${String(outcome.headers['content-type'] ?? 'no content-type')}`;
  }
}

function problemFailure(outcome: Extract<Outcome, { kind: 'response' }>): string | undefined {
  const type = String(outcome.headers['content-type'] ?? '');
  if (!type.startsWith('application/problem+json'))
    return `content-type is ${JSON.stringify(type)}, not application/problem+json; body ${outcome.body.toString('utf8').slice(0, 300)}`;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(outcome.body.toString('utf8')) as Record<string, unknown>;
  } catch {
    return `the problem body is not JSON: ${outcome.body.toString('utf8').slice(0, 300)}`;
  }
  for (const field of ['type', 'title', 'detail'] as const)
    if (typeof body[field] !== 'string') return `the problem body has no string ${field}: ${JSON.stringify(body).slice(0, 300)}`;
  if (body.status !== outcome.status) return `the problem body says status ${String(body.status)}, the response ${outcome.status}`;
  return undefined;
}

/** A POST to the OTLP receiver (issue 12): its failures are google.rpc.Status bodies, per the OTLP/HTTP specification. */
export function isOtlpExport(method: string, path: string): boolean {
  return method === 'POST' && /^\/v1\/(metrics|logs)(\?|$)/.test(path);
}

/** An OTLP failure body: a google.rpc.Status with a message, as JSON or protobuf, in the content type it names. */
function otlpStatusFailure(outcome: Extract<Outcome, { kind: 'response' }>): string | undefined {
  const type = String(outcome.headers['content-type'] ?? '');
  if (type.startsWith('application/x-protobuf')) {
    try {
      const status = readStatus(outcome.body);
      return typeof status.message === 'string' && status.message.length > 0 ? undefined : 'the protobuf google.rpc.Status has no message';
    } catch (error) {
      return `the body is not a protobuf google.rpc.Status: ${(error as Error).message}`;
    }
  }
  if (!type.startsWith('application/json'))
    return `content-type is ${JSON.stringify(type)}, not an OTLP encoding; body ${outcome.body.toString('utf8').slice(0, 300)}`;
  try {
    const body = JSON.parse(outcome.body.toString('utf8')) as { message?: unknown; code?: unknown };
    if (typeof body.message !== 'string' || body.message.length === 0)
      return `the JSON google.rpc.Status has no message: ${JSON.stringify(body).slice(0, 300)}`;
    if (body.code !== undefined && typeof body.code !== 'number')
      return `the JSON google.rpc.Status has a code that is not a number: ${JSON.stringify(body).slice(0, 300)}`;
    return undefined;
  } catch {
    return `the body is not JSON: ${outcome.body.toString('utf8').slice(0, 300)}`;
  }
}

/**
 * Runs fuzz cases against one service and checks every answer: below 500, a problem body for
 * every 4xx (a google.rpc.Status on the OTLP receiver's routes), within the time bound, nothing stored changed by a refused request (or by any
 * read), /health/live still answering, no CSV cell a spreadsheet would run, no giant log line.
 * A hang or a crash is a failure of that case; the service is restarted and the run goes on.
 */
export class FuzzRunner {
  readonly stats = new FuzzStats();
  /** The fingerprint as of the end of the last case, when nothing has changed since. */
  private known: Fingerprint | undefined;
  private throwaways = 0;
  private sinceWorldCheck = 0;
  /** Set once a property has failed: later cases are fast-check shrinking it. */
  shrinking = false;

  private constructor(
    readonly service: FuzzService,
    readonly world: World,
    readonly options: RunnerOptions,
  ) {}

  static async start(options: Partial<RunnerOptions> = {}): Promise<FuzzRunner> {
    const opts = { ...DEFAULT_OPTIONS, ...options };
    const service = await FuzzService.start({ ADMIN_TOKEN, METRICS_TOKEN, REGISTRATION: 'open', ...opts.env });
    const runner = new FuzzRunner(service, { admin: ADMIN_TOKEN, metrics: METRICS_TOKEN, alice: '', bob: '' }, opts);
    try {
      await runner.seed();
    } catch (error) {
      await service.stop();
      throw error;
    }
    return runner;
  }

  stop(): Promise<void> {
    return this.service.stop();
  }

  /** A request that must succeed (seeding and setup), with the admin token unless told otherwise. */
  async must(method: string, path: string, body?: unknown, token = this.world.admin, expect = [200, 201, 204]): Promise<Record<string, unknown>> {
    const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const outcome = await this.service.send(
      {
        method,
        path,
        headers: { authorization: `Bearer ${token}`, ...(text !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: text === undefined ? undefined : Buffer.from(text),
      },
      60_000,
    );
    if (outcome.kind !== 'response' || !expect.includes(outcome.status)) {
      const detail = outcome.kind === 'response' ? `${outcome.status} ${outcome.body.toString('utf8').slice(0, 500)}` : outcome.kind;
      throw new Error(`fuzz setup: ${method} ${path} gave ${detail}\n${this.service.logs.about(undefined, 10).join('\n')}`);
    }
    return outcome.body.length ? (JSON.parse(outcome.body.toString('utf8')) as Record<string, unknown>) : {};
  }

  /** Two users with real uploads of every daily shape, on whatever database the service has. */
  private async seed(): Promise<void> {
    for (const user of ['alice', 'bob'] as const) {
      const created = await this.must('POST', '/api/v1/users', { username: user }, this.world.admin, [201, 409]);
      // After a restart on PostgreSQL the users exist already: they get a fresh token instead.
      const token = created.token ?? (await this.must('POST', `/api/v1/users/${user}/tokens`, { name: 'fuzz' })).token;
      if (typeof token !== 'string') throw new Error(`fuzz setup: no token for ${user}`);
      this.world[user] = token;
    }
    for (const u of SEED_UPLOADS) {
      await this.must('POST', `/api/v1/uploads?device=${u.device}`, fixtureText(u.fixture), this.world[u.user]);
    }
    this.known = undefined;
  }

  authorization(auth: Auth, owner: string | undefined): string | undefined {
    if ('raw' in auth) return auth.raw;
    if ('role' in auth) {
      switch (auth.role) {
        case 'none':
          return undefined;
        case 'owner':
          return `Bearer ${owner ?? 'no-owner-was-set-up'}`;
        default:
          return `Bearer ${this.world[auth.role]}`;
      }
    }
    const t = this.world[auth.mangle];
    switch (auth.how) {
      case 'lowercase-scheme':
        return `bearer ${t}`;
      case 'no-scheme':
        return t;
      case 'truncated':
        return `Bearer ${t.slice(0, -1)}`;
      case 'extended':
        return `Bearer ${t}x`;
      case 'case-flipped': {
        const last = t.at(-1)!;
        return `Bearer ${t.slice(0, -1)}${last === last.toUpperCase() ? last.toLowerCase() : last.toUpperCase()}`;
      }
      case 'twice':
        return `Bearer ${t}, Bearer ${t}`;
      case 'basic':
        return `Basic ${Buffer.from(`alice:${t}`).toString('base64')}`;
      case 'trailing-space':
        return `Bearer ${t} `;
      case 'double-space':
        return `Bearer  ${t}`;
      case 'tab':
        return `Bearer\t${t}`;
    }
  }

  /** Creates what the case's `{user}` or `{token}` stands for; returns the path and the owner's token. */
  private async setUp(c: FuzzCase): Promise<{ path: string; owner?: string }> {
    if (!c.setup) return { path: c.path };
    this.throwaways += 1;
    this.known = undefined;
    if (c.setup === 'user') {
      const name = `fz-${process.pid}-${this.throwaways}`;
      const created = await this.must('POST', '/api/v1/users', { username: name });
      return { path: c.path.replaceAll('{user}', name), owner: String(created.token) };
    }
    // A second token of a user made for the case: revoking it, or failing to, never touches the seeded users' tokens.
    const name = `fz-${process.pid}-${this.throwaways}`;
    await this.must('POST', '/api/v1/users', { username: name });
    const issued = await this.must('POST', `/api/v1/users/${name}/tokens`, { name: 'second' });
    return { path: c.path.replaceAll('{user}', name).replaceAll('{token}', String(issued.id)), owner: String(issued.token) };
  }

  private async recover(): Promise<void> {
    this.stats.restarts += 1;
    const kept = await this.service.restart();
    if (!kept) await this.seed();
    else {
      // The tokens are still valid; the fingerprint may not be (a hung write may have finished).
      this.known = undefined;
    }
  }

  /**
   * The generators keep cases that could delete a seeded user or revoke a seeded token away from
   * them; should one slip through (a credential that works unexpectedly), the seeded users are
   * restored, and the table at the end says so.
   */
  private async checkWorld(): Promise<void> {
    for (const user of ['alice', 'bob'] as const) {
      const outcome = await this.service.send(
        { method: 'GET', path: `/api/v1/users/${user}/tokens`, headers: { authorization: `Bearer ${this.world[user]}` } },
        this.options.timeoutMs,
      );
      if (outcome.kind === 'response' && outcome.status === 200) continue;
      this.stats.worldRepairs += 1;
      await this.seed();
      return;
    }
  }

  /**
   * Sends one case and checks it. Returns what went wrong (empty when all is well). A known input
   * may also say which statuses it must get and check the answer further.
   */
  async run(c: FuzzCase, expect: Expectation = {}): Promise<CaseFailure[]> {
    const failures: CaseFailure[] = [];
    if (!this.known) {
      this.known = await this.service.fingerprint();
      if (!this.known) {
        // The previous case left the service unable to answer (it passed its own checks in time).
        await this.recover();
        this.known = await this.service.fingerprint();
        if (!this.known)
          throw new Error(`the service does not answer the fingerprint even after a restart:\n${this.service.logs.about(undefined, 20).join('\n')}`);
      }
    }
    const { path, owner } = await this.setUp(c);
    const before = this.known ?? (await this.service.fingerprint());
    if (!before) throw new Error(`the service stopped answering during the set-up of ${describeCase(c)}`);
    const headers: Record<string, string> = { ...c.headers };
    const authorization = this.authorization(c.auth, owner);
    if (authorization !== undefined) headers.authorization = authorization;
    const wire: WireRequest = { method: c.method, path, headers, body: c.body === undefined ? undefined : Buffer.from(c.body) };
    const longestBefore = this.service.logs.longestLine;
    let outcome = await this.service.send(wire, this.options.timeoutMs);
    if (outcome.kind === 'error' && ['EPIPE', 'ECONNRESET'].includes(outcome.code) && wire.body && this.service.alive) {
      // The connection closed while the body was on its way: most likely an early refusal (413,
      // 415) whose reset overtook it. Sent again, waiting for such an answer before the body.
      outcome = await this.service.send(wire, this.options.timeoutMs, 2_000);
    }
    const status = outcome.kind === 'response' ? String(outcome.status) : outcome.kind === 'timeout' ? 'timeout' : `error ${outcome.code}`;
    let broken = false;

    if (outcome.kind === 'timeout') {
      failures.push({ kind: 'timeout', message: `no complete answer within ${this.options.timeoutMs} ms` });
      broken = true;
    } else if (outcome.kind === 'error') {
      const crashed = !this.service.alive;
      failures.push({
        kind: crashed ? 'crash' : 'connection',
        message: `${outcome.code}: ${outcome.message}${crashed ? `; the service exited:\n${this.service.logs.about(undefined, 10).join('\n')}` : ''}`,
      });
      broken = crashed || outcome.code !== 'RESPONSE_TOO_LARGE';
    } else {
      const requestId = String(outcome.headers['x-request-id'] ?? '');
      if (outcome.status >= 500) {
        failures.push({
          kind: 'server-error',
          signature: `${outcome.status} ${c.route}`,
          message: `${outcome.status} ${outcome.body.toString('utf8').slice(0, 300)}\n${this.service.logs.about(requestId || undefined).join('\n')}`,
        });
      } else if (outcome.status >= 400 && c.method !== 'HEAD') {
        const otlp = isOtlpExport(c.method, path);
        const problem = otlp ? otlpStatusFailure(outcome) : problemFailure(outcome);
        if (problem)
          failures.push({
            kind: otlp ? 'not-an-otlp-status' : 'not-a-problem-body',
            message: `${outcome.status}: ${problem}`,
            signature: plainErrorSignature(outcome),
          });
      }
      if (expect.statuses && !expect.statuses.includes(outcome.status)) {
        failures.push({
          kind: 'unexpected-status',
          message: `${outcome.status}, expected ${expect.statuses.join(' or ')}: ${outcome.body.toString('utf8').slice(0, 300)}`,
        });
      }
      const extra = expect.check?.(outcome);
      if (extra) failures.push({ kind: 'unexpected-answer', message: extra });
      if (outcome.status < 300 && /^text\/csv/.test(String(outcome.headers['content-type'] ?? ''))) {
        const bad = csvCells(outcome.body.toString('utf8')).filter((cell) => FORMULA_START.test(cell) && !DECIMAL.test(cell));
        if (bad.length) failures.push({ kind: 'csv-formula', message: `cells a spreadsheet would run: ${JSON.stringify(bad.slice(0, 5))}` });
      }
    }

    if (!broken) {
      const live = await this.service.send({ method: 'GET', path: '/health/live' }, this.options.liveTimeoutMs);
      if (live.kind !== 'response' || live.status !== 200) {
        failures.push({ kind: 'live-down', message: `/health/live after the case: ${live.kind === 'response' ? live.status : live.kind}` });
        broken = live.kind !== 'response';
      }
    }
    if (!broken) {
      const started = performance.now();
      const after = await this.service.fingerprint(this.options.timeoutMs);
      this.stats.fingerprintMs += performance.now() - started;
      this.stats.fingerprints += 1;
      if (!after) {
        failures.push({ kind: 'timeout', message: 'the database fingerprint after the case did not come within the time bound' });
        broken = true;
      } else {
        const refused = outcome.kind !== 'response' || outcome.status >= 400;
        if (refused || READ_METHODS.has(c.method)) {
          const diff = fingerprintDiff(before, after);
          if (diff.length)
            failures.push({ kind: 'changed-data', message: `${refused ? 'refused' : 'read'} (${status}) but stored data changed:\n${diff.join('\n')}` });
        }
        this.known = after;
      }
    }

    const longest = this.service.logs.longestLine;
    this.stats.longestLogLine = Math.max(this.stats.longestLogLine, longest);
    if (longest > this.options.maxLogLine && longest > longestBefore) {
      failures.push({ kind: 'log-line', message: `the service wrote a log line of ${longest} characters (bound: ${this.options.maxLogLine})` });
    }

    this.stats.record(c, status, outcome.ms, failures, () => describeCase(c), this.shrinking);
    if (broken) await this.recover();
    else if (++this.sinceWorldCheck >= 100) {
      this.sinceWorldCheck = 0;
      await this.checkWorld();
    }
    return failures;
  }
}

/** The failures of a case as one readable message, with its request and what the service logged. */
export function failureMessage(c: FuzzCase, failures: CaseFailure[]): string {
  return `${describeCase(c)}\n${failures.map((f) => `  [${f.kind}] ${f.message.replaceAll('\n', '\n    ')}`).join('\n')}`;
}
