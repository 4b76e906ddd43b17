import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { PRINCIPAL } from './auth.decorators.js';
import { AuthService } from './auth.service.js';

/**
 * Global guard: establishes who is calling from `Authorization: Bearer …` (401 for a bad or revoked
 * token). What the caller may do is decided by the services, which know whose data is at stake.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(private readonly auth: AuthService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { [PRINCIPAL]?: unknown }>();
    request[PRINCIPAL] = await this.auth.authenticate(request.headers.authorization);
    return true;
  }
}
