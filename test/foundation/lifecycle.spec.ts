import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp } from '../../src/app.js';
import { DatabaseConnection } from '../../src/db/database-connection.js';
import { BACKEND, createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { freePort, spawnService, waitUntilServing, type ServiceProcess } from '../helpers/process.js';
import { testConfig } from '../helpers/test-app.js';

describe('start-up and shutdown', () => {
  const running: ServiceProcess[] = [];
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ccs-data-'));
  });
  afterAll(() => {
    for (const s of running) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(env: Record<string, string>): Promise<ServiceProcess> {
    const port = await freePort();
    const service = spawnService({ PORT: String(port), HOST: '127.0.0.1', ...env });
    running.push(service);
    await waitUntilServing(service);
    return service;
  }

  async function stop(service: ServiceProcess): Promise<void> {
    service.child.kill('SIGTERM');
    await service.exited;
    // Nest closes the app, then re-raises the signal: the process ends by SIGTERM, not by a crash.
    expect(['SIGTERM', 0]).toContain(service.child.signalCode ?? service.child.exitCode);
    expect(service.output()).not.toMatch(/"level":50|ERROR/);
  }

  it('starts with nothing configured on the embedded database, on disk, and stops cleanly on SIGTERM', async () => {
    const service = await start({ DATA_DIR: dataDir });
    const info = (await (await fetch(`http://127.0.0.1:${service.port}/api/v1/info`)).json()) as {
      database: { backend: string };
      migrations: { applied: number; available: number };
    };
    expect(info.database.backend).toBe('embedded');
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
    expect(existsSync(join(dataDir, 'service.lock'))).toBe(true);
    await stop(service);
    // PGlite was closed and the data directory released.
    expect(existsSync(join(dataDir, 'service.lock'))).toBe(false);
    await expect(fetch(`http://127.0.0.1:${service.port}/api/v1/info`)).rejects.toThrow();
  });

  it('keeps its data across restarts and refuses a second process on the same DATA_DIR', async () => {
    const first = await start({ DATA_DIR: dataDir });
    expect(first.output()).toContain('migrations: 0 applied now');
    const second = spawnService({ PORT: String(await freePort()), DATA_DIR: dataDir });
    running.push(second);
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`is in use by process ${first.child.pid}`);
    await stop(first);
  });

  (BACKEND === 'postgres' ? it : it.skip)('starts against PostgreSQL when DATABASE_URL is set', async () => {
    const db = await createTestDatabase();
    try {
      const service = await start(db.env);
      const info = (await (await fetch(`http://127.0.0.1:${service.port}/api/v1/info`)).json()) as {
        database: { backend: string };
        migrations: { applied: number; available: number };
      };
      expect(info.database.backend).toBe('postgres');
      expect(info.migrations.applied).toBe(info.migrations.available);
      await stop(service);
    } finally {
      await db.drop();
    }
  });

  describe('in-flight requests', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase();
    });
    afterAll(async () => {
      await db.drop();
    });

    it('answers an unexpected error with a bare 500 problem and logs it with the request id', async () => {
      const lines: Array<Record<string, unknown>> = [];
      const logStream = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line));
          callback();
        },
      });
      const app = await createApp(testConfig(db), { connection: db.embedded?.(), logStream });
      app
        .getHttpAdapter()
        .getInstance()
        .get('/test/explode', () => {
          throw new Error('password=hunter2 at SELECT * FROM secrets');
        });
      await app.listen({ port: 0, host: '127.0.0.1' });
      try {
        const res = await fetch(`${await app.getUrl()}/test/explode`, { headers: { 'X-Request-Id': 'boom-1' } });
        expect(res.status).toBe(500);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        const text = await res.text();
        expect(text).not.toMatch(/hunter2|secrets|SELECT|at /);
        expect(JSON.parse(text)).toEqual({
          type: 'urn:ccstats:problem:internal-error',
          title: 'Internal server error',
          status: 500,
          detail: expect.any(String),
          requestId: 'boom-1',
        });
        const logged = lines.find((l) => l.requestId === 'boom-1' && l.level === 50);
        expect(logged).toBeDefined();
        expect(JSON.stringify(logged)).toContain('hunter2');
      } finally {
        await app.close();
      }
    });

    it('finishes requests in flight, refuses new ones, then closes the database', async () => {
      const app = await createApp(testConfig(db, { LOG_LEVEL: 'silent' }), { connection: db.embedded?.() });
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      let entered!: () => void;
      const inHandler = new Promise<void>((r) => (entered = r));
      app
        .getHttpAdapter()
        .getInstance()
        .get('/test/slow', async () => {
          entered();
          await released;
          return { finished: true };
        });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const url = await app.getUrl();
      const slow = fetch(`${url.replace('[::1]', '127.0.0.1')}/test/slow`);
      await inHandler;
      const closing = app.close();
      await new Promise((r) => setTimeout(r, 100));
      await expect(fetch(`${url}/api/v1/info`)).rejects.toThrow();
      release();
      const res = await slow;
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ finished: true });
      await closing;
      const connection = app.get(DatabaseConnection);
      if (connection.pool) {
        expect(connection.pool.ended).toBe(true);
      } else {
        // The shared in-memory database outlives the app; the app's own handle is closed.
        expect((connection as unknown as { closed: boolean }).closed).toBe(true);
      }
    });
  });
});
