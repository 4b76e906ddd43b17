import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { ADMIN_URL, BACKEND, createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startApp, type TestApp } from '../helpers/test-app.js';
import { FINGERPRINT_SQL, insertUsage } from './fixtures.js';

const run = promisify(execFile);
const RESTORE_SH = fileURLToPath(new URL('../../utils/scripts/restore.sh', import.meta.url));
const BACKUP_SH = fileURLToPath(new URL('../../utils/scripts/backup.sh', import.meta.url));
const AUTH = { Authorization: 'Bearer backup-test-token-of-the-backup-restore-tests' };

describe(`a backup taken through the API restores identically (${BACKEND})`, () => {
  let db: TestDatabase;
  let app: TestApp;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ccs-backup-'));
    db = await createTestDatabase();
    app = await startApp(db, { ADMIN_TOKEN: 'backup-test-token-of-the-backup-restore-tests', BACKUP_DIR: join(dir, 'backups'), BACKUP_ENABLED: 'false' });
    await insertUsage(db.query);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('dumps, lists, downloads, and restores into a fresh database with every count and sum equal', async () => {
    const created = await app.http.post('/api/v1/maintenance/backups').set(AUTH).expect(201);
    expect(created.body.name).toMatch(/^backup_\d{8}_\d{6}\.sql\.gz$/);
    expect(created.body.sizeBytes).toBeGreaterThan(1000);
    expect(typeof created.body.durationMs).toBe('number');

    const list = await app.http.get('/api/v1/maintenance/backups').set(AUTH).expect(200);
    expect(list.body.backups).toEqual([{ name: created.body.name, sizeBytes: created.body.sizeBytes, createdAt: expect.any(String) }]);
    expect(list.body.lastRun).toMatchObject({ succeeded: true, trigger: 'manual', name: created.body.name, sizeBytes: created.body.sizeBytes, error: null });

    const response = await fetch(`${await app.app.getUrl()}/api/v1/maintenance/backups/${created.body.name}`, { headers: AUTH });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/gzip');
    const gz = Buffer.from(await response.arrayBuffer());
    expect(gz.length).toBe(created.body.sizeBytes);
    expect(gunzipSync(gz).toString('utf8')).toContain('PostgreSQL database dump complete');
    const file = join(dir, created.body.name);
    writeFileSync(file, gz);

    const [before] = await db.query<Record<string, string>>(FINGERPRINT_SQL);
    expect(before.users).toBe('4');
    expect(before.usage_stats).toBe('160');
    expect(before.model_usage).toBe('320');
    expect(before.backup_runs).toBe('1');
    expect(BigInt(before.cache_read_tokens)).toBeGreaterThan(2n ** 32n);

    const after = BACKEND === 'postgres' ? await restoreIntoNewPostgres(file) : await restoreIntoNewDataDir(file, join(dir, 'restored'));
    expect(after).toEqual(before);
    if (BACKEND === 'postgres') {
      // A PostgreSQL dump (COPY blocks) also loads into the embedded database.
      expect(await restoreIntoNewDataDir(file, join(dir, 'restored'))).toEqual(before);
    }
  });

  (BACKEND === 'postgres' ? it : it.skip)('utils/scripts/backup.sh writes a backup that restores identically', async () => {
    const scriptDir = join(dir, 'script-backups');
    const { stdout } = await run(BACKUP_SH, [], { env: { PATH: process.env.PATH, DATABASE_URL: db.env.DATABASE_URL, BACKUP_DIR: scriptDir } });
    const files = readdirSync(scriptDir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^backup_\d{8}_\d{6}\.sql\.gz$/);
    expect(stdout).toContain(`wrote ${join(scriptDir, files[0])}`);
    const [before] = await db.query<Record<string, string>>(FINGERPRINT_SQL);
    expect(await restoreIntoNewPostgres(join(scriptDir, files[0]))).toEqual(before);
  });
});

/** utils/scripts/restore.sh into a new PostgreSQL database, via psql. */
async function restoreIntoNewPostgres(file: string): Promise<Record<string, string>> {
  const name = `ccs_restore_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL!);
  url.pathname = `/${name}`;
  try {
    const { stdout } = await run(RESTORE_SH, [file], { env: { PATH: process.env.PATH, DATABASE_URL: url.toString() } });
    expect(stdout).toContain('restored');
    // A second restore into the now populated database is refused.
    await expect(run(RESTORE_SH, [file], { env: { PATH: process.env.PATH, DATABASE_URL: url.toString() } })).rejects.toMatchObject({
      stderr: expect.stringContaining('already has'),
    });
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      return (await client.query<Record<string, string>>(FINGERPRINT_SQL)).rows[0];
    } finally {
      await client.end();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

/** utils/scripts/restore.sh into a new embedded DATA_DIR, then read it back with PGlite. */
async function restoreIntoNewDataDir(file: string, dataDir: string): Promise<Record<string, string>> {
  const { stdout } = await run(RESTORE_SH, [file], { env: { PATH: process.env.PATH, DATA_DIR: dataDir } });
  expect(stdout).toContain('restored');
  const pglite = await PGlite.create(dataDir);
  try {
    return (await pglite.query<Record<string, string>>(FINGERPRINT_SQL)).rows[0];
  } finally {
    await pglite.close();
  }
}
