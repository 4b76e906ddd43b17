import { readFileSync } from 'node:fs';
import { BACKEND, type TestDatabase } from '../helpers/database.js';
import { type TestApp, useTestApp } from '../helpers/test-app.js';

const journal = JSON.parse(readFileSync(new URL('../../drizzle/meta/_journal.json', import.meta.url), 'utf8'));
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

describe('the application', () => {
  let db: TestDatabase;
  let t: TestApp;

  useTestApp({}, (app) => ({ db, t } = app));

  it('reports what it is on GET /api/v1/info', async () => {
    const res = await t.http.get('/api/v1/info').expect(200);
    expect(res.body).toEqual({
      name: pkg.name,
      version: pkg.version,
      database: { backend: BACKEND, serverVersion: expect.stringMatching(/^\d+\.\d+/) },
      migrations: { applied: journal.entries.length, available: journal.entries.length },
    });
    const [{ server_version }] = await db.query<{ server_version: string }>('SHOW server_version');
    expect(res.body.database.serverVersion).toBe(server_version);
  });

  it('answers an unknown route with a 404 problem body', async () => {
    const res = await t.http.get('/api/v1/no-such-thing').expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toEqual({
      type: 'urn:ccstats:problem:not-found',
      title: 'Not found',
      status: 404,
      detail: 'Cannot GET /api/v1/no-such-thing',
      requestId: res.headers['x-request-id'],
    });
  });

  it('answers a malformed JSON body with a 400 problem body', async () => {
    const res = await t.http.post('/api/v1/info').set('content-type', 'application/json').send('{"daily": [').expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ type: 'urn:ccstats:problem:malformed-body', status: 400, title: 'Malformed request body' });
    expect(res.body.detail).toMatch(/not valid JSON/);
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
  });

  it('echoes a caller-supplied X-Request-Id and logs it with the request', async () => {
    const res = await t.http.get('/api/v1/info').set('X-Request-Id', 'trace-42.a_b:c').expect(200);
    expect(res.headers['x-request-id']).toBe('trace-42.a_b:c');
    const line = t.logs.find((l) => (l.req as { id?: string } | undefined)?.id === 'trace-42.a_b:c');
    expect(line).toMatchObject({
      req: { method: 'GET', url: '/api/v1/info' },
      route: '/api/v1/info',
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
    });
  });

  it('generates a request id when none (or an unsafe one) is sent', async () => {
    const plain = await t.http.get('/api/v1/info').expect(200);
    expect(plain.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    for (const unsafe of ['has spaces and "quotes"', 'x'.repeat(129), '{"level":60}']) {
      const res = await t.http.get('/api/v1/info').set('X-Request-Id', unsafe).expect(200);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers['x-request-id']).not.toBe(plain.headers['x-request-id']);
    }
  });

  it('logs one structured line per request, 404s included', async () => {
    await t.http.get('/api/v1/missing-route').set('X-Request-Id', 'log-check-404').expect(404);
    const lines = t.logs.filter((l) => (l.req as { id?: string } | undefined)?.id === 'log-check-404');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ req: { method: 'GET' }, res: { statusCode: 404 }, route: null });
  });

  it('serves Swagger UI at /docs and the OpenAPI document at /docs-json', async () => {
    const ui = await t.http.get('/docs').expect(200);
    expect(ui.text).toContain('swagger-ui');
    const doc = await t.http.get('/docs-json').expect(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(doc.body.paths['/api/v1/info'].get.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/Info',
    });
    expect(doc.body.components.schemas.Problem.properties).toHaveProperty('requestId');
    expect(doc.body.components.schemas.Info.properties.database.properties.backend.enum).toEqual(['embedded', 'postgres']);
  });
});
