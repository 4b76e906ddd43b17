import { execFile, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import type { DatabaseSettings } from '../config/config.schema.js';

const run = promisify(execFile);

export type PostgresSettings = Extract<DatabaseSettings, { backend: 'postgres' }>;

/**
 * Where a dump goes: it gets the dump's plain SQL as a stream and resolves once it has written it
 * all. It rejects to abandon the dump (the external pg_dump is then killed).
 */
export type DumpSink = (sql: Readable) => Promise<void>;

export interface DumpOptions {
  /** PG_DUMP_PATH: a pg_dump binary, or a directory holding one (the external database only). */
  pgDumpPath?: string;
}

/**
 * Both backends dump with these, unlike the spec's script, so a backup restores into a database
 * owned by another role, and into PGlite.
 */
export const DUMP_ARGS = ['--no-owner', '--no-privileges'];

/** Where Debian/Ubuntu (and the PGDG packages) install each major's client tools. */
export const DEBIAN_PG_ROOT = '/usr/lib/postgresql';

export class NoSuitablePgDumpError extends Error {
  constructor(serverMajor: number, found: Array<{ path: string; major: number }>) {
    const seen = found.length ? found.map((f) => `${f.path} (${f.major})`).join(', ') : 'none';
    super(
      `no pg_dump can dump this PostgreSQL ${serverMajor} server: it needs pg_dump ${serverMajor} or newer ` +
        `(found: ${seen}). Install postgresql-client-${serverMajor} or point PG_DUMP_PATH at a pg_dump ${serverMajor}+.`,
    );
    this.name = 'NoSuitablePgDumpError';
  }
}

/** `pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)` → 15; undefined when it does not run. */
export async function pgDumpMajor(path: string): Promise<number | undefined> {
  try {
    const { stdout } = await run(path, ['--version'], { timeout: 5_000 });
    const match = /\(PostgreSQL\)\s+(\d+)/.exec(stdout) ?? /\b(\d+)(?:\.\d+)+\b/.exec(stdout);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Candidate pg_dump binaries, in order: PG_DUMP_PATH (a binary, or a directory holding one), then
 * /usr/lib/postgresql/<major>/bin for each installed major from the server's upwards (the closest
 * first), then PATH.
 */
export async function pgDumpCandidates(serverMajor: number, configured: string | undefined, searchPath: string, pgRoot = DEBIAN_PG_ROOT): Promise<string[]> {
  const candidates: string[] = [];
  if (configured) {
    const isDir = await stat(configured).then(
      (s) => s.isDirectory(),
      () => false,
    );
    candidates.push(isDir ? join(configured, 'pg_dump') : configured);
  }
  const majors = await readdir(pgRoot).then(
    (names) =>
      names
        .filter((n) => /^\d+$/.test(n))
        .map(Number)
        .filter((m) => m >= serverMajor)
        .sort((a, b) => a - b),
    () => [] as number[],
  );
  for (const major of majors) candidates.push(join(pgRoot, String(major), 'bin', 'pg_dump'));
  for (const dir of searchPath.split(delimiter)) if (dir) candidates.push(join(dir, 'pg_dump'));
  return [...new Set(candidates)];
}

/** The first candidate whose major can dump the server: its own major or any older server. */
export async function findPgDump(serverMajor: number, candidates: string[]): Promise<{ path: string; major: number }> {
  const found: Array<{ path: string; major: number }> = [];
  for (const path of candidates) {
    if (!(await isExecutableFile(path))) continue;
    const major = await pgDumpMajor(path);
    if (major === undefined) continue;
    if (major >= serverMajor) return { path, major };
    found.push({ path, major });
  }
  throw new NoSuitablePgDumpError(serverMajor, found);
}

/**
 * libpq's environment for the configured database, so no credential ever appears on a command
 * line (where `ps` would show it).
 */
export function libpqEnv(settings: PostgresSettings): Record<string, string> {
  const sslmode = settings.ssl === false ? 'disable' : settings.ssl.rejectUnauthorized ? 'verify-full' : 'require';
  if (settings.connectionString) {
    const url = new URL(settings.connectionString);
    return {
      PGHOST: decodeURIComponent(url.hostname).replace(/^\[(.*)\]$/, '$1') || 'localhost',
      PGPORT: url.port || '5432',
      PGUSER: decodeURIComponent(url.username) || 'postgres',
      PGPASSWORD: decodeURIComponent(url.password),
      PGDATABASE: decodeURIComponent(url.pathname.replace(/^\//, '')) || decodeURIComponent(url.username) || 'postgres',
      PGSSLMODE: url.searchParams.get('sslmode') ?? sslmode,
    };
  }
  return {
    PGHOST: settings.host,
    PGPORT: String(settings.port),
    PGUSER: settings.user,
    PGPASSWORD: settings.password,
    PGDATABASE: settings.database,
    PGSSLMODE: sslmode,
  };
}

/**
 * Dumps the configured PostgreSQL server with the closest pg_dump that can (its major or newer)
 * into `sink`. pg_dump gets this process's environment minus every `PG*` variable, plus libpq's
 * variables for the configured database.
 */
export async function runPgDump(serverMajor: number, settings: PostgresSettings, options: DumpOptions, sink: DumpSink): Promise<void> {
  // PATH is read here, not in src/config: it is the child's search path, not configuration.
  const { path } = await findPgDump(serverMajor, await pgDumpCandidates(serverMajor, options.pgDumpPath, process.env.PATH ?? ''));
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('PG')) env[key] = value;
  const child = spawn(path, DUMP_ARGS, { env: { ...env, ...libpqEnv(settings) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const exited = new Promise<number | null>((resolveExit, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolveExit(code));
  });
  try {
    await sink(child.stdout);
  } catch (error) {
    child.kill('SIGKILL');
    await exited.catch(() => undefined);
    throw error;
  }
  const code = await exited;
  if (code !== 0) throw new Error(`${path} exited with code ${code}: ${stderr.trim() || 'no message'}`);
}
