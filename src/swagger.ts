import { fileURLToPath } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { z } from 'zod';
import { ProblemSchema } from './common/api.js';
import { packageInfo } from './common/package-info.js';
import { CcusageReportSchema } from './ingestion/ccusage/report.schemas.js';

/** The OpenAPI 3 document, built from the controllers' zod schemas (the same ones that validate). */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Claude Code Stats Server')
    .setDescription(
      'Collects the JSON that `ccusage` prints and answers who used how many tokens, on which models, at what cost. ' +
        'Errors are RFC 9457 problem bodies (`application/problem+json`).',
    )
    .setVersion(packageInfo.version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'A user token (ccs_…) or the admin token' })
    .build();
  // Tags are declared on every route (ApiTags); none is made up from a controller's class name.
  const document = SwaggerModule.createDocument(app, config, { autoTagControllers: false });
  // Schemas no parameter or return type carries: problem bodies (written by the exception filter,
  // referenced by @ApiProblems()) and the upload body (parsed by the service, which tells the
  // report formats apart). They are added here under their ids.
  document.components ??= {};
  document.components.schemas ??= {};
  for (const [schema, io] of [
    [ProblemSchema, 'output'],
    [CcusageReportSchema, 'input'],
  ] as const) {
    const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as { definitions?: Record<string, unknown> };
    for (const [name, definition] of Object.entries(json.definitions ?? {})) {
      document.components.schemas[name] = JSON.parse(JSON.stringify(definition).replaceAll('#/definitions/', '#/components/schemas/')) as Record<
        string,
        unknown
      >;
    }
  }
  return document;
}

export function setupSwagger(app: INestApplication): void {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, () => document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}

/** openapi.json at the repository root (written by `npm run openapi`, checked by the tests). */
export const OPENAPI_FILE = fileURLToPath(new URL('../openapi.json', import.meta.url));

export function serializeOpenApi(document: OpenAPIObject): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
