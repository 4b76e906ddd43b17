import { connect, type Socket } from 'node:net';
import { rowCounts } from '../helpers/api.js';
import { fixtureText } from '../helpers/ccusage.js';
import { BACKEND, type TestDatabase } from '../helpers/database.js';
import type { TestApp } from '../helpers/test-app.js';
import { useTestApp } from '../helpers/test-app.js';

/**
 * Item 7 of issue 8: a body sent slowly is cut once the whole request has taken REQUEST_TIMEOUT_MS,
 * headers sent slowly too, idle keep-alive sockets are closed, and every route but the upload takes
 * about 1 KB of body.
 */

const ADMIN = 'timeouts-admin-token-of-the-timeout-tests';

function portOf(t: TestApp): number {
  return (t.app.getHttpServer().address() as { port: number }).port;
}

interface Outcome {
  /** Everything the server wrote before closing. */
  text: string;
  /** Milliseconds from connecting to the socket closing. */
  closedAfterMs: number;
  /** Bytes of body written before the server stopped the request. */
  sent: number;
}

/**
 * Sends `head` at once, then `body` one byte every `intervalMs` until the server answers or closes
 * (or `maxMs` passes, which fails the test).
 */
function trickle(port: number, head: string, body: string, intervalMs: number, maxMs: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket: Socket = connect(port, '127.0.0.1');
    let text = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server held the request for ${maxMs} ms; got ${JSON.stringify(text)}`));
    }, maxMs);
    socket.on('data', (chunk) => (text += chunk.toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ text, closedAfterMs: Date.now() - started, sent });
    });
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (sent < body.length && !socket.destroyed) socket.write(body[sent++]);
      }, intervalMs);
    });
  });
}

describe(`request timeouts (${BACKEND})`, () => {
  let db: TestDatabase;
  let t: TestApp;
  let token: string;

  useTestApp({ LOG_LEVEL: 'warn', ADMIN_TOKEN: ADMIN, REQUEST_TIMEOUT_MS: '2000', KEEP_ALIVE_TIMEOUT_MS: '1000' }, (app) => ({ db, t } = app));
  beforeAll(async () => {
    const res = await t.http.post('/api/v1/users').send({ username: 'slowpoke' }).expect(201);
    token = res.body.token as string;
  });

  it('cuts an upload whose body arrives one byte a second with a 408 problem body, and stores nothing', async () => {
    const before = await rowCounts(db.query);
    const body = fixtureText('claude-daily.json');
    const head =
      `POST /api/v1/uploads HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const outcome = await trickle(portOf(t), head, body, 1_000, 20_000);
    expect(outcome.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(outcome.text).toContain('Content-Type: application/problem+json');
    const problem = JSON.parse(outcome.text.slice(outcome.text.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
    expect(problem).toMatchObject({ type: 'urn:ccstats:problem:request-timeout', status: 408, title: 'Request timeout' });
    // 2 s of timeout, checked every 500 ms: cut well before the body could have arrived.
    expect(outcome.closedAfterMs).toBeGreaterThanOrEqual(1_900);
    expect(outcome.closedAfterMs).toBeLessThan(6_000);
    expect(outcome.sent).toBeLessThan(10);
    expect(await rowCounts(db.query)).toEqual(before);
    // The service goes on answering.
    await t.http.get('/health/live').expect(200);
  });

  it('cuts headers that arrive one byte a second', async () => {
    const outcome = await trickle(portOf(t), '', 'GET /api/v1/info HTTP/1.1\r\nHost: localhost\r\nX-Slow: ' + 'x'.repeat(100), 1_000, 20_000);
    expect(outcome.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(outcome.closedAfterMs).toBeLessThan(6_000);
  });

  it('closes an idle keep-alive connection after KEEP_ALIVE_TIMEOUT_MS', async () => {
    const outcome = await trickle(portOf(t), 'GET /api/v1/info HTTP/1.1\r\nHost: localhost\r\n\r\n', '', 1_000, 20_000);
    expect(outcome.text).toMatch(/^HTTP\/1\.1 200 /);
    expect(outcome.text).toMatch(/keep-alive: timeout=1/i);
    expect(outcome.closedAfterMs).toBeLessThan(5_000);
  });
});

describe(`body limits (${BACKEND})`, () => {
  let t: TestApp;
  let db: TestDatabase;
  let token: string;
  let username: string;

  useTestApp({ LOG_LEVEL: 'warn', ADMIN_TOKEN: ADMIN }, (app) => ({ db, t } = app));
  beforeAll(async () => {
    username = 'bodylimits';
    const res = await t.http.post('/api/v1/users').send({ username }).expect(201);
    token = res.body.token as string;
  });

  /** A JSON object of about `bytes` bytes: the field is refused by validation if it gets that far. */
  const padded = (bytes: number, fields: Record<string, unknown>) => JSON.stringify({ ...fields, padding: 'x'.repeat(bytes) });

  it('refuses a 2 KB registration with 413 before anything is stored', async () => {
    const before = await rowCounts(db.query);
    const res = await t.http
      .post('/api/v1/users')
      .set('Content-Type', 'application/json')
      .send(padded(2048, { username: 'big-body' }));
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ type: 'urn:ccstats:problem:payload-too-large', status: 413 });
    expect(await rowCounts(db.query)).toEqual(before);
  });

  it('refuses a 2 KB token request with 413, and takes the largest legitimate one (100 escaped characters)', async () => {
    const big = await t.http
      .post(`/api/v1/users/${username}/tokens`)
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/json')
      .send(padded(2048, { name: 'laptop' }));
    expect(big.status).toBe(413);
    const escaped = JSON.stringify({ name: 'ä'.repeat(100) }).replace(/ä/g, '\\u00e4');
    expect(Buffer.byteLength(escaped)).toBeGreaterThan(600);
    const ok = await t.http
      .post(`/api/v1/users/${username}/tokens`)
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/json')
      .send(escaped);
    expect(ok.status).toBe(201);
    expect(ok.body.name).toBe('ä'.repeat(100));
  });

  it('takes a 2 KB and a 13 KB upload (the upload route keeps BODY_LIMIT_BYTES)', async () => {
    const small = JSON.stringify({
      daily: [
        {
          date: '2025-01-02',
          inputTokens: 1,
          outputTokens: 2,
          cacheCreationTokens: 0,
          cacheReadTokens: 0,
          totalTokens: 3,
          totalCost: 0.01,
          modelsUsed: ['claude-sonnet-4-5-20250929'],
          modelBreakdowns: [],
        },
      ],
      padding: 'x'.repeat(2048),
    });
    const res = await t.http.post('/api/v1/uploads').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send(small);
    expect(res.status).not.toBe(413);
    expect(res.status).toBeLessThan(500);
    const report = fixtureText('claude-daily.json');
    expect(Buffer.byteLength(report)).toBeGreaterThan(10_000);
    await t.http.post('/api/v1/uploads').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send(report).expect(200);
  });

  it('refuses a 2 KB body on a route that matches nothing with 413 too', async () => {
    const res = await t.http.post('/api/v1/nothing-here').set('Content-Type', 'application/json').send(padded(2048, {}));
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    await t.http.post('/api/v1/nothing-here').set('Content-Type', 'application/json').send(padded(16, {})).expect(404);
  });
});
