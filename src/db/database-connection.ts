import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { Logger } from '@nestjs/common';
import { drizzle as drizzlePg, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { PgTransactionConfig } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import type { DatabaseSettings } from '../config/config.schema.js';
import { dumpPglite } from './embedded-dump.js';
import { readTemplate, TEMPLATE_FILE, unpackTemplate } from './embedded-template.js';
import { type DumpOptions, type DumpSink, type PostgresSettings, runPgDump } from './pg-dump.js';
import { type Queryable, type QueryObserver, timed } from './query-timing.js';
import * as schema from './schema.js';

export type { DumpOptions, DumpSink } from './pg-dump.js';
export type { QueryObserver } from './query-timing.js';

export type Schema = typeof schema;

/**
 * The Drizzle instance every repository uses. Both backends speak the same PostgreSQL dialect and
 * the same query builder; the pglite flavour is typed as the node-postgres one because the only
 * difference the code can see is the shape of driver-level results, which repositories never touch
 * (raw results go through `rowsOf`).
 */
export type Database = NodePgDatabase<Schema>;

export type Backend = 'embedded' | 'postgres';

/** The rows of a `db.execute()` result, whichever driver produced it. */
export function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

/**
 * Runs `work` in one transaction (committed when it resolves, rolled back when it throws). The
 * transaction is handed over as a `Database`, so helpers written against `Database` run inside it:
 * Drizzle's transaction type differs only in lacking `$client`, which nothing outside src/db reads.
 */
export function transaction<T>(db: Database, work: (tx: Database) => Promise<T>, config?: PgTransactionConfig): Promise<T> {
  return db.transaction((tx) => work(tx as unknown as Database), config);
}

/** The external database's connection pool, as health, metrics and db-stats report it. */
export interface PoolStats {
  /** The most clients the pool opens (DB_POOL_MAX). */
  max: number;
  total: number;
  idle: number;
  /** Callers waiting for a free client. */
  waiting: number;
}

/**
 * One open database, embedded or external. Repositories see only `db` (through the DB token); the
 * rest is what start-up, locking, backups, metrics, health and shutdown need, offered by both
 * backends so that nothing outside src/db asks which one is behind it.
 */
export abstract class DatabaseConnection {
  /** Which backend this is: for reporting (info, db-stats, health), never for branching outside src/db. */
  abstract readonly backend: Backend;
  abstract readonly db: Database;
  /** The pg Pool in external mode; undefined on the embedded database. For src/db and tests: others ask poolStats(). */
  abstract readonly pool: pg.Pool | undefined;

  /**
   * Runs `fn` while holding a PostgreSQL session-level advisory lock, on a connection of its own,
   * waiting for the lock if another process holds it.
   */
  abstract withLock<T>(key: number, fn: (db: Database) => Promise<T>): Promise<T>;

  /** Like withLock, but gives up at once (`{ acquired: false }`) when another process holds it. */
  abstract tryWithLock<T>(key: number, fn: (db: Database) => Promise<T>): Promise<{ acquired: boolean; result?: T }>;

  /**
   * Writes a plain-format SQL dump of the whole database (pg_dump `--no-owner --no-privileges`) into
   * `sink`. External: the installed pg_dump whose major can dump the server (options.pgDumpPath
   * first); embedded: pglite-tools' pg_dump on the one PGlite session.
   */
  abstract dump(sink: DumpSink, options?: DumpOptions): Promise<void>;

  /**
   * Times every statement where it reaches the driver and tells `observe`. External: each client
   * the pool hands out, so statements in transactions and on advisory-lock connections count too;
   * embedded: PGlite's query(). Returns the undo.
   */
  abstract instrument(observe: QueryObserver): () => void;

  /** The connection pool's counts; null on the embedded database, which has none. */
  abstract poolStats(): PoolStats | null;

  /** `SELECT 1` on the database (through the pool in external mode): the readiness check. */
  abstract ping(): Promise<void>;

  abstract close(): Promise<void>;

  /** What start-up did with migrations: how many it applied (null when DB_MIGRATE_ON_START=false). */
  migratedAtStart: number | null = null;

  async serverVersion(): Promise<string> {
    const rows = rowsOf<{ server_version: string }>(await this.db.execute('SHOW server_version'));
    return rows[0].server_version;
  }
}

export class PostgresConnection extends DatabaseConnection {
  readonly backend = 'postgres' as const;
  readonly db: Database;
  private closed = false;

  constructor(
    readonly pool: pg.Pool,
    /** The settings the pool was opened with; pg_dump needs them (dump() refuses without). */
    private readonly settings?: PostgresSettings,
  ) {
    super();
    this.db = drizzlePg({ client: pool, schema });
  }

  static open(settings: PostgresSettings, logger: Logger): PostgresConnection {
    const pool = new pg.Pool({
      ...(settings.connectionString
        ? { connectionString: settings.connectionString }
        : {
            host: settings.host,
            port: settings.port,
            user: settings.user,
            password: settings.password,
            database: settings.database,
          }),
      ssl: settings.ssl || undefined,
      max: settings.poolMax,
      idleTimeoutMillis: settings.idleTimeoutMs,
      connectionTimeoutMillis: settings.connectTimeoutMs,
      application_name: 'claude-code-stats-server',
      // Dates are UTC calendar days and timestamps UTC, whatever the server's own time zone.
      options: '-c timezone=UTC',
    });
    // An idle client whose server went away emits 'error' on the pool; without a listener Node
    // treats it as unhandled and exits. The pool drops the client and reconnects on next use.
    pool.on('error', (error) => logger.warn(`idle database connection failed: ${error.message}`));
    return new PostgresConnection(pool, settings);
  }

  async withLock<T>(key: number, fn: (db: Database) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [key]);
      try {
        return await fn(drizzlePg({ client, schema }));
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [key]);
      }
    } finally {
      client.release();
    }
  }

  async tryWithLock<T>(key: number, fn: (db: Database) => Promise<T>): Promise<{ acquired: boolean; result?: T }> {
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [key]);
      if (!rows[0].locked) return { acquired: false };
      try {
        return { acquired: true, result: await fn(drizzlePg({ client, schema })) };
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [key]);
      }
    } finally {
      client.release();
    }
  }

  async dump(sink: DumpSink, options: DumpOptions = {}): Promise<void> {
    if (!this.settings) throw new Error('external backup without PostgreSQL settings');
    const [row] = rowsOf<{ server_version_num: string }>(await this.db.execute('SHOW server_version_num'));
    await runPgDump(Math.floor(Number(row.server_version_num) / 10_000), this.settings, options, sink);
  }

  /** Wraps each client on checkout ('acquire'), once; the wait for a free client is not timed. */
  instrument(observe: QueryObserver): () => void {
    const wrapped = new WeakSet<object>();
    const onAcquire = (client: pg.PoolClient) => {
      if (wrapped.has(client)) return;
      wrapped.add(client);
      const target: Queryable = client;
      target.query = timed(target.query, observe);
    };
    this.pool.on('acquire', onAcquire);
    return () => void this.pool.off('acquire', onAcquire);
  }

  poolStats(): PoolStats {
    return { max: this.pool.options.max, total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/**
 * PostgreSQL's default of 128 MB of shared buffers is touched in full when PGlite starts, and
 * WebAssembly memory never shrinks: it was most of the embedded service's idle memory. 16 MB holds
 * the hot pages of a community's data; the rest is read from the operating system's page cache.
 * Measured in docs/embedded-start.md.
 */
const PGLITE_OPTIONS: PGliteOptions = { startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'] };

/** How the embedded cluster came to be: copied from the build's template, made by initdb now, or found in DATA_DIR. */
export type ClusterOrigin = 'template' | 'initdb' | 'existing';

export interface EmbeddedOpenOptions {
  logger?: Logger;
  /** The template a new cluster starts from (default: the build's); null: always initdb. */
  templateFile?: string | null;
}

/**
 * PGlite: PostgreSQL compiled to WebAssembly, in this process, with its files in DATA_DIR (or in
 * memory for `memory://`). It has a single session, so advisory locks only guard against other
 * work in this process; a lock file keeps a second process off the same data directory.
 */
export class EmbeddedConnection extends DatabaseConnection {
  readonly backend = 'embedded' as const;
  readonly pool = undefined;
  readonly db: Database;
  private closed = false;

  constructor(
    readonly client: PGlite,
    private readonly lockFile?: string,
    /** False when the PGlite instance belongs to someone else (tests share one per file). */
    private readonly ownsClient = true,
    /** Undefined when the PGlite instance was opened elsewhere. */
    readonly clusterOrigin?: ClusterOrigin,
  ) {
    super();
    this.db = drizzlePglite({ client, schema }) as unknown as Database;
  }

  /**
   * Opens DATA_DIR, creating its cluster from the build's template when it has none and the
   * template matches this code's migrations; otherwise initdb runs (seconds, in WebAssembly) and
   * the migrations create the schema. `memory://` starts from the template the same way.
   */
  static async open(dataDir: string, options: EmbeddedOpenOptions = {}): Promise<EmbeddedConnection> {
    const { logger } = options;
    const templateFile = options.templateFile === undefined ? TEMPLATE_FILE : options.templateFile;
    if (dataDir.startsWith('memory://')) {
      const template = usableTemplate(templateFile, logger);
      const client = await PGlite.create(dataDir, { ...PGLITE_OPTIONS, loadDataDir: template && new Blob([template]) });
      return new EmbeddedConnection(client, undefined, true, template ? 'template' : 'initdb');
    }
    const dir = resolve(dataDir);
    mkdirSync(dir, { recursive: true });
    const lockFile = acquireDataDirLock(dir);
    try {
      let origin: ClusterOrigin = 'existing';
      if (!existsSync(join(dir, 'PG_VERSION'))) {
        const template = usableTemplate(templateFile, logger);
        if (template) {
          await unpackTemplate(template, dir);
          logger?.log(`new cluster in ${dir} copied from the build's template (${templateFile})`);
        }
        origin = template ? 'template' : 'initdb';
      }
      return new EmbeddedConnection(await PGlite.create(dir, PGLITE_OPTIONS), lockFile, true, origin);
    } catch (error) {
      rmSync(lockFile, { force: true });
      throw error;
    }
  }

  /**
   * Advisory locks on one session are re-entrant, so they cannot order callers that share it;
   * lock holders on the same PGlite instance are chained instead.
   */
  async withLock<T>(_key: number, fn: (db: Database) => Promise<T>): Promise<T> {
    const previous = lockChains.get(this.client) ?? Promise.resolve();
    const run = previous.then(() => fn(this.db));
    lockChains.set(
      this.client,
      run.catch(() => undefined),
    );
    return run;
  }

  async tryWithLock<T>(key: number, fn: (db: Database) => Promise<T>): Promise<{ acquired: boolean; result?: T }> {
    return { acquired: true, result: await this.withLock(key, fn) };
  }

  dump(sink: DumpSink): Promise<void> {
    return dumpPglite(this.client, sink);
  }

  /** Statements inside a PGlite transaction (`tx.query`) do not pass through query() and are not timed. */
  instrument(observe: QueryObserver): () => void {
    const target = this.client as Queryable;
    const original = target.query;
    target.query = timed(original, observe);
    return () => {
      target.query = original;
    };
  }

  poolStats(): null {
    return null;
  }

  async ping(): Promise<void> {
    await this.db.execute('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) await this.client.close();
    if (this.lockFile) rmSync(this.lockFile, { force: true });
  }
}

const lockChains = new WeakMap<PGlite, Promise<unknown>>();

/** The template's archive, or undefined (and why, in the log) when a new cluster must come from initdb. */
function usableTemplate(templateFile: string | null, logger?: Logger): Buffer | undefined {
  let why: string;
  try {
    const template = templateFile ? readTemplate(templateFile) : { unusable: 'no template asked for' };
    if (template.archive) return template.archive;
    why = template.unusable;
  } catch (error) {
    why = `the template cannot be read: ${error instanceof Error ? error.message : String(error)}`;
  }
  logger?.warn(`new cluster from initdb, which takes several seconds (${why}); \`npm run build\` makes the template`);
  return undefined;
}

/** Refuses to open a data directory that a live process already has open. */
function acquireDataDirLock(dir: string): string {
  const lockFile = join(dir, 'service.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return lockFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(lockFile, 'utf8'));
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new Error(
          `DATA_DIR ${dir} is in use by process ${pid}; the embedded database serves one process. ` +
            'Stop it, or set DATABASE_URL to share a PostgreSQL server between instances.',
          { cause: error },
        );
      }
      rmSync(lockFile, { force: true }); // left behind by a process that died
    }
  }
  throw new Error(`cannot lock DATA_DIR ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * `fromTemplate: false` makes a new embedded cluster with initdb alone, without the template's
 * schema: what DB_MIGRATE_ON_START=false asks for (the operator migrates).
 */
export async function openDatabase(settings: DatabaseSettings, logger: Logger, { fromTemplate = true } = {}): Promise<DatabaseConnection> {
  return settings.backend === 'postgres'
    ? PostgresConnection.open(settings, logger)
    : EmbeddedConnection.open(settings.dataDir, { logger, ...(fromTemplate ? {} : { templateFile: null }) });
}
