import { Logger } from '@nestjs/common';
import { createApp } from './app.js';
import { configFromProcessEnv, ConfigError, type Config } from './config/config.schema.js';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = configFromProcessEnv();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const app = await createApp(config);
  await app.listen({ port: config.port, host: config.host });
  new Logger('Main').log(`listening on ${await app.getUrl()} (API docs at /docs)`);
}

main().catch((error: unknown) => {
  process.stderr.write(`start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
