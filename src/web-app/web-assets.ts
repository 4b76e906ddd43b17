import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** Where `npm run build` puts the dashboard (Vite's output); the same path from src/ and from dist/. */
export const WEB_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);

/** The build's own bookkeeping, not for browsers. */
const PRIVATE = [/^\.vite\//, /\.map$/];

/** A file of the dashboard, held in memory with its gzip form and validators. */
export interface WebAsset {
  body: Buffer;
  gzip: Buffer | undefined;
  type: string;
  etag: string;
  /** Vite's content-hashed files: cacheable for a year, never revalidated. */
  immutable: boolean;
}

/** At most this many files and bytes are loaded: a misconfigured directory cannot fill the heap. */
const MAX_FILES = 500;
const MAX_BYTES = 20 * 1024 * 1024;

/**
 * Reads the built dashboard into memory once, at start-up: it is small (well under a megabyte), and
 * serving from a map keyed by URL path means no request can name a file outside it. Undefined when
 * the dashboard was not built.
 */
export function loadWebAssets(dir: string = WEB_DIR): Map<string, WebAsset> | undefined {
  if (!existsSync(join(dir, 'index.html'))) return undefined;
  const assets = new Map<string, WebAsset>();
  let bytes = 0;
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        walk(path);
        continue;
      }
      const name = relative(dir, path).split(sep).join('/');
      const extension = extname(name);
      if (!entry.isFile() || PRIVATE.some((p) => p.test(name)) || !TYPES[extension]) continue;
      bytes += statSync(path).size;
      if (assets.size >= MAX_FILES || bytes > MAX_BYTES) throw new Error(`the dashboard in ${dir} is larger than ${MAX_FILES} files or ${MAX_BYTES} bytes`);
      const body = readFileSync(path);
      const gzip = COMPRESSIBLE.has(extension) && body.length > 512 ? gzipSync(body, { level: 9 }) : undefined;
      assets.set(`/${name}`, {
        body,
        gzip: gzip && gzip.length < body.length ? gzip : undefined,
        type: TYPES[extension],
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
        immutable: name.startsWith('assets/'),
      });
    }
  };
  walk(dir);
  return assets;
}
