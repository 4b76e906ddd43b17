import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPgDump, libpqEnv, pgDumpCandidates } from '../../src/db/pg-dump.js';
import { BACKEND, createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startApp, type TestApp } from '../helpers/test-app.js';
import { sample } from './fixtures.js';

const AUTH = { Authorization: 'Bearer failure-test-token-of-the-backup-failure-tests' };

function fakePgDump(path: string, body: string): string {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('choosing a pg_dump', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ccs-pgdump-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes the first that is the server’s major or newer, and names the version needed when none is', async () => {
    const v14 = fakePgDump(join(dir, 'pg_dump14'), 'echo "pg_dump (PostgreSQL) 14.12"');
    const v16 = fakePgDump(join(dir, 'pg_dump16'), 'echo "pg_dump (PostgreSQL) 16.4 (Debian 16.4-1.pgdg120+1)"');
    const broken = fakePgDump(join(dir, 'pg_dump_broken'), 'exit 1');
    await expect(findPgDump(15, [join(dir, 'missing'), broken, v14, v16])).resolves.toEqual({ path: v16, major: 16 });
    await expect(findPgDump(14, [v14, v16])).resolves.toEqual({ path: v14, major: 14 });
    await expect(findPgDump(17, [v14, v16])).rejects.toThrow(
      `no pg_dump can dump this PostgreSQL 17 server: it needs pg_dump 17 or newer (found: ${v14} (14), ${v16} (16))`,
    );
  });

  it('looks in PG_DUMP_PATH, then /usr/lib/postgresql/<major>/bin from the server’s major up, then PATH', async () => {
    const root = join(dir, 'postgresql');
    for (const major of ['13', '15', '17', 'common']) mkdirSync(join(root, major, 'bin'), { recursive: true });
    expect(await pgDumpCandidates(15, dir, '/opt/bin:/usr/bin', root)).toEqual([
      join(dir, 'pg_dump'),
      join(root, '15', 'bin', 'pg_dump'),
      join(root, '17', 'bin', 'pg_dump'),
      '/opt/bin/pg_dump',
      '/usr/bin/pg_dump',
    ]);
  });

  it('passes credentials through libpq variables taken from the configuration', () => {
    const base = {
      backend: 'postgres',
      host: 'h',
      port: 1,
      user: 'u',
      password: 'p',
      database: 'd',
      poolMax: 1,
      idleTimeoutMs: 1,
      connectTimeoutMs: 1,
    } as const;
    expect(libpqEnv({ ...base, ssl: false, connectionString: 'postgres://al%40ice:s%3Acret@db.example:6543/stats?sslmode=require' })).toEqual({
      PGHOST: 'db.example',
      PGPORT: '6543',
      PGUSER: 'al@ice',
      PGPASSWORD: 's:cret',
      PGDATABASE: 'stats',
      PGSSLMODE: 'require',
    });
    expect(libpqEnv({ ...base, ssl: { rejectUnauthorized: true } })).toEqual({
      PGHOST: 'h',
      PGPORT: '1',
      PGUSER: 'u',
      PGPASSWORD: 'p',
      PGDATABASE: 'd',
      PGSSLMODE: 'verify-full',
    });
  });
});

describe(`a failed backup (${BACKEND})`, () => {
  let db: TestDatabase;
  let dir: string;
  let app: TestApp | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ccs-backup-fail-'));
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  afterAll(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function metrics(): Promise<string> {
    return (await app!.http.get('/metrics').set(AUTH).expect(200)).text;
  }

  it('into a directory that cannot be created leaves nothing, shows in health and metrics, and succeeds once fixed', async () => {
    const blocker = join(dir, 'blocker');
    writeFileSync(blocker, 'a file where the backup directory should be');
    app = await startApp(db, { ADMIN_TOKEN: 'failure-test-token-of-the-backup-failure-tests', BACKUP_DIR: join(blocker, 'backups'), BACKUP_ENABLED: 'false' });

    const failed = await app.http.post('/api/v1/maintenance/backups').set(AUTH).expect(500);
    expect(failed.body.detail).toMatch(/^The backup failed: ENOTDIR/);
    expect(readdirSync(dir)).toEqual(['blocker']);

    const ready = await app.http.get('/health/ready').expect(503);
    expect(Object.keys(ready.body.error)).toEqual(['backupDisk']);
    const detail = await app.http.get('/health').set(AUTH).expect(503);
    expect(detail.body.details.backup).toMatchObject({ status: 'degraded', lastRun: { succeeded: false, error: expect.stringMatching(/ENOTDIR/) } });
    expect(sample(await metrics(), 'ccstats_backup_failures_total')).toBe(1);
    expect(sample(await metrics(), 'ccstats_backup_last_success_timestamp_seconds')).toBe(0);

    rmSync(blocker);
    const ok = await app.http.post('/api/v1/maintenance/backups').set(AUTH).expect(201);
    expect(readdirSync(join(blocker, 'backups'))).toEqual([ok.body.name]);
    const healthy = await app.http.get('/health').set(AUTH).expect(200);
    expect(healthy.body.status).toBe('ok');
    expect(healthy.body.details.backup).toMatchObject({ status: 'up', lastRun: { succeeded: true, name: ok.body.name } });
    const after = await metrics();
    expect(sample(after, 'ccstats_backup_failures_total')).toBe(1);
    expect(sample(after, 'ccstats_backup_last_size_bytes')).toBe(ok.body.sizeBytes);
    expect(sample(after, 'ccstats_backup_last_success_timestamp_seconds')).toBeCloseTo(Date.parse(ok.body.createdAt) / 1000, 0);
  });

  (BACKEND === 'postgres' ? it : it.skip)('when pg_dump fails midway leaves no partial file, and succeeds once pg_dump is fixed', async () => {
    const backups = join(dir, 'pg-backups');
    const fake = fakePgDump(
      join(dir, 'pg_dump'),
      'if [ "$1" = "--version" ]; then echo "pg_dump (PostgreSQL) 99.0"; exit 0; fi\necho "-- PostgreSQL database dump (partial)"\necho "pg_dump: error: connection lost" >&2\nexit 1',
    );
    app = await startApp(db, {
      ADMIN_TOKEN: 'failure-test-token-of-the-backup-failure-tests',
      BACKUP_DIR: backups,
      BACKUP_ENABLED: 'false',
      PG_DUMP_PATH: fake,
    });

    const failed = await app.http.post('/api/v1/maintenance/backups').set(AUTH).expect(500);
    expect(failed.body.detail).toBe(`The backup failed: ${fake} exited with code 1: pg_dump: error: connection lost`);
    expect(readdirSync(backups)).toEqual([]);
    const detail = await app.http.get('/health').set(AUTH).expect(200);
    expect(detail.body.status).toBe('degraded');
    expect(detail.body.details.backup.message).toContain('connection lost');
    expect(sample(await metrics(), 'ccstats_backup_failures_total')).toBe(1);

    // Fixed: PG_DUMP_PATH now leads to the real pg_dump of a suitable major.
    fakePgDump(fake, 'for d in /usr/lib/postgresql/*/bin; do exec "$d/pg_dump" "$@"; done; exec pg_dump "$@"');
    const ok = await app.http.post('/api/v1/maintenance/backups').set(AUTH).expect(201);
    expect(readdirSync(backups)).toEqual([ok.body.name]);
    expect(existsSync(join(backups, `${ok.body.name}.tmp`))).toBe(false);
    expect((await app.http.get('/health').set(AUTH).expect(200)).body.details.backup.status).toBe('up');
  });
});
