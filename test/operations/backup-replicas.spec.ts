import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKEND, createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { freePort, spawnService, waitUntilServing, type ServiceProcess } from '../helpers/process.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

interface Run {
  scheduled_for: Date;
  name: string | null;
  succeeded: boolean | null;
}

// Replicas need a shared PostgreSQL: the embedded database serves one process by design.
(BACKEND === 'postgres' ? describe : describe.skip)('scheduled backups with two replicas on one database', () => {
  let db: TestDatabase;
  let dir: string;
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'ccs-replicas-'));
  });
  afterAll(async () => {
    for (const s of services) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes exactly one backup per tick', async () => {
    const env = { ...db.env, HOST: '127.0.0.1', BACKUP_DIR: dir, BACKUP_CRON: '*/2 * * * * *' };
    for (let i = 0; i < 2; i++) services.push(spawnService({ ...env, PORT: String(await freePort()) }));
    await Promise.all(services.map((s) => waitUntilServing(s)));

    let runs: Run[] = [];
    const deadline = Date.now() + 20_000;
    while (runs.filter((r) => r.succeeded).length < 3 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      runs = await db.query<Run>(`SELECT scheduled_for, name, succeeded FROM backup_runs WHERE trigger = 'scheduled' ORDER BY scheduled_for`);
    }
    for (const s of services) s.child.kill('SIGTERM');
    await Promise.all(services.map((s) => s.exited));
    runs = await db.query<Run>(`SELECT scheduled_for, name, succeeded FROM backup_runs WHERE trigger = 'scheduled' ORDER BY scheduled_for`);

    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(runs.every((r) => r.succeeded)).toBe(true);
    // Every run is a tick of the schedule, and no tick was taken twice. A tick may be missed when
    // the machine is too busy to fire it (cron does not start a run while one is in progress), so
    // gaps are whole multiples of two seconds rather than exactly two.
    expectOneRunPerTick(runs);
    // One file per tick, and one "written" log line per tick across both replicas.
    expect(readdirSync(dir).sort()).toEqual(runs.map((r) => r.name).sort());
    const written = services.map((s) => (s.output().match(/"msg":"backup backup_\d{8}_\d{6}\.sql\.gz written/g) ?? []).length);
    expect(written[0] + written[1]).toBe(runs.length);
    for (const s of services) expect(s.output()).toContain(`backups scheduled: '*/2 * * * * *' (UTC)`);
  });
});

// The embedded database has one process, but the per-tick claim is the same code: two app
// instances in this process, sharing one PGlite, each with its own scheduler.
(BACKEND === 'embedded' ? describe : describe.skip)('scheduled backups with two app instances on one embedded database', () => {
  let db: TestDatabase;
  let dir: string;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'ccs-replicas-'));
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes exactly one backup per tick', async () => {
    const env = { BACKUP_DIR: dir, BACKUP_CRON: '*/2 * * * * *' };
    apps.push(await startApp(db, env), await startApp(db, env));

    const done = () => db.query<Run>(`SELECT scheduled_for, name, succeeded FROM backup_runs WHERE trigger = 'scheduled' AND succeeded ORDER BY scheduled_for`);
    const deadline = Date.now() + 20_000;
    while ((await done()).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    for (const app of apps.splice(0)) await app.close();

    const runs = await db.query<Run>(`SELECT scheduled_for, name, succeeded FROM backup_runs WHERE trigger = 'scheduled' ORDER BY scheduled_for`);
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(runs.every((r) => r.succeeded)).toBe(true);
    expectOneRunPerTick(runs);
    expect(readdirSync(dir).sort()).toEqual(runs.map((r) => r.name).sort());
  });
});

function expectOneRunPerTick(runs: Run[]): void {
  const ticks = runs.map((r) => new Date(r.scheduled_for).getTime());
  for (const tick of ticks) expect(tick % 2000).toBe(0);
  for (let i = 1; i < ticks.length; i++) {
    const gap = ticks[i] - ticks[i - 1];
    expect({ gap, onSchedule: gap > 0 && gap % 2000 === 0 }).toEqual({ gap, onSchedule: true });
  }
}
