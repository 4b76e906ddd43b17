import { readFileSync } from 'node:fs';
import { DatabaseConnection } from '../../src/db/database-connection.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

const journal = JSON.parse(readFileSync(new URL('../../drizzle/meta/_journal.json', import.meta.url), 'utf8')) as {
  entries: Array<{ tag: string }>;
};

const appliedNow = (t: TestApp) => t.app.get(DatabaseConnection).migratedAtStart;

describe('migrations at start-up', () => {
  let db: TestDatabase;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await db?.drop();
  });

  it('leaves a database untouched with DB_MIGRATE_ON_START=false', async () => {
    const t = await startApp(db, { DB_MIGRATE_ON_START: 'false' });
    apps.push(t);
    const res = await t.http.get('/api/v1/info').expect(200);
    expect(res.body.migrations).toEqual({ applied: 0, available: journal.entries.length });
    const tables = await db.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'`);
    expect(tables).toHaveLength(0);
    expect(appliedNow(t)).toBeNull();
  });

  it('runs exactly once when two instances start together on one database', async () => {
    const [a, b] = await Promise.all([startApp(db), startApp(db)]);
    apps.push(a, b);
    // One instance applied every migration, the other waited for the lock and found none left.
    expect([appliedNow(a), appliedNow(b)].sort()).toEqual([0, journal.entries.length]);
    const rows = await db.query<{ n: string | number }>('SELECT count(*) AS n FROM drizzle.__drizzle_migrations');
    expect(Number(rows[0].n)).toBe(journal.entries.length);
    for (const t of [a, b]) {
      const res = await t.http.get('/api/v1/info').expect(200);
      expect(res.body.migrations.applied).toBe(journal.entries.length);
    }
  });

  it('applies nothing on a restart', async () => {
    const t = await startApp(db);
    apps.push(t);
    expect(appliedNow(t)).toBe(0);
  });
});
