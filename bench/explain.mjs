/**
 * EXPLAIN (ANALYZE, BUFFERS) of every statement an endpoint runs, on the kept bench database
 * (BENCH_KEEP=1 npm run bench:full, then this). The statements are recorded by running the
 * endpoint's repository calls once over a Pool that notes what it is sent.
 *
 *   node bench/explain.mjs ["endpoint name" ...]      (all endpoints without arguments)
 */
import 'reflect-metadata';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from '../dist/db/schema.js';
import { utcDay } from '../dist/common/dates.js';
import { ModelsRepository } from '../dist/models/models.repository.js';
import { StatsRepository } from '../dist/usage/stats.repository.js';
import { UsageRepository } from '../dist/usage/usage.repository.js';
import { UserDirectory } from '../dist/directory/user-directory.js';
import { benchUrl } from './build-dataset.mjs';
import { endpoints, sampleUsers } from './endpoints.mjs';

const pool = new pg.Pool({ connectionString: benchUrl(), max: 4, options: '-c timezone=UTC' });
let recorded = [];
const recorder = {
  query(config, values) {
    const text = typeof config === 'string' ? config : config.text;
    recorded.push({ text, values: values ?? config.values ?? [] });
    return pool.query(config, values);
  },
};
const db = drizzle({ client: recorder, schema });
const repos = { stats: new StatsRepository(db), models: new ModelsRepository(db), usage: new UsageRepository(db), usersRepo: new UserDirectory(db) };
const {
  rows: [{ n }],
} = await pool.query('SELECT count(*)::int AS n FROM users');
const wanted = process.argv.slice(2);
try {
  for (const endpoint of endpoints(repos, utcDay(new Date()), sampleUsers(n))) {
    if (wanted.length && !wanted.includes(endpoint.name)) continue;
    recorded = [];
    await endpoint.baseline(0);
    await endpoint.baseline(0); // the second run's statements, with warm caches
    const statements = recorded.slice(recorded.length / 2);
    console.log(`\n==================== ${endpoint.name}`);
    for (const { text, values } of statements) {
      const { rows } = await pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values);
      console.log(`\n--- ${text.replace(/\s+/g, ' ').trim().slice(0, 160)}…`);
      console.log(rows.map((r) => r['QUERY PLAN']).join('\n'));
    }
  }
} finally {
  await pool.end();
}
