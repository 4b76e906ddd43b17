import { DomainError, ErrorCode, type FieldError } from './errors.js';

/** At most this many field errors are listed in a problem body; `errorCount` says how many there were. */
export const MAX_LISTED_ERRORS = 100;
/** At most this many field paths are named in the detail line. */
const MAX_NAMED_IN_DETAIL = 10;

/**
 * A validation problem, for request pipes and for services that validate what they read (the
 * ccusage parser). A large invalid body can have thousands of errors: the answer lists the first
 * MAX_LISTED_ERRORS and gives the total in `errorCount`, so it stays small.
 */
export function validationError(errors: FieldError[], total = errors.length): DomainError {
  const listed = errors.slice(0, MAX_LISTED_ERRORS);
  const names = listed.slice(0, MAX_NAMED_IN_DETAIL).map((e) => e.path || 'input');
  const more = total > names.length ? `, and ${total - names.length} more` : '';
  const detail =
    total === 1 && listed.length === 1 ? `${listed[0].path || 'input'}: ${listed[0].message}` : `${total} fields are invalid: ${names.join(', ')}${more}`;
  return new DomainError(ErrorCode.ValidationFailed, detail, listed, total > listed.length ? { errorCount: total } : undefined);
}
