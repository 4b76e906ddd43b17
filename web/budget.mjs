// The dashboard's JavaScript budget, checked after every build: at most 200 KB gzipped on first load
// (the entry chunk and everything it imports statically). Prints the sizes; fails the build when over.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 200 * 1024;
const dir = fileURLToPath(new URL('../dist/web/', import.meta.url));
const manifest = JSON.parse(readFileSync(`${dir}.vite/manifest.json`, 'utf8'));

const gz = (file) => gzipSync(readFileSync(dir + file), { level: 9 }).length;
const firstLoad = new Set();
const visit = (key) => {
  const chunk = manifest[key];
  if (!chunk || firstLoad.has(chunk.file)) return;
  firstLoad.add(chunk.file);
  for (const css of chunk.css ?? []) firstLoad.add(css);
  for (const imported of chunk.imports ?? []) visit(imported);
};
for (const [key, chunk] of Object.entries(manifest)) if (chunk.isEntry) visit(key);

const files = [...firstLoad].map((file) => ({ file, bytes: readFileSync(dir + file).length, gzip: gz(file) }));
const js = files.filter((f) => f.file.endsWith('.js'));
const jsGzip = js.reduce((sum, f) => sum + f.gzip, 0);
const report = { budgetBytes: BUDGET_BYTES, firstLoadJsGzipBytes: jsGzip, files };
writeFileSync(`${dir}.vite/budget.json`, `${JSON.stringify(report, null, 2)}\n`);
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
process.stdout.write(
  `dashboard first load: ${files.map((f) => `${f.file} ${kb(f.bytes)} (${kb(f.gzip)} gzip)`).join(', ')}; JavaScript ${kb(jsGzip)} gzip of a ${kb(BUDGET_BYTES)} budget\n`,
);
if (jsGzip > BUDGET_BYTES) {
  process.stderr.write(`the dashboard's first-load JavaScript is ${kb(jsGzip)} gzipped, over its ${kb(BUDGET_BYTES)} budget\n`);
  process.exit(1);
}
