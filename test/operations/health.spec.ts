import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { committedMigrationCount } from '../../src/db/migrate.js';
import { HealthService } from '../../src/health/health.service.js';
import { BACKEND, createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { freePort } from '../helpers/process.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

const MIGRATIONS = committedMigrationCount();
const ADMIN = 'health-admin-token-of-the-health-tests';
const AUTH = { Authorization: `Bearer ${ADMIN}` };

const run = promisify(execFile);

describe(`health probes (${BACKEND})`, () => {
  let db: TestDatabase;
  let app: TestApp;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ccs-health-'));
    db = await createTestDatabase();
    app = await startApp(db, { BACKUP_DIR: join(dir, 'backups'), BACKUP_ENABLED: 'false', ADMIN_TOKEN: ADMIN });
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are open to all and outside /api/v1; ready and detail name every check', async () => {
    const live = await app.http.get('/health/live').expect(200);
    expect(live.body).toMatchObject({ status: 'ok', details: { process: { status: 'up' } } });

    const ready = await app.http.get('/health/ready').expect(200);
    expect(Object.keys(ready.body.details)).toEqual(['shutdown', 'database', 'migrations', 'backupDisk', 'heap']);

    // The data behind each check is in the detail, which needs the admin token.
    const detail = await app.http.get('/health').set(AUTH).expect(200);
    expect(detail.body.details.database).toMatchObject({ status: 'up', backend: BACKEND });
    expect(detail.body.details.migrations).toMatchObject({ status: 'up', applied: MIGRATIONS, committed: MIGRATIONS });
    expect(detail.body.details.backupDisk).toMatchObject({ status: 'up', directory: join(dir, 'backups'), minFreeMb: 512 });
    expect(Object.keys(detail.body.details)).toEqual(['shutdown', 'database', 'migrations', 'backupDisk', 'heap', 'pool', 'backup']);
    expect(detail.body.details.backup).toMatchObject({ status: 'up', enabled: false, lastRun: null });
    await app.http.get('/api/v1/health').expect(404);
  });

  it('readiness fails while migrations are missing and recovers without a restart', async () => {
    await db
      .query(`DELETE FROM drizzle.__drizzle_migrations WHERE id = (SELECT max(id) FROM drizzle.__drizzle_migrations) RETURNING hash, created_at`)
      .then(async (rows) => {
        try {
          const res = await app.http.get('/health/ready').expect(503);
          expect(res.body.status).toBe('error');
          expect(res.body.error).toEqual({ migrations: { status: 'down' } });
          const detail = await app.http.get('/health').set(AUTH).expect(503);
          expect(detail.body.error).toEqual({
            migrations: { status: 'down', applied: MIGRATIONS - 1, committed: MIGRATIONS, message: `${MIGRATIONS - 1} of ${MIGRATIONS} migrations applied` },
          });
          await app.http.get('/health/live').expect(200);
        } finally {
          const { hash, created_at } = rows[0] as { hash: string; created_at: string };
          await db.query(`INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ($1, $2)`, [hash, created_at]);
        }
      });
    await app.http.get('/health/ready').expect(200);
  });

  it('readiness fails when free disk is below HEALTH_MIN_FREE_DISK_MB or the heap above HEALTH_MAX_HEAP_MB', async () => {
    const strict = await startApp(db, {
      BACKUP_DIR: join(dir, 'backups'),
      BACKUP_ENABLED: 'false',
      HEALTH_MIN_FREE_DISK_MB: '10000000',
      HEALTH_MAX_HEAP_MB: '16',
      ADMIN_TOKEN: ADMIN,
    });
    try {
      const res = await strict.http.get('/health/ready').expect(503);
      expect(Object.keys(res.body.error).sort()).toEqual(['backupDisk', 'heap']);
      const detail = await strict.http.get('/health').set(AUTH).expect(503);
      expect(detail.body.error.backupDisk.message).toMatch(/^only \d+ MB free in /);
      await strict.http.get('/health/live').expect(200);
    } finally {
      await strict.close();
    }
  });

  it('readiness turns 503 once shutdown begins, before the server stops accepting', async () => {
    const closing = await startApp(db, { BACKUP_DIR: join(dir, 'backups'), BACKUP_ENABLED: 'false', ADMIN_TOKEN: ADMIN });
    try {
      await closing.http.get('/health/ready').expect(200);
      // What Nest runs first on SIGTERM, before it closes the HTTP server.
      closing.app.get(HealthService).beforeApplicationShutdown();
      const res = await closing.http.get('/health/ready').expect(503);
      expect(res.body.error).toEqual({ shutdown: { status: 'down' } });
      const detail = await closing.http.get('/health').set(AUTH).expect(503);
      expect(detail.body.error).toEqual({ shutdown: { status: 'down', message: 'shutting down' } });
      await closing.http.get('/health/live').expect(200);
    } finally {
      await closing.close();
    }
  });
});

/** The newest initdb of the machine's PostgreSQL installations, if any. */
function findInitdb(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((m) => /^\d+$/.test(m))
    .sort((a, b) => Number(b) - Number(a));
  return majors.map((m) => join(root, m, 'bin', 'initdb')).find((p) => existsSync(p));
}

const INITDB = findInitdb();

(INITDB ? describe : describe.skip)('readiness follows a PostgreSQL server that stops and comes back', () => {
  const bin = INITDB ? join(INITDB, '..') : '';
  let dir: string;
  let port: number;
  let app: TestApp | undefined;

  const asPostgres = (cmd: string, args: string[]) => run('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]);
  const pgCtl = (action: 'start' | 'stop') =>
    asPostgres('pg_ctl', [
      '-D',
      join(dir, 'data'),
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-m',
      'fast',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      action,
    ]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ccs-cluster-'));
    chownSync(dir, Number((await run('id', ['-u', 'postgres'])).stdout), Number((await run('id', ['-g', 'postgres'])).stdout));
    port = await freePort();
    await asPostgres('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    await pgCtl('start');
  });
  afterAll(async () => {
    await app?.close();
    await pgCtl('stop').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  async function waitForReady(status: number): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const res = await app!.http.get('/health/ready');
      if (res.status === status) return res.body as Record<string, unknown>;
      if (Date.now() > deadline) throw new Error(`readiness stayed ${res.status}: ${JSON.stringify(res.body)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('503 naming the database while it is down, 200 again when it returns; liveness stays 200 throughout', async () => {
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    app = await startApp({ env: { DATABASE_URL: url } } as unknown as TestDatabase, {
      BACKUP_DIR: join(dir, 'backups'),
      BACKUP_ENABLED: 'false',
      DB_CONNECT_TIMEOUT_MS: '500',
    });
    await waitForReady(200);

    await pgCtl('stop');
    const down = (await waitForReady(503)) as { error: Record<string, { status: string }> };
    expect(down.error.database).toMatchObject({ status: 'down' });
    expect(Object.keys(down.error)).toContain('database');
    await app.http.get('/health/live').expect(200);

    await pgCtl('start');
    const up = (await waitForReady(200)) as { details: Record<string, { status: string }> };
    expect(up.details.database.status).toBe('up');
    await app.http.get('/health/live').expect(200);
  });
});
