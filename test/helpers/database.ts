import { randomBytes } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { EmbeddedConnection } from '../../src/db/database-connection.js';

/**
 * Where the suite runs: on the embedded database by default, on the PostgreSQL server named by
 * DATABASE_URL when it is set. Each test file gets a database of its own: a shared in-memory
 * PGlite (creating one takes seconds), or a new PostgreSQL database that is dropped afterwards.
 */
export const ADMIN_URL = process.env.DATABASE_URL;
export const BACKEND: 'embedded' | 'postgres' = ADMIN_URL ? 'postgres' : 'embedded';

export interface TestDatabase {
  /** Environment variables that point the service at this database. */
  env: Record<string, string>;
  /** The embedded database to hand to the app (undefined on PostgreSQL). */
  embedded?: () => EmbeddedConnection;
  /** Runs SQL directly, outside the service. */
  /** A plain function (not a method), so that it can be passed around: `rowCounts(db.query)`. */
  query: <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;
  drop(): Promise<void>;
}

let sharedPglite: { empty: boolean; client: Promise<PGlite> } | undefined;

/**
 * `empty`: a database without the schema (tests of migrations). Otherwise an embedded one starts
 * from the build's template when there is one (`npm run build` makes it), as the service's does.
 */
export async function createTestDatabase({ empty = false } = {}): Promise<TestDatabase> {
  if (!ADMIN_URL) {
    if (sharedPglite && sharedPglite.empty !== empty) throw new Error('one kind of embedded test database per test file');
    sharedPglite ??= { empty, client: EmbeddedConnection.open('memory://', { templateFile: empty ? null : undefined }).then((c) => c.client) };
    const client = await sharedPglite.client;
    return {
      env: { DATA_DIR: 'memory://' },
      embedded: () => new EmbeddedConnection(client, undefined, false),
      query: async <T>(text: string, params?: unknown[]) => (await client.query<T>(text, params)).rows,
      drop: async () => {
        await client.close();
        sharedPglite = undefined;
      },
    };
  }
  const name = `ccs_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
  pool.on('error', () => undefined);
  return {
    env: { DATABASE_URL: url.toString() },
    query: async <T>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as T[],
    drop: async () => {
      await pool.end();
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
