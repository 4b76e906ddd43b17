import { HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { pgErrorCode } from '../db/sql.js';
import { DomainError, ErrorCode, type FieldError, statusOf, titleOf } from './errors.js';

/**
 * SQLSTATEs that only text from a request can cause: a NUL character (22021) or one the database
 * encoding cannot hold (22P05). Validation refuses such text first; should some field slip through,
 * the client still gets a 400, not a 500 (and the log says which statement let it in).
 */
const UNSTORABLE_TEXT = new Set(['22021', '22P05']);

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The body of every error response (RFC 9457), as documented in the OpenAPI components. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  requestId?: string;
  [extension: string]: unknown;
}

const problemType = (code: ErrorCode) => `urn:ccstats:problem:${code}`;

/** Fastify's own errors (body parsing, limits) carry an FST_ code and a status. */
interface FastifyLikeError {
  code: string;
  statusCode: number;
  message: string;
}

function isFastifyError(error: unknown): error is FastifyLikeError {
  const e = error as Partial<FastifyLikeError> | null;
  return typeof e?.code === 'string' && e.code.startsWith('FST_') && typeof e.statusCode === 'number';
}

function codeForStatus(status: number): ErrorCode | undefined {
  switch (status) {
    case 400:
      return ErrorCode.MalformedBody;
    case 401:
      return ErrorCode.Unauthorized;
    case 403:
      return ErrorCode.Forbidden;
    case 404:
      return ErrorCode.NotFound;
    case 409:
      return ErrorCode.Conflict;
    case 413:
      return ErrorCode.PayloadTooLarge;
    case 415:
      return ErrorCode.UnsupportedMediaType;
    case 422:
      return ErrorCode.UnprocessableReport;
    case 503:
      return ErrorCode.ServiceUnavailable;
    default:
      return undefined;
  }
}

function fromCode(code: ErrorCode, detail: string, errors?: FieldError[]): Problem {
  return { type: problemType(code), title: titleOf(code), status: statusOf(code), detail, ...(errors ? { errors } : {}) };
}

function fastifyDetail(error: FastifyLikeError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return `The body is not valid JSON: ${error.message}`;
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'The body is larger than this server accepts (BODY_LIMIT_BYTES).';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return `${error.message}. Send JSON with Content-Type: application/json.`;
    default:
      return error.message;
  }
}

/**
 * Turns anything thrown into a problem body. `expected` is false for errors nobody anticipated:
 * they become a bare 500 whose details stay in the log.
 */
export function toProblem(error: unknown): { problem: Problem; expected: boolean } {
  if (error instanceof DomainError) {
    return { problem: { ...fromCode(error.code, error.message, error.errors), ...error.extensions }, expected: true };
  }
  if (isFastifyError(error) && error.code === 'FST_ERR_BAD_URL') {
    return { problem: fromCode(ErrorCode.MalformedRequest, 'The URL is not valid: a percent-escape does not decode to UTF-8.'), expected: true };
  }
  if (isFastifyError(error) && error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    // Fastify's message repeats the path, which may hold anything: it is not echoed.
    return { problem: fromCode(ErrorCode.UriTooLong, 'A path segment is longer than this server accepts (100 characters).'), expected: true };
  }
  if (isFastifyError(error) && error.statusCode < 500) {
    const code = codeForStatus(error.statusCode);
    const problem: Problem = code
      ? fromCode(code, fastifyDetail(error))
      : { type: 'about:blank', title: error.code, status: error.statusCode, detail: error.message };
    return { problem, expected: true };
  }
  if (error instanceof SyntaxError && (error as { statusCode?: number }).statusCode === 400) {
    return { problem: fromCode(ErrorCode.MalformedBody, `The body is not valid JSON: ${error.message}`), expected: true };
  }
  if (error instanceof HttpException && error.getStatus() < 500) {
    const status = error.getStatus();
    const code = codeForStatus(status);
    const response = error.getResponse();
    const message = typeof response === 'string' ? response : ((response as { message?: unknown }).message ?? error.message);
    const detail = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : JSON.stringify(message);
    const problem: Problem = code ? fromCode(code, detail) : { type: 'about:blank', title: error.name, status, detail };
    return { problem, expected: true };
  }
  if (isPoolExhausted(error)) {
    return {
      problem: { ...fromCode(ErrorCode.ServiceUnavailable, 'The database is busy; try again in a moment.'), retryAfterSeconds: 1 },
      expected: false,
    };
  }
  const sqlState = pgErrorCode(error);
  if (sqlState !== undefined && UNSTORABLE_TEXT.has(sqlState)) {
    return {
      problem: fromCode(ErrorCode.ValidationFailed, 'The request holds text the database cannot store (a NUL or an invalid character).'),
      expected: false,
    };
  }
  return {
    problem: fromCode(ErrorCode.Internal, 'Something went wrong on our side. The request id identifies it in the logs.'),
    expected: false,
  };
}

/**
 * node-postgres's pool gave up waiting for a free connection (DB_CONNECT_TIMEOUT_MS): the service
 * is overloaded, not broken, so the answer is 503 with Retry-After rather than a bare 500.
 */
function isPoolExhausted(error: unknown): boolean {
  const messages = [error, (error as { cause?: unknown } | null)?.cause].map((e) => (e instanceof Error ? e.message : ''));
  return messages.some((m) => m.startsWith('timeout exceeded when trying to connect'));
}

/** The id pino-http gave this request (from X-Request-Id or generated). */
export function requestIdOf(request: FastifyRequest): string | undefined {
  return (request.raw as { id?: string }).id ?? request.id;
}

export function sendProblem(reply: FastifyReply, problem: Problem): void {
  if (reply.sent) return;
  if (typeof problem.retryAfterSeconds === 'number') void reply.header('Retry-After', String(problem.retryAfterSeconds));
  void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}
