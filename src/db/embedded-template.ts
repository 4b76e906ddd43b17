import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/**
 * The embedded database's template: a PGlite data directory that the build created with initdb and
 * migrated (src/scripts/build-embedded-template.ts), shipped as a gzipped tar with a manifest beside
 * it. A new DATA_DIR starts from a copy of it instead of running initdb in WebAssembly, which takes
 * several seconds and most of the start-up memory. docs/embedded-start.md has the measurements.
 */

/** In dist/ at the repository root, from src/db (ts-jest) and from dist/db (the build) alike. */
export const TEMPLATE_FILE = fileURLToPath(new URL('../../dist/embedded-template.tar.gz', import.meta.url));

/**
 * migrate.ts's MIGRATIONS_FOLDER, named again here: importing it would close a cycle
 * (migrate -> database-connection -> embedded-template).
 */
const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** What a template was built from; it is used only when all of it matches the running code. */
export interface TemplateManifest {
  format: 1;
  /** The @electric-sql/pglite version whose initdb made the cluster (its PostgreSQL major is in it). */
  pglite: string;
  migrations: MigrationsFingerprint;
  /** The archive this manifest describes, so that an archive replaced without it is not trusted. */
  archive: { bytes: number; sha256: string };
}

export interface MigrationsFingerprint {
  count: number;
  /** Over the journal and every migration's SQL, in journal order. */
  sha256: string;
}

export function manifestFileOf(templateFile: string): string {
  return templateFile.replace(/(\.tar)?(\.gz)?$/, '.json');
}

export function migrationsFingerprint(folder = MIGRATIONS_FOLDER): MigrationsFingerprint {
  const journalText = readFileSync(join(folder, 'meta', '_journal.json'), 'utf8');
  const journal = JSON.parse(journalText) as { entries: Array<{ tag: string }> };
  const hash = createHash('sha256').update(journalText);
  for (const { tag } of journal.entries) hash.update('\0').update(readFileSync(join(folder, `${tag}.sql`)));
  return { count: journal.entries.length, sha256: hash.digest('hex') };
}

export function pgliteVersion(): string {
  // The package's exports do not list package.json; find it from the entry point instead.
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  let dir = dirname(entry);
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Writes the archive, then its manifest (each through a rename), so a manifest never describes a half-written archive. */
export function writeTemplate(templateFile: string, archive: Uint8Array, migrationsFolder = MIGRATIONS_FOLDER): TemplateManifest {
  const manifest: TemplateManifest = {
    format: 1,
    pglite: pgliteVersion(),
    migrations: migrationsFingerprint(migrationsFolder),
    archive: { bytes: archive.byteLength, sha256: sha256(archive) },
  };
  mkdirSync(dirname(templateFile), { recursive: true });
  writeFileSync(`${templateFile}.tmp`, archive);
  renameSync(`${templateFile}.tmp`, templateFile);
  const manifestFile = manifestFileOf(templateFile);
  writeFileSync(`${manifestFile}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(`${manifestFile}.tmp`, manifestFile);
  return manifest;
}

/** The template's archive when it is there and was built from exactly this code; otherwise why not. */
export function readTemplate(
  templateFile = TEMPLATE_FILE,
  migrationsFolder = MIGRATIONS_FOLDER,
): { archive: Buffer; unusable?: undefined } | { archive?: undefined; unusable: string } {
  const manifestFile = manifestFileOf(templateFile);
  if (!existsSync(templateFile) || !existsSync(manifestFile)) return { unusable: `no template at ${templateFile}` };
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as TemplateManifest;
  if (manifest.format !== 1) return { unusable: `template format ${String(manifest.format)} is not 1` };
  const pglite = pgliteVersion();
  if (manifest.pglite !== pglite) return { unusable: `template made by PGlite ${manifest.pglite}, running ${pglite}` };
  const migrations = migrationsFingerprint(migrationsFolder);
  if (manifest.migrations.sha256 !== migrations.sha256) {
    return { unusable: `template has ${manifest.migrations.count} migrations that differ from the ${migrations.count} in drizzle/` };
  }
  const archive = readFileSync(templateFile);
  if (sha256(archive) !== manifest.archive.sha256) return { unusable: `${templateFile} is not the archive its manifest describes` };
  return { archive };
}

const BLOCK = 512;

/**
 * Unpacks the template into a data directory that has no cluster yet. PGlite could load the same
 * archive itself (loadDataDir), but it untars in JavaScript through its virtual file system, which
 * took about 2 s and 130 MB more than writing the files here. PG_VERSION, which marks a directory
 * as a cluster for PGlite, is written last: an unpacking cut short leaves none, and the next start
 * unpacks again over the remains.
 */
export function unpackTemplate(archive: Buffer, dataDir: string): void {
  // One output chunk: with zlib's default 16 KB chunks the malloc heap kept about 45 MB of them
  // after the archive was freed.
  const tar = gunzipSync(archive, { chunkSize: 64 * 1024 * 1024 });
  let marker: Buffer | undefined;
  for (let offset = 0; offset + BLOCK <= tar.length;) {
    const header = tar.subarray(offset, offset + BLOCK);
    const name = field(header, 0, 100);
    if (name === '') break; // the zero blocks that end the archive
    const prefix = field(header, 257, 6).startsWith('ustar') ? field(header, 345, 155) : '';
    const size = parseInt(field(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156]);
    const path = normalize(`${prefix ? `${prefix}/` : ''}${name}`).replace(/^[/\\]+/, '');
    if (path === '' || path.split(sep).includes('..')) throw new Error(`template entry outside the data directory: ${name}`);
    const body = tar.subarray(offset + BLOCK, offset + BLOCK + size);
    const target = join(dataDir, path);
    if (type === '5') mkdirSync(target, { recursive: true });
    else if (type === '0' || type === '\0') {
      if (path === 'PG_VERSION') marker = Buffer.from(body);
      else {
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, body);
      }
    } else throw new Error(`template entry ${name} has tar type ${type}, which a data directory does not hold`);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  if (!marker) throw new Error('the template has no PG_VERSION');
  writeFileSync(join(dataDir, 'PG_VERSION'), marker);
}

function field(header: Buffer, start: number, length: number): string {
  const bytes = header.subarray(start, start + length);
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end === -1 ? length : end).toString('utf8');
}
