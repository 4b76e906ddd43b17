/**
 * Domain errors: services throw these with a code; the one exception filter turns the code into
 * an HTTP status and a problem body (RFC 9457). Nothing else decides a status.
 */
export enum ErrorCode {
  ValidationFailed = 'validation-failed',
  MalformedBody = 'malformed-body',
  Unauthorized = 'unauthorized',
  Forbidden = 'forbidden',
  NotFound = 'not-found',
  Conflict = 'conflict',
  PayloadTooLarge = 'payload-too-large',
  UnsupportedMediaType = 'unsupported-media-type',
  UnprocessableReport = 'unprocessable-report',
  ServiceUnavailable = 'service-unavailable',
  Internal = 'internal-error',
  TooManyRequests = 'too-many-requests',
  RequestTimeout = 'request-timeout',
  HeadersTooLarge = 'request-header-fields-too-large',
  MalformedRequest = 'malformed-request',
  UriTooLong = 'uri-too-long',
  Gone = 'gone',
}

export function statusOf(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.ValidationFailed:
    case ErrorCode.MalformedBody:
      return 400;
    case ErrorCode.Unauthorized:
      return 401;
    case ErrorCode.Forbidden:
      return 403;
    case ErrorCode.NotFound:
      return 404;
    case ErrorCode.Conflict:
      return 409;
    case ErrorCode.PayloadTooLarge:
      return 413;
    case ErrorCode.UnsupportedMediaType:
      return 415;
    case ErrorCode.UnprocessableReport:
      return 422;
    case ErrorCode.ServiceUnavailable:
      return 503;
    case ErrorCode.Internal:
      return 500;
    case ErrorCode.TooManyRequests:
      return 429;
    case ErrorCode.RequestTimeout:
      return 408;
    case ErrorCode.HeadersTooLarge:
      return 431;
    case ErrorCode.MalformedRequest:
      return 400;
    case ErrorCode.UriTooLong:
      return 414;
    case ErrorCode.Gone:
      return 410;
  }
}

export function titleOf(code: ErrorCode): string {
  switch (code) {
    case ErrorCode.ValidationFailed:
      return 'Validation failed';
    case ErrorCode.MalformedBody:
      return 'Malformed request body';
    case ErrorCode.Unauthorized:
      return 'Unauthorized';
    case ErrorCode.Forbidden:
      return 'Forbidden';
    case ErrorCode.NotFound:
      return 'Not found';
    case ErrorCode.Conflict:
      return 'Conflict';
    case ErrorCode.PayloadTooLarge:
      return 'Payload too large';
    case ErrorCode.UnsupportedMediaType:
      return 'Unsupported media type';
    case ErrorCode.UnprocessableReport:
      return 'Unprocessable report';
    case ErrorCode.ServiceUnavailable:
      return 'Service unavailable';
    case ErrorCode.Internal:
      return 'Internal server error';
    case ErrorCode.TooManyRequests:
      return 'Too many requests';
    case ErrorCode.RequestTimeout:
      return 'Request timeout';
    case ErrorCode.HeadersTooLarge:
      return 'Request header fields too large';
    case ErrorCode.MalformedRequest:
      return 'Malformed request';
    case ErrorCode.UriTooLong:
      return 'URI too long';
    case ErrorCode.Gone:
      return 'Gone';
  }
}

/** One problem with one field: `path` is the field's place in the input, e.g. `daily[3].inputTokens`. */
export interface FieldError {
  path: string;
  message: string;
  /** Where the field is: body, query, param or header. */
  in?: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors?: FieldError[],
    /** Extra members of the problem body, e.g. the command to run instead. */
    readonly extensions?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/**
 * `['daily', 3, 'inputTokens']` → `daily[3].inputTokens`; keys that are not plain names are quoted:
 * `['projects', '-home-alice', 0]` → `projects["-home-alice"][0]`.
 */
export function formatPath(path: ReadonlyArray<PropertyKey | { key: PropertyKey }>): string {
  let out = '';
  for (const segment of path) {
    const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(String(key))) out += out === '' ? String(key) : `.${String(key)}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}
