import type { Socket } from 'node:net';
import { DomainError, ErrorCode } from '../common/errors.js';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../common/problem.js';

const DETAILS: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.RequestTimeout]: 'The request, headers and body, did not arrive within REQUEST_TIMEOUT_MS.',
  [ErrorCode.HeadersTooLarge]: 'The request headers are larger than this server accepts.',
  [ErrorCode.MalformedRequest]: 'The request is not valid HTTP.',
};

function codeOf(error: NodeJS.ErrnoException): ErrorCode {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return ErrorCode.RequestTimeout;
  if (error.code === 'HPE_HEADER_OVERFLOW') return ErrorCode.HeadersTooLarge;
  return ErrorCode.MalformedRequest;
}

/**
 * Fastify's clientErrorHandler: errors Node raises on the connection before a request reaches a
 * route, above all the request timeout of a body that arrives too slowly. The answer is a problem
 * body like every other error, and the connection is closed (what is left of the request is
 * unreadable). Nothing is written once an answer has started.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const started = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (socket.writable && !started) {
    const code = codeOf(error);
    const { problem } = toProblem(new DomainError(code, DETAILS[code] ?? 'The request could not be read.'));
    const body = JSON.stringify(problem);
    socket.write(
      `HTTP/1.1 ${problem.status} ${problem.title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
