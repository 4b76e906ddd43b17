/**
 * Restores a backup (.sql.gz or .sql) into an embedded database directory (DATA_DIR), which must
 * be new or empty. Stop the service first: PGlite serves one process. Used by utils/scripts/restore.sh.
 *
 *   DATA_DIR=./data node dist/scripts/restore-embedded.js backups/backup_20261126_030000.sql.gz
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { loadSqlDump } from '../db/sql-dump-loader.js';

async function main(): Promise<void> {
  const file = process.argv[2];
  const dataDir = process.argv[3] ?? process.env.DATA_DIR ?? './data';
  if (!file) {
    process.stderr.write('usage: restore-embedded <backup.sql.gz> [DATA_DIR]\n');
    process.exit(64);
  }
  const raw = readFileSync(file);
  const script = (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  const pg = await PGlite.create(dataDir);
  try {
    const { rows } = await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`);
    if (rows[0].n > 0) throw new Error(`${dataDir} already holds ${rows[0].n} tables; restore into a new, empty DATA_DIR`);
    await loadSqlDump(pg, script);
    process.stdout.write(`restored ${file} into ${dataDir}\n`);
  } finally {
    await pg.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`restore failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
