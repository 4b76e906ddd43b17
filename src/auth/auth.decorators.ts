import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ANONYMOUS, type Principal } from './principal.js';

export const PRINCIPAL = Symbol('principal');

/** The caller, as the AuthGuard established it. */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const request = context.switchToHttp().getRequest<FastifyRequest & { [PRINCIPAL]?: Principal }>();
  return request[PRINCIPAL] ?? ANONYMOUS;
});
