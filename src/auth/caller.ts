import type { FastifyRequest } from 'fastify';
import type { Principal } from './principal.js';

/** Where the perimeter leaves the caller on the request. */
export const PRINCIPAL = Symbol('principal');
/** Set on a request that presented METRICS_TOKEN to an operations route. */
export const SCRAPER = Symbol('scraper');

export type AuthenticatedRequest = FastifyRequest & { [PRINCIPAL]?: Principal; [SCRAPER]?: boolean };

/**
 * How the perimeter (src/security/perimeter.ts) treats a route's Authorization header, read from
 * the Fastify route config:
 * - `probe`: ignored altogether, so a probe never fails on whatever header a proxy or client adds;
 * - `operations`: the admin token or METRICS_TOKEN;
 * - `metrics`: as `operations`, or like `probe` with METRICS_PUBLIC=true.
 * Routes without one authenticate the usual way.
 */
export type RouteAccess = 'probe' | 'operations' | 'metrics';

export const ACCESS_CONFIG_KEY = 'access';

export function accessOf(config: unknown): RouteAccess | undefined {
  return (config as { [ACCESS_CONFIG_KEY]?: RouteAccess } | undefined)?.[ACCESS_CONFIG_KEY];
}
