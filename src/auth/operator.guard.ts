import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '../config/config.module.js';
import type { Config } from '../config/config.schema.js';
import { AuthService } from './auth.service.js';
import { accessOf, type AuthenticatedRequest, PRINCIPAL, SCRAPER } from './caller.js';
import { ANONYMOUS } from './principal.js';

/**
 * The /health detail and /metrics: the admin token or METRICS_TOKEN; no token 401, a user's token
 * 403; /metrics open to all with METRICS_PUBLIC=true.
 */
@Injectable()
export class OperatorGuard implements CanActivate {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly auth: AuthService,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (accessOf(request.routeOptions.config) === 'metrics' && this.config.metricsPublic) return true;
    this.auth.requireOperator(request[PRINCIPAL] ?? ANONYMOUS, request[SCRAPER] === true);
    return true;
  }
}
