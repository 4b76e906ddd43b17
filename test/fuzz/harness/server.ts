/**
 * The service as the fuzz suite runs it: a child process (started by service.ts through
 * register.mjs, from the TypeScript sources) configured by its environment like `npm start`, plus
 * one IPC message: `fingerprint`, answered from the service's own database connection (the
 * embedded database lives in this process, so the parent cannot read it directly).
 */
import { sql } from 'drizzle-orm';
import type * as AppSource from '../../../src/app.js';
import type * as ConfigSource from '../../../src/config/config.schema.js';
import type * as DbSource from '../../../src/db/database-connection.js';
import { FINGERPRINT_SQL } from './fingerprint.js';

/** The checkout to run: this one, or FUZZ_APP_ROOT (another checkout with node_modules, e.g. a clean copy of HEAD). */
const ROOT = process.env.FUZZ_APP_ROOT ? new URL(`file://${process.env.FUZZ_APP_ROOT.replace(/\/?$/, '/')}`) : new URL('../../../', import.meta.url);
const { createApp } = (await import(new URL('src/app.ts', ROOT).href)) as typeof AppSource;
const { configFromProcessEnv } = (await import(new URL('src/config/config.schema.ts', ROOT).href)) as typeof ConfigSource;
const { DatabaseConnection, rowsOf } = (await import(new URL('src/db/database-connection.ts', ROOT).href)) as typeof DbSource;

type Message = { type: 'fingerprint'; id: number };

async function main(): Promise<void> {
  const app = await createApp(configFromProcessEnv());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const connection = app.get(DatabaseConnection);
  process.on('message', (message: Message) => {
    if (message.type !== 'fingerprint') return;
    connection.db
      .execute(sql.raw(FINGERPRINT_SQL))
      .then((result) => process.send!({ type: 'fingerprint', id: message.id, rows: rowsOf(result) }))
      .catch((error: Error) => process.send!({ type: 'fingerprint', id: message.id, error: error.message }));
  });
  const { port } = app.getHttpServer().address() as { port: number };
  process.send!({ type: 'ready', port });
}

main().catch((error: Error) => {
  process.send?.({ type: 'failed', error: error.stack ?? error.message });
  process.exit(1);
});
