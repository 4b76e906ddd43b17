import { Writable } from 'node:stream';
import { Logger } from '@nestjs/common';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { parseConfig } from '../../src/config/config.schema.js';
import { openDatabase } from '../../src/db/database-connection.js';
import { BACKEND, createTestDatabase } from '../helpers/database.js';
import { testConfig } from '../helpers/test-app.js';

/**
 * Item 11 of issue 8: the start-up warning about the spec's database password (which configurations
 * get it: headers.spec.ts). A file of its own because the request logger is one per process and
 * belongs to the first app started in it.
 */
describe(`the spec's default database password at start-up (${BACKEND})`, () => {
  it('is logged once, at warn level, when the service starts', async () => {
    const db = await createTestDatabase();
    const lines: Array<Record<string, unknown>> = [];
    const logStream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line));
        callback();
      },
    });
    // The configuration names a database elsewhere with the spec's password; the app is handed the
    // test database to run on, as the test helper does.
    const config = parseConfig({ NODE_ENV: 'test', LOG_LEVEL: 'info', DB_HOST: '192.0.2.10', BACKUP_ENABLED: 'false' });
    const connection = db.embedded?.() ?? (await openDatabase(testConfig(db).database, new Logger('test')));
    const app = await createApp(config, { connection, logStream });
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const warnings = () => lines.filter((l) => typeof l.msg === 'string' && l.msg.includes('default password'));
      // The logger writes asynchronously; a request later, every start-up line is in.
      await request(app.getHttpServer()).get('/health/live').expect(200);
      await new Promise((r) => setTimeout(r, 200));
      expect(warnings()).toHaveLength(1);
      expect(warnings()[0]).toMatchObject({ level: 40, context: 'Security' });
      expect(warnings()[0].msg).toContain('192.0.2.10');
    } finally {
      await app.close();
      await db.drop();
    }
  });
});
