import { writeFileSync } from 'node:fs';
import { createApp } from '../app.js';
import { parseConfig } from '../config/config.schema.js';
import { buildOpenApiDocument, OPENAPI_FILE, serializeOpenApi } from '../swagger.js';

/** `npm run openapi`: writes openapi.json at the repository root from the application's routes (on an unmigrated in-memory database, so nothing that reads tables at start-up runs). */
const app = await createApp(parseConfig({ DATA_DIR: 'memory://', DB_MIGRATE_ON_START: 'false', LOG_LEVEL: 'warn', RANKING_INDEX: 'false' }));
writeFileSync(OPENAPI_FILE, serializeOpenApi(buildOpenApiDocument(app)));
await app.close();
process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
