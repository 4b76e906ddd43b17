import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfig } from '../../src/config/config.schema.js';
import { defaultPasswordWarning } from '../../src/security/startup-checks.js';
import { registerUser, upload } from '../helpers/api.js';
import { fixture } from '../helpers/ccusage.js';
import { BACKEND, createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { spawnService } from '../helpers/process.js';
import { startApp, type TestApp, useTestApp } from '../helpers/test-app.js';

/**
 * Item 11 of issue 8: security headers with a CSP Swagger UI works under, WWW-Authenticate on every
 * 401, no-store on answers that carry a token, long secrets, a warning about the spec's database
 * password (its start-up log line: startup-warning.spec.ts), and private backups.
 */

const ADMIN = 'headers-admin-token-of-the-header-tests';
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe(`security headers (${BACKEND})`, () => {
  let t: TestApp;

  useTestApp({ LOG_LEVEL: 'warn', ADMIN_TOKEN: ADMIN }, (app) => ({ t } = app));

  // '/api/v1/%zz' is a malformed URL that Fastify's router refuses before any route runs.
  it.each(['/api/v1/info', '/docs', '/health/live', '/api/v1/no-such-route', '/api/v1/%zz'])(
    '%s carries the CSP, nosniff, frame and referrer protection',
    async (path) => {
      const res = await t.http.get(path);
      expect(res.headers['content-security-policy']).toBe(
        "default-src 'self';base-uri 'self';connect-src 'self';font-src 'self' data:;form-action 'self';frame-ancestors 'none';" +
          "img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' 'unsafe-inline'",
      );
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['strict-transport-security']).toBeUndefined();
    },
  );

  it('Swagger UI needs nothing the CSP forbids: every script is a file of this origin, no inline script or handler', async () => {
    const page = await t.http.get('/docs/').redirects(1).expect(200);
    const html = page.text;
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    for (const [, attributes, body] of scripts) {
      expect(body.trim()).toBe('');
      const src = /src=["']([^"']+)["']/.exec(attributes)?.[1];
      const url = new URL(src!, 'http://service.example/docs/');
      expect(url.origin).toBe('http://service.example');
      expect(url.pathname).toMatch(/^\/docs\/[\w.-]+\.js$/);
      const script = await t.http.get(url.pathname).expect(200);
      expect(script.headers['content-type']).toMatch(/javascript/);
    }
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/javascript:/i);
    for (const [, href] of html.matchAll(/<link[^>]+href=["']([^"']+)["']/g)) {
      const url = new URL(href, 'http://service.example/docs/');
      expect(url.origin).toBe('http://service.example');
      await t.http.get(url.pathname).expect(200);
    }
    const csp = page.headers['content-security-policy'];
    const scriptSrc = csp.split(';').find((d) => d.startsWith('script-src '));
    expect(scriptSrc).toBe("script-src 'self'");
  });

  it('every 401 challenges: plain without credentials, invalid_token for a refused token, invalid_request for a malformed header', async () => {
    const { username } = await registerUser(t.http);
    const plain = [
      await t.http.delete(`/api/v1/users/${username}`),
      await upload(t.http, undefined, fixture('claude-daily.json')),
      await t.http.get('/api/v1/maintenance/backups'),
      await t.http.get('/metrics'),
    ];
    for (const res of plain) {
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="ccstats"');
    }
    const refused = await t.http.get('/api/v1/info').set(bearer('ccs_revoked-or-never-issued')).expect(401);
    expect(refused.headers['www-authenticate']).toBe('Bearer realm="ccstats", error="invalid_token"');
    const malformed = await t.http.get('/api/v1/info').set('Authorization', 'Basic YWRtaW46YWRtaW4=').expect(401);
    expect(malformed.headers['www-authenticate']).toBe('Bearer realm="ccstats", error="invalid_request"');
    expect(malformed.body.type).toBe('urn:ccstats:problem:unauthorized');
  });

  it('answers that carry a token are never cached', async () => {
    const created = await t.http.post('/api/v1/users').send({ username: 'no-store' }).expect(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const issued = await t.http.post('/api/v1/users/no-store/tokens').set(bearer(created.body.token)).expect(201);
    expect(issued.headers['cache-control']).toBe('no-store');
    expect(issued.body.token).toMatch(/^ccs_/);
  });
});

describe('secrets', () => {
  it.each([
    [{ ADMIN_TOKEN: 'x'.repeat(31) }, 'ADMIN_TOKEN: must be at least 32 characters (it has 31)'],
    [{ METRICS_TOKEN: 'short-metrics-token' }, 'METRICS_TOKEN: must be at least 32 characters (it has 19)'],
    [{ ADMIN_TOKEN: `${'x'.repeat(20)} ${'y'.repeat(20)}` }, 'ADMIN_TOKEN: must be visible ASCII characters without spaces'],
  ])('refuses %j naming the variable', (env, message) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it('checks ADMIN_TOKEN_FILE contents the same way, naming the file variable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccs-secret-'));
    try {
      writeFileSync(join(dir, 'short'), 'too-short\n');
      writeFileSync(join(dir, 'long'), `${'k'.repeat(40)}\n`);
      expect(problemsOf({ ADMIN_TOKEN_FILE: join(dir, 'short') })).toEqual([
        expect.stringContaining('ADMIN_TOKEN_FILE: must be at least 32 characters (it has 9)'),
      ]);
      expect(parseConfig({ ADMIN_TOKEN_FILE: join(dir, 'long') }).adminToken).toBe('k'.repeat(40));
      expect(parseConfig({ ADMIN_TOKEN: 'a'.repeat(32), METRICS_TOKEN: 'm'.repeat(32) })).toMatchObject({
        adminToken: 'a'.repeat(32),
        metricsToken: 'm'.repeat(32),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops the process with exit code 78 naming ADMIN_TOKEN, without printing it', async () => {
    const service = spawnService({ ADMIN_TOKEN: 'secret-but-short', DATA_DIR: 'memory://', PORT: '0' });
    expect(await service.exited).toBe(78);
    expect(service.output()).toContain('ADMIN_TOKEN: must be at least 32 characters (it has 16)');
    expect(service.output()).not.toContain('secret-but-short');
  });
});

describe("the spec's default database password", () => {
  it.each([
    [{ DB_HOST: 'db.internal' }, true],
    [{ DB_HOST: '10.0.0.5', DB_PASSWORD: 'db-test-pass' }, true],
    [{ DATABASE_URL: 'postgres://localdev:db-test-pass@db.example.com:5432/claude_code_stats' }, true],
    [{ DATABASE_URL: 'postgres://localdev:db-test-pass@[2001:db8::1]:5432/x' }, true],
    [{ DB_HOST: 'localhost' }, false],
    [{ DB_HOST: '127.0.0.1' }, false],
    [{ DATABASE_URL: 'postgres://localdev:db-test-pass@[::1]:5432/x' }, false],
    [{ DATABASE_URL: 'postgres://localdev:db-test-pass@/x?host=/var/run/postgresql' }, false],
    [{ DB_HOST: 'db.internal', DB_PASSWORD: 'a-real-password' }, false],
    [{ DATABASE_URL: 'postgres://localdev:other@db.example.com/x' }, false],
    [{}, false],
  ])('%j: warning %s', (env, warns) => {
    const warning = defaultPasswordWarning(parseConfig(env));
    expect(warning !== undefined).toBe(warns);
    if (warning) expect(warning).not.toContain('db-test-pass');
  });
});

describe(`backup files (${BACKEND})`, () => {
  let db: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ccs-modes-'));
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function backupInto(backups: string): Promise<string> {
    const app = await startApp(db, { LOG_LEVEL: 'warn', ADMIN_TOKEN: ADMIN, BACKUP_DIR: backups, BACKUP_ENABLED: 'false' });
    try {
      const res = await app.http.post('/api/v1/maintenance/backups').set(bearer(ADMIN)).expect(201);
      return res.body.name as string;
    } finally {
      await app.close();
    }
  }

  const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

  it('are written 0600 into a directory created 0700', async () => {
    const backups = join(dir, 'new', 'backups');
    const name = await backupInto(backups);
    expect(modeOf(backups)).toBe('700');
    expect(modeOf(join(backups, name))).toBe('600');
    expect(readdirSync(backups)).toEqual([name]);
  });

  it("narrow the service's own directory to 0700 when it was made wider", async () => {
    const backups = join(dir, 'existing');
    mkdirSync(backups, { mode: 0o755 });
    expect(modeOf(backups)).toBe('755');
    const name = await backupInto(backups);
    expect(modeOf(backups)).toBe('700');
    expect(modeOf(join(backups, name))).toBe('600');
  });
});
