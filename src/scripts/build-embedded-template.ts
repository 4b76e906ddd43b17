/**
 * Part of the build (after nest build, which empties dist/): runs initdb and every migration on an
 * in-memory PGlite and writes the result to dist/embedded-template.tar.gz with its manifest, so
 * that an embedded service on a new DATA_DIR starts from a copy instead (src/db/embedded-template.ts).
 *
 *   node dist/scripts/build-embedded-template.js [output.tar.gz]
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { EmbeddedConnection } from '../db/database-connection.js';
import { type TemplateManifest, TEMPLATE_FILE, writeTemplate } from '../db/embedded-template.js';
import { MIGRATIONS_FOLDER, runMigrations } from '../db/migrate.js';

export async function buildEmbeddedTemplate(templateFile = TEMPLATE_FILE, migrationsFolder = MIGRATIONS_FOLDER): Promise<TemplateManifest> {
  const client = await PGlite.create('memory://');
  try {
    await runMigrations(new EmbeddedConnection(client, undefined, false), migrationsFolder);
    // dumpDataDir copies the files as they are; without a checkpoint the newest pages would exist
    // only in the write-ahead log and every new cluster would replay it.
    await client.exec('CHECKPOINT');
    const archive = new Uint8Array(await (await client.dumpDataDir('gzip')).arrayBuffer());
    return writeTemplate(templateFile, archive, migrationsFolder);
  } finally {
    await client.close();
  }
}

const invokedDirectly = process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const file = process.argv[2] ?? TEMPLATE_FILE;
  const started = Date.now();
  buildEmbeddedTemplate(file).then(
    (manifest) =>
      process.stdout.write(
        `wrote ${file} (${manifest.archive.bytes} bytes, ${manifest.migrations.count} migrations, PGlite ${manifest.pglite}) in ${Date.now() - started} ms\n`,
      ),
    (error: unknown) => {
      process.stderr.write(`embedded template failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
