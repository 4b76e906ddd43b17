/**
 * Part of the build (after nest build, which empties dist/): runs initdb and every migration on a
 * PGlite in a temporary directory and writes the result to dist/embedded-template.tar.gz with its
 * manifest, so that an embedded service on a new DATA_DIR starts from a copy instead
 * (src/db/embedded-template.ts).
 * A copy is kept in node_modules/.cache and reused while PGlite and the migrations are the same:
 * building takes as long as the initdb it saves, and `npm start` builds every time.
 *
 *   node dist/scripts/build-embedded-template.js [output.tar.gz]
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { EmbeddedConnection } from '../db/database-connection.js';
import { manifestFileOf, packDataDir, readTemplate, type TemplateManifest, TEMPLATE_FILE, writeTemplate } from '../db/embedded-template.js';
import { MIGRATIONS_FOLDER, runMigrations } from '../db/migrate.js';

const CACHE_FILE = fileURLToPath(new URL('../../node_modules/.cache/claude-code-stats/embedded-template.tar.gz', import.meta.url));

export async function buildEmbeddedTemplate(templateFile = TEMPLATE_FILE, migrationsFolder = MIGRATIONS_FOLDER): Promise<TemplateManifest> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ccs-embedded-template-'));
  try {
    const client = await PGlite.create(dataDir);
    try {
      await runMigrations(new EmbeddedConnection(client, undefined, false), migrationsFolder);
    } finally {
      await client.close();
    }
    // Packed after a clean shutdown rather than with dumpDataDir from the running instance, whose
    // copies start with crash recovery (it took no measurable time here, but a shut-down cluster
    // needs no WAL to be consistent). postmaster.pid is the build's and means nothing to a copy.
    return writeTemplate(templateFile, packDataDir(dataDir, new Set(['postmaster.pid'])), migrationsFolder);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The cached template when it still matches, else a new one (cached for next time). */
async function cachedOrBuilt(file: string): Promise<{ manifest: TemplateManifest; cached: boolean }> {
  if (readTemplate(CACHE_FILE).archive) {
    mkdirSync(dirname(file), { recursive: true });
    copyFileSync(CACHE_FILE, file);
    copyFileSync(manifestFileOf(CACHE_FILE), manifestFileOf(file));
    const copied = readTemplate(file);
    if (copied.archive) return { manifest: JSON.parse(readFileSync(manifestFileOf(file), 'utf8')) as TemplateManifest, cached: true };
  }
  const manifest = await buildEmbeddedTemplate(file);
  mkdirSync(dirname(CACHE_FILE), { recursive: true });
  copyFileSync(file, CACHE_FILE);
  copyFileSync(manifestFileOf(file), manifestFileOf(CACHE_FILE));
  return { manifest, cached: false };
}

const invokedDirectly = process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const file = process.argv[2] ?? TEMPLATE_FILE;
  const started = Date.now();
  cachedOrBuilt(file).then(
    ({ manifest, cached }) =>
      process.stdout.write(
        `wrote ${file} (${manifest.archive.bytes} bytes, ${manifest.migrations.count} migrations, PGlite ${manifest.pglite}${cached ? ', from the cache' : ''}) in ${Date.now() - started} ms\n`,
      ),
    (error: unknown) => {
      process.stderr.write(`embedded template failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
