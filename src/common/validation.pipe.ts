import { type ArgumentMetadata, Injectable, StandardSchemaValidationPipe } from '@nestjs/common';
import { DomainError, ErrorCode, type FieldError, formatPath } from './errors.js';

/** Thrown by the pipe's exception factory, which does not know where the value came from. */
class SchemaIssues extends Error {
  constructor(readonly errors: FieldError[]) {
    super('schema validation failed');
  }
}

export function validationError(errors: FieldError[]): DomainError {
  const detail =
    errors.length === 1 ? `${errors[0]!.path || 'input'}: ${errors[0]!.message}` : `${errors.length} fields are invalid: ${errors.map((e) => e.path || 'input').join(', ')}`;
  return new DomainError(ErrorCode.ValidationFailed, detail, errors);
}

/**
 * Nest's Standard Schema pipe (zod 4 schemas attached with `@Body({ schema })` and friends), with
 * failures turned into a validation problem whose field errors carry the path and the location.
 */
@Injectable()
export class SchemaValidationPipe extends StandardSchemaValidationPipe {
  constructor() {
    super({
      exceptionFactory: (issues) =>
        new SchemaIssues(issues.map((issue) => ({ path: formatPath(issue.path ?? []), message: issue.message }))),
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
