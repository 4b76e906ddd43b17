import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The dashboard: plain TypeScript with Preact's JSX, built into dist/web, which the service serves
// at / (src/web-app). Hashed file names under /assets let the service cache them for a year.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: 'public',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    manifest: true,
    target: 'es2022',
    sourcemap: false,
    // No inline data: URIs for assets; everything is a file on this origin (the CSP allows 'self').
    assetsInlineLimit: 0,
  },
  server: { proxy: { '/api': 'http://localhost:3000' } },
});
