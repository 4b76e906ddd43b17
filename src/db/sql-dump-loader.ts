import type { PGlite } from '@electric-sql/pglite';

/**
 * Loads a plain-format pg_dump script into PGlite, which has no psql: psql meta-commands
 * (`\restrict`, `\unrestrict`, `\connect`) are dropped, and `COPY … FROM stdin` blocks (what a
 * PostgreSQL server's pg_dump writes) are fed to PGlite through its /dev/blob device. Dumps of the
 * embedded database use INSERTs and load as they are.
 */
export async function loadSqlDump(pg: PGlite, script: string): Promise<void> {
  const lines = script.split('\n');
  let pending: string[] = [];
  const flush = async () => {
    const text = pending.join('\n');
    pending = [];
    if (text.trim()) await pg.exec(text);
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const copy = /^COPY\s+(.+?)\s+FROM\s+stdin;\s*$/i.exec(line);
    if (copy) {
      await flush();
      const data: string[] = [];
      for (i++; i < lines.length && lines[i] !== '\\.'; i++) data.push(lines[i]);
      const body = data.length ? `${data.join('\n')}\n` : '';
      await pg.query(`COPY ${copy[1]} FROM '/dev/blob'`, [], { blob: new Blob([body]) });
      continue;
    }
    if (line.startsWith('\\')) continue;
    pending.push(line);
  }
  await flush();
}
