import { fileURLToPath } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { z } from 'zod';
import { ProblemSchema } from './common/api.js';
import { packageInfo } from './common/package-info.js';

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
  const document = SwaggerModule.createDocument(app, config);
  // Problem bodies are written by the exception filter, not by a handler, so Swagger cannot find
  // their schema on its own; it is added here and referenced by @ApiProblems().
  const problem = z.toJSONSchema(ProblemSchema, { target: 'openapi-3.0', io: 'output' }) as {
    definitions?: Record<string, unknown>;
  };
  document.components ??= {};
  document.components.schemas ??= {};
  for (const [name, definition] of Object.entries(problem.definitions ?? {})) {
    document.components.schemas[name] = JSON.parse(
      JSON.stringify(definition).replaceAll('#/definitions/', '#/components/schemas/'),
    ) as Record<string, unknown>;
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
