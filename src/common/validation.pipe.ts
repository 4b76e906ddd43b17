import { type ArgumentMetadata, Injectable, StandardSchemaValidationPipe } from '@nestjs/common';
import { type FieldError, formatPath } from './errors.js';
import { validationError } from './validation-error.js';

/** Thrown by the pipe's exception factory, which does not know where the value came from. */
class SchemaIssues extends Error {
  constructor(readonly errors: FieldError[]) {
    super('schema validation failed');
  }
}

/**
 * Nest's Standard Schema pipe (zod 4 schemas attached with `@Body({ schema })` and friends), with
 * failures turned into a validation problem whose field errors carry the path and the location.
 */
@Injectable()
export class SchemaValidationPipe extends StandardSchemaValidationPipe {
  constructor() {
    super({
      exceptionFactory: (issues) => new SchemaIssues(issues.map((issue) => ({ path: formatPath(issue.path ?? []), message: issue.message }))),
    });
  }

  override async transform<T>(value: T, metadata: ArgumentMetadata): Promise<T> {
    try {
      return await super.transform(value, metadata);
    } catch (error) {
      if (!(error instanceof SchemaIssues)) throw error;
      const where = metadata.type === 'custom' ? undefined : metadata.type;
      throw validationError(
        error.errors.map((e) => ({
          path: e.path || metadata.data || '',
          message: e.message,
          ...(where ? { in: where } : {}),
        })),
      );
    }
  }
}
