import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { type ClientRequest, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKEND, createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { type Fingerprint, parseFingerprint } from './fingerprint.js';

const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url));
const REGISTER = fileURLToPath(new URL('./register.mjs', import.meta.url));

/** A request exactly as it goes on the wire: the path is sent as given, already percent-encoded. */
export interface WireRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
}

export type Outcome =
  | { kind: 'response'; status: number; headers: Record<string, string | string[] | undefined>; body: Buffer; ms: number }
  | { kind: 'timeout'; ms: number }
  | { kind: 'error'; code: string; message: string; ms: number };

/** Larger answers are cut off (and reported as such): a fuzz case has no business receiving more. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** One HTTP exchange on a fresh connection, given up after `timeoutMs` for the whole answer. */
export function send(port: number, req: WireRequest, timeoutMs: number, earlyAnswerMs?: number): Promise<Outcome> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  return new Promise<Outcome>((resolve) => {
    let settled = false;
    const settle = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // The exchange is over; a body still being sent has no reader any more.
      client.destroy();
      resolve(outcome);
    };
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(req.body.length);
    let client: ClientRequest;
    try {
      client = httpRequest({ host: '127.0.0.1', port, method: req.method, path: req.path, headers, agent: false });
    } catch (error) {
      // Node refused to send it (a character no HTTP client can put there): a mistake of the generator.
      throw new Error(`cannot send ${req.method} ${req.path.slice(0, 200)}: ${(error as Error).message}`, { cause: error });
    }
    const timer = setTimeout(() => settle({ kind: 'timeout', ms: ms() }), timeoutMs);
    let responded = false;
    client.on('error', (error: NodeJS.ErrnoException) => {
      // A server may answer (413) and close before it has read a large body: the write then fails
      // while the answer is on its way, and the answer is what counts.
      if (responded) return;
      setTimeout(() => responded || settle({ kind: 'error', code: error.code ?? 'ERROR', message: error.message, ms: ms() }), 200);
    });
    client.on('response', (res) => {
      responded = true;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) {
          settle({ kind: 'error', code: 'RESPONSE_TOO_LARGE', message: `more than ${MAX_RESPONSE_BYTES} bytes`, ms: ms() });
          res.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => settle({ kind: 'response', status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ms: ms() }));
      res.on('error', (error: NodeJS.ErrnoException) => settle({ kind: 'error', code: error.code ?? 'ERROR', message: error.message, ms: ms() }));
    });
    void writeBody(client, req.body, () => responded || settled, earlyAnswerMs ?? (req.body && req.body.length > 1024 * 1024 ? 200 : 0));
  });
}

/**
 * Sends the body in slices, and stops once the server has answered or the exchange is over.
 * A server refuses a body over its limit, or of the wrong type, from the headers alone and may
 * close the connection without reading the body; the reset can then beat the answer to the
 * client. Waiting `earlyAnswerMs` after the headers gives such an answer time to arrive first.
 */
async function writeBody(client: ClientRequest, body: Buffer | undefined, done: () => boolean, earlyAnswerMs: number): Promise<void> {
  const SLICE = 256 * 1024;
  if (body && earlyAnswerMs > 0) {
    client.flushHeaders();
    for (let waited = 0; waited < earlyAnswerMs && !done(); waited += 10) await new Promise((r) => setTimeout(r, 10));
  }
  for (let i = 0; body && i < body.length && !done(); i += SLICE) {
    if (!client.write(body.subarray(i, i + SLICE))) {
      await new Promise<void>((resolve) => {
        const poll = setInterval(() => done() && finish(), 50);
        const finish = () => {
          clearInterval(poll);
          client.off('drain', finish);
          client.off('close', finish);
          resolve();
        };
        client.once('drain', finish);
        client.once('close', finish);
      });
    }
  }
  if (!done()) client.end();
}

/** The last log lines of the service, and the longest line it ever wrote. */
class LogTail {
  private lines: string[] = [];
  private partial = '';
  longestLine = 0;
  constructor(private readonly keep = 400) {}

  push(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    // A line still being written counts towards the longest one; a 23 MB line must not be kept whole.
    this.longestLine = Math.max(this.longestLine, this.partial.length);
    if (this.partial.length > 1_000_000) this.partial = this.partial.slice(0, 1_000_000);
    for (const line of parts) {
      this.longestLine = Math.max(this.longestLine, line.length);
      this.lines.push(line.length > 4000 ? `${line.slice(0, 4000)}… (${line.length} characters)` : line);
    }
    if (this.lines.length > this.keep) this.lines.splice(0, this.lines.length - this.keep);
  }

  /** Lines that mention `needle` (a request id), or the last few lines. */
  about(needle?: string, max = 5): string[] {
    const hits = needle ? this.lines.filter((l) => l.includes(needle)) : [];
    return (hits.length ? hits : this.lines).slice(-max);
  }
}

/**
 * The service under test in a child process (server.ts, from the TypeScript sources): a request
 * that blocks its event loop, or a crash, is seen here as a timeout or a refused connection; the
 * harness then kills the child and starts a new one, and the run goes on.
 *
 * On PostgreSQL the child uses a database of its own that survives restarts; the embedded database
 * is in the child's memory, so a restart starts empty (`restart()` says whether data survived).
 */
export class FuzzService {
  private child: ChildProcess | undefined;
  private exited = true;
  port = 0;
  readonly logs = new LogTail();
  private fingerprints = new Map<number, (rows: unknown) => void>();
  private nextId = 1;
  private dirs: string;
  restarts = 0;

  private constructor(
    private readonly db: TestDatabase | undefined,
    private readonly env: Record<string, string>,
  ) {
    this.dirs = mkdtempSync(join(tmpdir(), 'ccs-fuzz-'));
  }

  static async start(env: Record<string, string>): Promise<FuzzService> {
    const db = BACKEND === 'postgres' ? await createTestDatabase() : undefined;
    const service = new FuzzService(db, env);
    try {
      await service.spawn();
    } catch (error) {
      await service.stop();
      throw error;
    }
    return service;
  }

  get backend(): 'embedded' | 'postgres' {
    return BACKEND;
  }

  private async spawn(): Promise<void> {
    const env = {
      PATH: process.env.PATH ?? '',
      ...(process.env.FUZZ_APP_ROOT ? { FUZZ_APP_ROOT: process.env.FUZZ_APP_ROOT } : {}),
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      BACKUP_ENABLED: 'false',
      // Background work that rewrites stored data by itself would read as a change made by a refused request.
      SHARED_FOLD_INTERVAL_MS: '0',
      BACKUP_DIR: join(this.dirs, 'backups'),
      ARCHIVE_DIR: join(this.dirs, 'archive'),
      ...(this.db ? this.db.env : { DATA_DIR: 'memory://' }),
      ...this.env,
    };
    const child = fork(SERVER, [], { execArgv: ['--import', REGISTER], env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    this.child = child;
    this.exited = false;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => this.logs.push(d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => this.logs.push(d));
    child.on('exit', () => {
      this.exited = true;
      for (const reply of this.fingerprints.values()) reply({ error: 'the service exited' });
      this.fingerprints.clear();
    });
    child.on('message', (message: { type: string; id?: number; port?: number }) => {
      if (message.type === 'fingerprint') {
        this.fingerprints.get(message.id!)?.(message);
        this.fingerprints.delete(message.id!);
      }
    });
    this.port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the service did not start within 120 s:\n${this.logs.about(undefined, 40).join('\n')}`)), 120_000);
      child.on('message', (message: { type: string; port?: number; error?: string }) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve(message.port!);
        } else if (message.type === 'failed') {
          clearTimeout(timer);
          reject(new Error(`the service failed to start: ${message.error}`));
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the service exited with ${code} before it was ready:\n${this.logs.about(undefined, 40).join('\n')}`));
      });
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  send(req: WireRequest, timeoutMs: number, earlyAnswerMs?: number): Promise<Outcome> {
    return send(this.port, req, timeoutMs, earlyAnswerMs);
  }

  /** Everything stored, per table; undefined when the service did not answer in time. */
  async fingerprint(timeoutMs = 10_000): Promise<Fingerprint | undefined> {
    if (this.exited) return undefined;
    const id = this.nextId++;
    const answer = await new Promise<{ rows?: Array<{ name: string; fp: string }>; error?: string } | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.fingerprints.delete(id);
        resolve(undefined);
      }, timeoutMs);
      this.fingerprints.set(id, (message) => {
        clearTimeout(timer);
        resolve(message as { rows?: Array<{ name: string; fp: string }>; error?: string });
      });
      this.child!.send({ type: 'fingerprint', id });
    });
    if (!answer) return undefined;
    if (answer.error) throw new Error(`fingerprint failed: ${answer.error}`);
    return parseFingerprint(answer.rows!);
  }

  private async kill(): Promise<void> {
    const child = this.child;
    if (!child || this.exited) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  /** Kills the child (it may be stuck) and starts a new one. True when the stored data survived. */
  async restart(): Promise<boolean> {
    this.restarts += 1;
    await this.kill();
    await this.spawn();
    return this.db !== undefined;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && !this.exited) {
      // A clean shutdown first (closes the database); SIGKILL if it does not come.
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await this.db?.drop();
    rmSync(this.dirs, { recursive: true, force: true });
  }
}
