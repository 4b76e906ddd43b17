import { readFileSync } from 'node:fs';
import { buildOpenApiDocument, OPENAPI_FILE, serializeOpenApi } from '../../src/swagger.js';
import { type TestApp, useTestApp } from '../helpers/test-app.js';

describe('openapi.json', () => {
  let t: TestApp;

  useTestApp({}, (app) => ({ t } = app));

  it('is what the application documents now (run `npm run openapi` after changing the API)', async () => {
    const served = (await t.http.get('/docs-json').expect(200)).body;
    const built = buildOpenApiDocument(t.app);
    expect(served).toEqual(JSON.parse(serializeOpenApi(built)));
    expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(serializeOpenApi(built));
  });

  it('gives every operation a summary and documented responses', () => {
    const doc = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as {
      paths: Record<string, Record<string, { summary?: string; responses: Record<string, unknown> }>>;
    };
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
    );
    expect(operations.length).toBeGreaterThan(0);
    for (const { route, op } of operations) {
      expect({ route, summary: typeof op.summary === 'string' && op.summary.length > 0 }).toEqual({ route, summary: true });
      expect({ route, responses: Object.keys(op.responses).length > 0 }).toEqual({ route, responses: true });
    }
  });
});
