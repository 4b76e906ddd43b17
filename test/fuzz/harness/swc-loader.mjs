/**
 * Node module hooks that run the service's TypeScript sources directly, compiled by SWC with the
 * same options as jest (jest.config.js): legacy decorators with their metadata, which Nest's
 * dependency injection needs (tsx and esbuild drop it). The fuzz suite starts the service from
 * src/ in a child process this way, so it tests the code in the working tree, not a stale dist/,
 * and a request that blocks the service's event loop cannot block the test run.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from '@swc/core';

const SWC_OPTIONS = {
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    keepClassNames: true,
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

const isOwnTypeScript = (url) => url.startsWith('file:') && url.endsWith('.ts') && !url.includes('/node_modules/');

export async function resolve(specifier, context, nextResolve) {
  // Sources import each other as `./x.js` (what tsc emits); the file on disk is `./x.ts`.
  if (context.parentURL && isOwnTypeScript(context.parentURL) && specifier.startsWith('.') && specifier.endsWith('.js')) {
    const candidate = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
    if (existsSync(fileURLToPath(candidate))) return { url: candidate.href, format: 'module', shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!isOwnTypeScript(url)) return nextLoad(url, context);
  const filename = fileURLToPath(url);
  const { code } = await transform(await readFile(filename, 'utf8'), { ...SWC_OPTIONS, filename });
  return { format: 'module', source: code, shortCircuit: true };
}
