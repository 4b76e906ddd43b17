import { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { parseConfig, type Config } from '../../src/config/config.schema.js';
import { SharedDaysFolder } from '../../src/ledger/shared-days.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface TestApp {
  app: NestFastifyApplication;
  config: Config;
  http: ReturnType<typeof request>;
  /** Every log line the app wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export function testConfig(db: TestDatabase, env: Record<string, string> = {}): Config {
  // Suites register dozens of users from 127.0.0.1; the limits have their own tests (test/security).
  return parseConfig({ NODE_ENV: 'test', LOG_LEVEL: 'info', RATE_LIMITS: 'false', ...db.env, ...env });
}

/** Boots the real application (Fastify, pipes, filter, Swagger, migrations) on a random port. */
export async function startApp(db: TestDatabase, env: Record<string, string> = {}): Promise<TestApp> {
  const config = testConfig(db, env);
  const logs: Array<Record<string, unknown>> = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      callback();
    },
  });
  const app = await createApp(config, { connection: db.embedded?.(), logStream });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const http = request(app.getHttpServer());
  return { app, config, http, logs, close: () => app.close() };
}

/**
 * The usual test-file setup: before all tests, a database of the file's own (see database.ts) and
 * the app on it, handed to `ready`; after all, both closed and the database dropped.
 */
export function useTestApp(env: Record<string, string>, ready: (app: { db: TestDatabase; t: TestApp }) => void): void {
  let db: TestDatabase | undefined;
  let t: TestApp | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startApp(db, env);
    ready({ db, t });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });
}

/**
 * Folds every upload's shared-table delta committed so far into day_stats and model_day_stats, for
 * tests that read those tables themselves. Two folds: the first may be one the timer started
 * before the caller's last upload committed; the second starts after it.
 */
export async function settleSharedDays(t: TestApp): Promise<void> {
  const folder = t.app.get(SharedDaysFolder);
  await folder.fold();
  await folder.fold();
}
