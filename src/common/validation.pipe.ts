import { type ArgumentMetadata, Injectable, StandardSchemaValidationPipe } from '@nestjs/common';
import { DomainError, ErrorCode, type FieldError, formatPath } from './errors.js';

/** Thrown by the pipe's exception factory, which does not know where the value came from. */
class SchemaIssues extends Error {
  constructor(readonly errors: FieldError[]) {
    super('schema validation failed');
  }
}

/** At most this many field errors are listed in a problem body; `errorCount` says how many there were. */
export const MAX_LISTED_ERRORS = 100;
/** At most this many field paths are named in the detail line. */
const MAX_NAMED_IN_DETAIL = 10;

/**
 * A validation problem. A large invalid body can have thousands of errors: the answer lists the
 * first MAX_LISTED_ERRORS and gives the total in `errorCount`, so it stays small.
 */
export function validationError(errors: FieldError[], total = errors.length): DomainError {
  const listed = errors.slice(0, MAX_LISTED_ERRORS);
  const names = listed.slice(0, MAX_NAMED_IN_DETAIL).map((e) => e.path || 'input');
  const more = total > names.length ? `, and ${total - names.length} more` : '';
  const detail =
    total === 1 && listed.length === 1 ? `${listed[0]!.path || 'input'}: ${listed[0]!.message}` : `${total} fields are invalid: ${names.join(', ')}${more}`;
  return new DomainError(ErrorCode.ValidationFailed, detail, listed, total > listed.length ? { errorCount: total } : undefined);
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
