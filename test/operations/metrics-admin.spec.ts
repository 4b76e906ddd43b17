import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_DISABLED_MESSAGE } from '../../src/auth/auth.service.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { normalizeSql, QueryStats } from '../../src/metrics/query-stats.js';
import { registerUser } from '../helpers/api.js';
import { BACKEND, createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startApp, type TestApp } from '../helpers/test-app.js';
import { insertUsage, sample } from './fixtures.js';

const TOKEN = 'metrics-admin-token-of-the-metrics-admin-tests';
const AUTH = { Authorization: `Bearer ${TOKEN}` };

describe('query shapes', () => {
  it('collapse literals, parameters and value lists', () => {
    expect(normalizeSql(`select * from "users" where "username" = $1 and id in (1, 2, 3) and note = 'it''s'`)).toBe(
      'select * from "users" where "username" = ? and id in (?) and note = ?',
    );
    expect(normalizeSql('insert into t (a, b) values ($1, $2), ($3, $4), ($5, $6)')).toBe('insert into t (a, b) values (?), ...');
  });

  it('keep the slowest by mean time, bounded in number', () => {
    const stats = new QueryStats(2);
    stats.record('select 1', 10);
    stats.record('select 2', 1);
    stats.record('select 1', 30);
    stats.record('select $1 from big', 50); // evicts the cheapest shape (select ?, total 1 ms… merged with select 1)
    expect(stats.slowest(5)).toEqual([
      { query: 'select ? from big', calls: 1, totalMs: 50, meanMs: 50, maxMs: 50 },
      { query: 'select ?', calls: 3, totalMs: 41, meanMs: 13.667, maxMs: 30 },
    ]);
  });
});

describe(`metrics and admin endpoints (${BACKEND})`, () => {
  let db: TestDatabase;
  let app: TestApp;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ccs-metrics-'));
    db = await createTestDatabase();
    const env = { ADMIN_TOKEN: TOKEN, BACKUP_DIR: dir, BACKUP_ENABLED: 'false' };
    // A first start migrates; the data and ANALYZE come before the start whose table statistics
    // (read at start-up, then every METRICS_REFRESH_SECONDS) the test reads.
    await (await startApp(db, env)).close();
    await insertUsage(db.query);
    if (BACKEND === 'postgres') await db.query('ANALYZE');
    app = await startApp(db, env);
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 401 without the admin token or with a wrong one, in constant shape', async () => {
    const missing = await app.http.get('/api/v1/maintenance/backups').expect(401);
    expect(missing.headers['content-type']).toContain('application/problem+json');
    expect(missing.body.detail).toContain('Authorization: Bearer');
    const wrong = await app.http.get('/api/v1/maintenance/db-stats').set('Authorization', 'Bearer not-the-token').expect(401);
    expect(wrong.body.detail).toBe('The token is unknown or has been revoked.');
    await app.http.post('/api/v1/maintenance/backups').set('Authorization', `Basic ${TOKEN}`).expect(401);
    await app.http.get('/api/v1/maintenance/backups').set(AUTH).expect(200);
    expect(await (await import('node:fs/promises')).readdir(dir)).toEqual([]); // no backup was taken by the refused POST
  });

  it('validates backup names: traversal and non-backup names are refused, unknown backups are 404', async () => {
    const traversal = await app.http.get('/api/v1/maintenance/backups/..%2F..%2Fetc%2Fpasswd').set(AUTH).expect(400);
    expect(traversal.body.errors[0]).toMatchObject({ path: 'name', in: 'param' });
    await app.http.get('/api/v1/maintenance/backups/backup_20260101_000000.sql.gz.tmp').set(AUTH).expect(400);
    await app.http.get('/api/v1/maintenance/backups/..%2Fbackup_20260101_000000.sql.gz').set(AUTH).expect(400);
    await app.http.get('/api/v1/maintenance/backups/../../../etc/passwd').set(AUTH).expect(404);
    const unknown = await app.http.get('/api/v1/maintenance/backups/backup_20260101_000000.sql.gz').set(AUTH).expect(404);
    expect(unknown.body.detail).toBe('There is no backup backup_20260101_000000.sql.gz.');
  });

  it('reports db-stats: pool, slowest query shapes, table sizes with growth since the last backup, index usage', async () => {
    const before = await app.http.get('/api/v1/maintenance/db-stats').set(AUTH).expect(200);
    expect(before.body.lastBackupAt).toBeNull();
    expect(before.body.tables.find((t: { table: string }) => t.table === 'usage_stats')).toMatchObject({
      sizeAtLastBackup: null,
      growthBytesSinceLastBackup: null,
    });

    await app.http.post('/api/v1/maintenance/backups').set(AUTH).expect(201);
    await db.query(`INSERT INTO users (username) SELECT 'growth' || g FROM generate_series(1, 2000) g`);
    const stats = await app.http.get('/api/v1/maintenance/db-stats').set(AUTH).expect(200);
    expect(stats.body.backend).toBe(BACKEND);
    if (BACKEND === 'postgres') expect(stats.body.pool).toMatchObject({ max: 20, total: expect.any(Number), idle: expect.any(Number), waiting: 0 });
    else expect(stats.body.pool).toBeNull();
    expect(stats.body.lastBackupAt).toEqual(expect.any(String));
    const users = stats.body.tables.find((t: { table: string }) => t.table === 'users');
    expect(users.sizeAtLastBackup).toBeGreaterThan(0);
    expect(users.growthBytesSinceLastBackup).toBe(users.sizeBytes - users.sizeAtLastBackup);
    expect(users.growthBytesSinceLastBackup).toBeGreaterThan(0);
    const tables = await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
    expect(tables.length).toBeGreaterThan(10);
    expect(stats.body.tables.map((t: { table: string }) => t.table)).toEqual(tables.map((t) => t.table_name));
    expect(stats.body.indexes).toContainEqual(expect.objectContaining({ table: 'usage_stats', index: 'user_date_idx', scans: expect.any(Number) }));
    // The service's own queries, normalized: recording the backup is one of them, including the
    // insert made on the connection that holds the backup lock.
    // The answer lists the 10 slowest shapes, which the backup's need not be among (the ranking
    // index loads at start), so the shapes recorded are checked in the service itself.
    expect(stats.body.slowestQueries.length).toBe(10);
    const recorded = app.app.get(MetricsService).queries.slowest(Number.POSITIVE_INFINITY);
    expect(recorded.map((q) => q.query)).toContainEqual(expect.stringMatching(/^insert into "backup_runs" /));
    expect(recorded.map((q) => q.query)).toContainEqual(
      'update "backup_runs" set "name" = ?, "finished_at" = ?, "succeeded" = ?, "size_bytes" = ?, "table_sizes" = ? where "backup_runs"."id" = ?',
    );
    for (const q of stats.body.slowestQueries) expect(q.calls).toBeGreaterThan(0);
  });

  it('exposes Prometheus metrics: requests by route pattern, queries, pool, uploads, backups, table sizes', async () => {
    await app.http.get('/api/v1/info').expect(200);
    await app.http.get('/api/v1/info').expect(200);
    await app.http.get('/api/v1/maintenance/backups/nope').set(AUTH).expect(400);
    await app.http.get('/api/v1/no/such/route').expect(404);
    const service = app.app.get(MetricsService);
    service.recordUpload(30);
    service.recordUpload(7);

    const res = await app.http.get('/metrics').set(AUTH).expect(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = res.text;
    expect(sample(text, 'ccstats_http_request_duration_seconds_count', '{method="GET",route="/api/v1/info",status_code="200"}')).toBe(2);
    expect(sample(text, 'ccstats_http_request_duration_seconds_count', '{method="GET",route="/api/v1/maintenance/backups/:name",status_code="400"}')).toBe(4); // three in the name test
    expect(sample(text, 'ccstats_http_request_duration_seconds_count', '{method="GET",route="unmatched",status_code="404"}')).toBe(2); // ../../../etc/passwd before
    expect(sample(text, 'ccstats_uploads_total')).toBe(2);
    expect(sample(text, 'ccstats_uploaded_days_total')).toBe(37);
    expect(sample(text, 'ccstats_backup_failures_total')).toBe(0);
    expect(sample(text, 'ccstats_backup_last_size_bytes')).toBeGreaterThan(1000);
    expect(sample(text, 'ccstats_db_query_duration_seconds_count', '{operation="select",outcome="ok"}')).toBeGreaterThan(0);
    expect(sample(text, 'ccstats_db_pool_waiting_clients')).toBe(0);
    if (BACKEND === 'postgres') {
      expect(sample(text, 'ccstats_db_pool_total_clients')).toBeGreaterThan(0);
      // ANALYZE ran before start: the estimate is the real count.
      expect(sample(text, 'ccstats_table_rows_estimate', '{table="usage_stats"}')).toBe(160);
    } else {
      expect(sample(text, 'ccstats_db_pool_total_clients')).toBe(0);
    }
    expect(sample(text, 'ccstats_table_size_bytes', '{table="usage_stats"}')).toBeGreaterThan(8192);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });
});

describe(`admin endpoints without an admin token (${BACKEND})`, () => {
  let db: TestDatabase;
  let app: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startApp(db, { BACKUP_ENABLED: 'false' });
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it("answers 403 and says how to enable them, to anonymous callers and users' tokens alike", async () => {
    const { token } = await registerUser(app.http);
    for (const auth of [undefined, `Bearer ${token}`]) {
      const req = app.http.post('/api/v1/maintenance/backups');
      const res = await (auth ? req.set('Authorization', auth) : req).expect(403);
      expect(res.body.detail).toBe(ADMIN_DISABLED_MESSAGE);
    }
    // A token nobody issued is refused as such, before any question of what it may do.
    await app.http.post('/api/v1/maintenance/backups').set('Authorization', 'Bearer anything').expect(401);
  });
});
