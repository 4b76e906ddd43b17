import { Readable } from 'node:stream';
import type { PGlite } from '@electric-sql/pglite';
import { pgDump } from '@electric-sql/pglite-tools/pg_dump';
import { DUMP_ARGS, type DumpSink } from './pg-dump.js';

/** Dumps a PGlite database with pglite-tools' pg_dump (PostgreSQL's, compiled to WebAssembly) into `sink`. */
export async function dumpPglite(client: PGlite, sink: DumpSink): Promise<void> {
  const { search_path: searchPath } = (await client.query<{ search_path: string }>('SHOW search_path')).rows[0];
  let file: File;
  try {
    file = await pgDump({ pg: client, args: DUMP_ARGS });
  } finally {
    // pglite-tools 0.4.8 leaves pg_dump's REPEATABLE READ READ ONLY transaction open on
    // PGlite's only session (every later write would fail) and only resets search_path inside
    // it; end the transaction and put the search path back for good.
    await client.exec('ROLLBACK');
    await client.query(`SELECT set_config('search_path', $1, false)`, [searchPath]);
  }
  await sink(Readable.fromWeb(file.stream()));
}
