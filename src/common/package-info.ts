import { readFileSync } from 'node:fs';

/** name and version from package.json at the repository root (one level above src/ and dist/). */
export const packageInfo = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};
