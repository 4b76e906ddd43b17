/**
 * Jest for the end-to-end tier (this file, the default) and the unit tier (jest.unit.config.js, which
 * imports `shared`). Nest 12 ships ES modules, so jest runs in ESM mode (node --experimental-vm-modules,
 * see package.json) with SWC compiling TypeScript and decorators.
 */
/** What both tiers share: TypeScript through SWC as ES modules, and the module name mapping. */
export const shared = {
  testEnvironment: 'node',
  testMatch: ['**/*.spec.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          target: 'es2022',
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          keepClassNames: true,
        },
        module: { type: 'es6' },
      },
    ],
  },
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // @fastify/static (Swagger UI's assets) require()s content-disposition 3, which is ESM only.
    // Node 20 loads that natively; jest's module loader cannot, so tests get the CommonJS build of
    // the same API (2.x). The service itself runs the real 3.x.
    '^content-disposition$': 'content-disposition-cjs',
  },
};

/**
 * The end-to-end tier over the real Fastify app: every spec outside test/unit (jest.unit.config.js has
 * those). With DATABASE_URL set it runs against that PostgreSQL (see test/helpers/database.ts).
 */
export default {
  ...shared,
  roots: ['<rootDir>/test'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/unit/'],
  // End-to-end tests start services and databases; on a loaded 2-core machine that can take a while.
  testTimeout: 120_000,
  maxWorkers: 2,
  // A worker's heap grows with every file it runs (ES module registries are not freed); the health
  // tests read this process's heap against HEALTH_MAX_HEAP_MB, so a worker past 1 GB after a file is
  // replaced by a fresh one (a full PostgreSQL run once reached the 1,536 MB limit in one worker).
  workerIdleMemoryLimit: '1GB',
};
