import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuthService } from './auth.service.js';
import { PRINCIPAL } from './caller.js';
import { ANONYMOUS, type Principal } from './principal.js';

/**
 * For controllers that are admin-only as a whole (maintenance). Runs after the perimeter has
 * established the caller: no token 401, another token 403, no admin token configured 403
 * saying how to enable it.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(private readonly auth: AuthService) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest & { [PRINCIPAL]?: Principal }>();
    this.auth.requireAdmin(request[PRINCIPAL] ?? ANONYMOUS);
    return true;
  }
}
