import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

/**
 * A kubelet asks the probes every few seconds: their successful answers are not logged unless
 * LOG_PROBES says so (test/unit/logging.spec.ts: the level chosen for each answer, LOG_PROBES=true).
 */
describe('probe logging', () => {
  let db: TestDatabase;
  let quiet: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    quiet = await startApp(db, { LOG_LEVEL: 'info' });
  });
  afterAll(async () => {
    await quiet?.close();
    await db?.drop();
  });

  const linesOf = (t: TestApp, id: string) => t.logs.filter((l) => (l.req as { id?: string } | undefined)?.id === id);

  it('does not log a successful probe by default, and still logs every other request', async () => {
    await quiet.http.get('/health/live').set('X-Request-Id', 'probe-live').expect(200);
    await quiet.http.get('/health/ready?x=1').set('X-Request-Id', 'probe-ready').expect(200);
    await quiet.http.get('/api/v1/info').set('X-Request-Id', 'not-a-probe').expect(200);
    await quiet.http.get('/health/live/extra').set('X-Request-Id', 'not-a-probe-404').expect(404);
    expect(linesOf(quiet, 'probe-live')).toHaveLength(0);
    expect(linesOf(quiet, 'probe-ready')).toHaveLength(0);
    expect(linesOf(quiet, 'not-a-probe')).toHaveLength(1);
    expect(linesOf(quiet, 'not-a-probe-404')).toHaveLength(1);
  });

  it('logs a probe that is not answered with success', async () => {
    await quiet.http.post('/health/live').set('X-Request-Id', 'probe-post').expect(404);
    expect(linesOf(quiet, 'probe-post')).toEqual([expect.objectContaining({ res: { statusCode: 404 } })]);
  });
});
