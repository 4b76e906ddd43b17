import { applyDecorators, createParamDecorator, type ExecutionContext, UseGuards } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiBearerAuth } from '@nestjs/swagger';
import { ACCESS_CONFIG_KEY, type AuthenticatedRequest, PRINCIPAL, type RouteAccess } from './caller.js';
import { OperatorGuard } from './operator.guard.js';
import { ANONYMOUS, type Principal } from './principal.js';

export { PRINCIPAL } from './caller.js';

/** Kubernetes probes: public, minimal, whatever Authorization they carry. */
export const Probe = () => RouteConfig({ [ACCESS_CONFIG_KEY]: 'probe' satisfies RouteAccess });

/** The admin token or METRICS_TOKEN; `metrics` routes open up with METRICS_PUBLIC=true. */
export const Operations = (access: 'operations' | 'metrics' = 'operations') =>
  applyDecorators(RouteConfig({ [ACCESS_CONFIG_KEY]: access satisfies RouteAccess }), UseGuards(OperatorGuard), ApiBearerAuth());

/** The caller, as the perimeter established it. */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  return request[PRINCIPAL] ?? ANONYMOUS;
});
