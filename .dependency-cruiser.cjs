/**
 * Imports point down. The top-level folders of src/ in one order, lowest first: a folder may import
 * the ones before it, never the ones after, so no cycle between folders can form (docs/ARCHITECTURE.md,
 * "Modules"). A new folder goes into this list where it belongs; `npm run lint:deps` fails on one
 * that is missing.
 */
const LAYERS = [
  'config', // the environment, parsed once
  'db', // schema, connection, migrations, SQL helpers
  'common', // errors, HTTP plumbing, dates, CSV
  'auth', // who is calling, what they may do
  'metrics', // Prometheus registry, query timing
  'security', // the perimeter: hooks, budgets, headers
  'directory', // who a username is
  'read-model', // read helpers shared by usage and models: periods, sums, retired months
  'ledger', // the one writer of usage data
  'models', // provider rules, model analytics
  'ingestion', // sources of usage: ccusage adapters, uploads
  'usage', // reading: leaderboards, summary, weekly, export, a user's usage
  'users', // accounts, tokens, every /users route
  'teams', // teams, roles, invites; registration by invite through users' AccountHooks
  'maintenance', // backups, retention, db-stats
  'health', // probes, /info
  'web-app', // serves the built dashboard (web/) at /
  '', // src/*.ts: app, app.module, main, swagger
  'scripts', // command-line entry points
];

const folder = (name) => (name === '' ? '^src/[^/]+\\.ts$' : `^src/${name}/`);

const layerRules = LAYERS.slice(0, -1).map((name, i) => ({
  name: `layer-${name || 'root'}`,
  comment: `src/${name || '*.ts'} imports only what is below it in .dependency-cruiser.cjs`,
  severity: 'error',
  from: { path: folder(name) },
  to: { path: LAYERS.slice(i + 1).map(folder) },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'folder-not-layered',
      comment: 'every top-level folder of src/ has a place in LAYERS',
      severity: 'error',
      from: { path: '^src/', pathNot: LAYERS.map(folder) },
      to: {},
    },
    { name: 'no-circular', severity: 'error', from: { path: '^src/' }, to: { circular: true } },
    { name: 'not-to-test', comment: 'the service never imports its tests', severity: 'error', from: { path: '^src/' }, to: { path: '^(test|bench)/' } },
    { name: 'not-to-unresolvable', severity: 'error', from: { path: '^src/' }, to: { couldNotResolve: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
    // Imports name the compiled .js of a .ts source (Node ESM): resolve them to the source.
    // (enhanced-resolve's extensionAlias maps the .js of an import to its .ts source)
  },
};
