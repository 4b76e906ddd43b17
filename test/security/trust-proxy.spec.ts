import { parseConfig } from '../../src/config/config.schema.js';
import { uniqueName } from '../helpers/api.js';
import { BACKEND, createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startApp, type TestApp } from '../helpers/test-app.js';

/**
 * TRUST_PROXY decides which address the per-address limits count: the socket's when it is false
 * (the default: X-Forwarded-For is anyone's to write), the forwarded one when the proxy in front is
 * trusted. The test client connects from 127.0.0.1, which plays the proxy.
 */

const LIMIT = { RATE_LIMITS: 'true', RATE_LIMIT_REGISTRATION: '2/1h', LOG_LEVEL: 'warn' };

describe('TRUST_PROXY values', () => {
  it.each([
    [undefined, false],
    ['false', false],
    ['true', true],
    ['0', false],
    ['2', 2],
    ['127.0.0.1', ['127.0.0.1']],
    ['10.0.0.0/8, 192.168.1.7 ,fd00::/8', ['10.0.0.0/8', '192.168.1.7', 'fd00::/8']],
    ['loopback,uniquelocal', ['loopback', 'uniquelocal']],
  ])('%j -> %j', (value, expected) => {
    expect(parseConfig(value === undefined ? {} : { TRUST_PROXY: value }).http.trustProxy).toEqual(expected);
  });

  it.each(['maybe', '10.0.0.0/33', '300.1.1.1', '10.0.0.1/8/2', 'example.com'])('refuses %j', (value) => {
    expect(() => parseConfig({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY: must be false, true, a number of proxy hops, or a comma-separated list/);
  });
});

describe(`TRUST_PROXY and the address counted (${BACKEND})`, () => {
  let db: TestDatabase;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await db.drop();
  });

  async function start(env: Record<string, string>): Promise<TestApp> {
    const app = await startApp(db, { ...LIMIT, ...env });
    apps.push(app);
    return app;
  }

  const register = (app: TestApp, forwardedFor?: string) => {
    const req = app.http.post('/api/v1/users').send({ username: uniqueName('tp') });
    return forwardedFor === undefined ? req : req.set('X-Forwarded-For', forwardedFor);
  };

  it('false (the default): X-Forwarded-For is ignored, every request counts for the socket address', async () => {
    const app = await start({});
    await register(app, '198.51.100.1').expect(201);
    await register(app, '198.51.100.2').expect(201);
    await register(app, '198.51.100.3').expect(429);
    expect(await db.query('SELECT key FROM runtime.rate_limits ORDER BY key')).toEqual([{ key: 'registration:127.0.0.1' }]);
  });

  it('a list of proxy addresses: the forwarded address counts, and hops the proxy did not add are not believed', async () => {
    const app = await start({ TRUST_PROXY: '127.0.0.1' });
    await register(app, '203.0.113.10').expect(201);
    await register(app, '203.0.113.10').expect(201);
    await register(app, '203.0.113.10').expect(429);
    await register(app, '203.0.113.11').expect(201);
    // A client that writes its own X-Forwarded-For is counted by the address our proxy saw (the
    // last, untrusted hop), not by what it wrote.
    await register(app, '192.0.2.1, 203.0.113.12').expect(201);
    await register(app, '192.0.2.2, 203.0.113.12').expect(201);
    await register(app, '192.0.2.3, 203.0.113.12').expect(429);
  });

  it('a hop count: that many proxies back from the socket', async () => {
    const app = await start({ TRUST_PROXY: '1' });
    await register(app, '192.0.2.50, 203.0.113.20').expect(201);
    await register(app, '192.0.2.51, 203.0.113.20').expect(201);
    await register(app, '192.0.2.52, 203.0.113.20').expect(429);
    await register(app, '203.0.113.21').expect(201);
  });

  it('IPv6 clients are counted by their /64', async () => {
    const app = await start({ TRUST_PROXY: 'true' });
    await register(app, '2001:db8:1:2::10').expect(201);
    await register(app, '2001:db8:1:2:ffff::99').expect(201);
    await register(app, '2001:db8:1:2::77').expect(429);
    await register(app, '2001:db8:1:3::10').expect(201);
  });
});
