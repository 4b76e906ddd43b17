import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type DatabaseConnection, PostgresConnection } from '../../src/db/database-connection.js';
import { MIGRATIONS_FOLDER, runMigrations } from '../../src/db/migrate.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startApp } from '../helpers/test-app.js';

/**
 * Migration 0005 adds token and cost sums to user_model_months and fills them for data stored
 * before it: a database migrated to 0004 with usage in it must come out with the same sums a
 * rebuild from model_usage gives.
 */
describe('migration 0005 (retired_months, user_model_months sums)', () => {
  let db: TestDatabase;
  let folder: string;

  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    folder = mkdtempSync(join(tmpdir(), 'ccs-migrations-'));
    cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
    const journalPath = join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: Array<{ tag: string }> };
    expect(journal.entries[5]?.tag).toBe('0005_retired_months');
    journal.entries = journal.entries.slice(0, 5);
    writeFileSync(journalPath, JSON.stringify(journal));
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('backfills the sums of existing months', async () => {
    const connection: DatabaseConnection = db.embedded ? db.embedded() : new PostgresConnection(new pg.Pool({ connectionString: db.env.DATABASE_URL }));
    expect(await runMigrations(connection, folder)).toEqual({ applied: 5, total: 5 });
    await connection.close();

    await db.query(`INSERT INTO users (username) VALUES ('a'), ('b')`);
    await db.query(`
      INSERT INTO usage_stats (user_id, date, input_tokens, output_tokens, total_tokens, total_cost)
      VALUES (1, '2026-01-03', 10, 20, 30, 1.5), (1, '2026-01-09', 5, 5, 10, 0.25), (1, '2026-02-09', 1, 1, 2, 0.01), (2, '2026-02-01', 7, 7, 14, 2)`);
    await db.query(`
      INSERT INTO model_usage (usage_stats_id, model, provider, input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost)
      VALUES (1, 'm1', 'anthropic', 6, 20, 1, 3000000000, 1.0001), (1, 'm2', 'openai', 4, 0, 0, 0, 0.4999),
             (2, 'm1', 'anthropic', 5, 5, 2, 4, 0.25), (3, 'm1', 'anthropic', 1, 1, 0, 0, 0.01), (4, 'm2', 'openai', 7, 7, 0, 0, 2)`);
    await db.query(`
      INSERT INTO user_model_months (user_id, model, month, provider, day_mask)
      VALUES (1, 'm1', '2026-01-01', 'anthropic', 260), (1, 'm2', '2026-01-01', 'openai', 4),
             (1, 'm1', '2026-02-01', 'anthropic', 256), (2, 'm2', '2026-02-01', 'openai', 1)`);

    const t = await startApp(db, { LOG_LEVEL: 'warn' });
    await t.close();
    const rows = await db.query<{ r: string }>(`
      SELECT concat_ws('|', user_id, model, month, input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost) AS r
        FROM user_model_months ORDER BY user_id, month, model`);
    expect(rows.map((x) => x.r)).toEqual([
      '1|m1|2026-01-01|11|25|3|3000000004|1.2501',
      '1|m2|2026-01-01|4|0|0|0|0.4999',
      '1|m1|2026-02-01|1|1|0|0|0.0100',
      '2|m2|2026-02-01|7|7|0|0|2.0000',
    ]);
    expect(await db.query(`SELECT * FROM retired_months`)).toEqual([]);
  });
});
