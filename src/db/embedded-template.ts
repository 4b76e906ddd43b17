import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, normalize, sep } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGunzip, gzipSync } from 'node:zlib';

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
  /** 2: packed after a clean shutdown (1 was a dumpDataDir of the running instance). */
  format: 2;
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
    format: 2,
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
  if (manifest.format !== 2) return { unusable: `template format ${String(manifest.format)} is not 2` };
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
 * A gzipped tar of a cluster's directory, in the layout dumpDataDir writes (paths from the data
 * directory's root), so that PGlite's loadDataDir reads it as well as unpackTemplate does.
 */
export function packDataDir(dataDir: string, exclude: ReadonlySet<string> = new Set()): Buffer {
  const blocks: Buffer[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(join(dataDir, relative), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (exclude.has(path)) continue;
      if (entry.isDirectory()) {
        blocks.push(tarHeader(`/${path}`, '5', 0));
        walk(path);
      } else if (entry.isFile()) {
        const body = readFileSync(join(dataDir, path));
        blocks.push(tarHeader(`/${path}`, '0', body.length), body, Buffer.alloc(Math.ceil(body.length / BLOCK) * BLOCK - body.length));
      } else throw new Error(`${path} in ${dataDir} is neither a file nor a directory`);
    }
  };
  walk('');
  blocks.push(Buffer.alloc(2 * BLOCK));
  return gzipSync(Buffer.concat(blocks));
}

function tarHeader(name: string, type: '0' | '5', size: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`${name}: a path this long needs a tar prefix field`);
  const header = Buffer.alloc(BLOCK);
  const octal = (value: number, start: number, length: number) => header.write(`${value.toString(8).padStart(length - 1, '0')}\0`, start, 'ascii');
  header.write(name, 0, 'utf8');
  octal(type === '5' ? 0o700 : 0o600, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(size, 124, 12);
  octal(Math.floor(Date.now() / 1000), 136, 12);
  header.write(type, 156, 'ascii');
  header.write('ustar\x0000', 257, 'ascii');
  // The checksum is the sum of the header's bytes with its own field counted as spaces.
  header.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return header;
}

/**
 * Unpacks the template into a data directory that has no cluster yet. PGlite could load the same
 * archive itself (loadDataDir), but it untars in JavaScript through its virtual file system, which
 * took about 2 s and 130 MB more than writing the files here. The archive is inflated and written
 * a chunk at a time: the whole 40 MB tar in one buffer stayed in the process's memory until a
 * full garbage collection, long after start-up. PG_VERSION, which marks a directory as a cluster
 * for PGlite, is written last: an unpacking cut short leaves none, and the next start unpacks again
 * over the remains.
 */
export async function unpackTemplate(archive: Buffer, dataDir: string): Promise<void> {
  const unpacker = new TarUnpacker(dataDir);
  try {
    await pipeline(
      Readable.from([archive]),
      createGunzip({ chunkSize: 1024 * 1024 }),
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          try {
            unpacker.push(chunk);
            done();
          } catch (error) {
            done(error as Error);
          }
        },
      }),
    );
    unpacker.finish();
  } finally {
    unpacker.closeOpenFile();
  }
}

/** A tar reader for what dumpDataDir writes (directories and regular files), fed in chunks of any size. */
class TarUnpacker {
  private readonly header = Buffer.alloc(BLOCK);
  private headerBytes = 0;
  /** The file whose contents are arriving: written to `fd`, or kept in `parts` (PG_VERSION). */
  private file: { fd?: number; parts: Buffer[]; left: number; padding: number } | undefined;
  private skip = 0;
  private ended = false;
  private marker: Buffer | undefined;

  constructor(private readonly dataDir: string) {}

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.ended) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - at);
        this.skip -= n;
        at += n;
      } else if (this.file) {
        const n = Math.min(this.file.left, chunk.length - at);
        const part = chunk.subarray(at, at + n);
        if (this.file.fd === undefined) this.file.parts.push(Buffer.from(part));
        else writeSync(this.file.fd, part);
        this.file.left -= n;
        at += n;
        if (this.file.left === 0) this.endFile();
      } else {
        const n = Math.min(BLOCK - this.headerBytes, chunk.length - at);
        chunk.copy(this.header, this.headerBytes, at, at + n);
        this.headerBytes += n;
        at += n;
        if (this.headerBytes === BLOCK) {
          this.headerBytes = 0;
          this.startEntry();
        }
      }
    }
  }

  finish(): void {
    if (this.file || !this.ended) throw new Error('the template archive ends in the middle of an entry');
    if (!this.marker) throw new Error('the template has no PG_VERSION');
    writeFileSync(join(this.dataDir, 'PG_VERSION'), this.marker);
  }

  closeOpenFile(): void {
    if (this.file?.fd !== undefined) closeSync(this.file.fd);
    this.file = undefined;
  }

  private startEntry(): void {
    const name = field(this.header, 0, 100);
    if (name === '') {
      this.ended = true; // the zero blocks that end the archive
      return;
    }
    const prefix = field(this.header, 257, 6).startsWith('ustar') ? field(this.header, 345, 155) : '';
    const size = parseInt(field(this.header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(this.header[156]);
    const path = normalize(`${prefix ? `${prefix}/` : ''}${name}`).replace(/^[/\\]+/, '');
    if (path === '' || path.split(sep).includes('..')) throw new Error(`template entry outside the data directory: ${name}`);
    const target = join(this.dataDir, path);
    const padding = Math.ceil(size / BLOCK) * BLOCK - size;
    if (type === '5') {
      mkdirSync(target, { recursive: true });
      this.skip = size + padding;
    } else if (type === '0' || type === '\0') {
      mkdirSync(dirname(target), { recursive: true });
      this.file = { fd: path === 'PG_VERSION' ? undefined : openSync(target, 'w'), parts: [], left: size, padding };
      if (size === 0) this.endFile();
    } else throw new Error(`template entry ${name} has tar type ${type}, which a data directory does not hold`);
  }

  private endFile(): void {
    const { fd, parts, padding } = this.file!;
    if (fd === undefined) this.marker = Buffer.concat(parts);
    else closeSync(fd);
    this.file = undefined;
    this.skip = padding;
  }
}

function field(header: Buffer, start: number, length: number): string {
  const bytes = header.subarray(start, start + length);
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end === -1 ? length : end).toString('utf8');
}
