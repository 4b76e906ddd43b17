import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { type DatabaseConnection, type Database, rowsOf } from './database-connection.js';
import { LOCK_KEYS } from './lock-keys.js';

/** drizzle/ at the repository root, from src/db (ts-jest, tsx) and from dist/db (the build) alike. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Number of migrations committed in drizzle/meta/_journal.json. */
export function committedMigrationCount(folder = MIGRATIONS_FOLDER): number {
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
  return journal.entries.length;
}

/** Migrations recorded as applied in this database (0 before the first run). */
export async function appliedMigrationCount(db: Database): Promise<number> {
  const [table] = rowsOf<{ name: string | null }>(await db.execute(sql`SELECT to_regclass('drizzle.__drizzle_migrations')::text AS name`));
  if (!table?.name) return 0;
  const [row] = rowsOf<{ n: number | string }>(await db.execute(sql`SELECT count(*) AS n FROM drizzle.__drizzle_migrations`));
  return Number(row.n);
}

/**
 * Applies pending migrations while holding an advisory lock, so replicas that start together
 * migrate exactly once: the first takes the lock and migrates, the others wait, then find nothing
 * left to do. Returns how many migrations this call applied.
 */
export async function runMigrations(connection: DatabaseConnection, folder = MIGRATIONS_FOLDER): Promise<{ applied: number; total: number }> {
  return connection.withLock(LOCK_KEYS.migrations, async (db) => {
    const before = await appliedMigrationCount(db);
    await migrate(db, { migrationsFolder: folder });
    const total = await appliedMigrationCount(db);
    return { applied: total - before, total };
  });
}
