import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorForLog } from './logging.js';
import { requestIdOf, sendProblem, toProblem } from './problem.js';

/** The one global exception filter: every error leaves as a problem body. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    respondWithProblem(exception, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), this.logger);
  }
}

export function respondWithProblem(exception: unknown, request: FastifyRequest, reply: FastifyReply, logger: Logger): void {
  const { problem, expected } = toProblem(exception);
  const requestId = requestIdOf(request);
  if (!expected) {
    logger.error({ err: errorForLog(exception), requestId, method: request.method, route: request.routeOptions.url ?? null }, 'unhandled error');
  }
  sendProblem(reply, { ...problem, requestId });
}
