import { API_PREFIX } from '../common/api.js';
import type { Config } from '../config/config.schema.js';

/**
 * Every route but the upload takes at most this many bytes of body. The largest legitimate one is a
 * token name: 100 characters, at most 6 bytes each as a JSON escape, about 620 bytes in all; a
 * registration is under 80. 1 KB leaves room and keeps an anonymous request cheap to refuse.
 */
export const SMALL_BODY_LIMIT_BYTES = 1024;

/** The request budgets that apply to routes (failed authentication is counted by the perimeter itself). */
export type RouteBudget = 'registration' | 'uploads' | 'telemetry' | 'tokenIssuance' | 'teams';

export interface RoutePolicy {
  /** The route takes BODY_LIMIT_BYTES instead of SMALL_BODY_LIMIT_BYTES. */
  largeBody?: true;
  /** Requests spend this budget, counted per client address or per user. */
  budget?: { name: RouteBudget; per: 'address' | 'user' };
  /** Anonymous requests are refused (401) before the body is read. */
  tokenRequired?: true;
  /**
   * Other sites may embed the answer (an <img> of a badge): Cross-Origin-Resource-Policy:
   * cross-origin instead of same-origin, for this route only.
   */
  embeddable?: true;
  /**
   * The path carries a secret (an invite code): a 404 is a wrong guess, counted like a failed
   * authentication (RATE_LIMIT_AUTH_FAILURES, per address), and an address over that limit is
   * refused before the code is looked up, so codes cannot be tried at speed.
   */
  secretInPath?: true;
}

/**
 * What each route may receive and which budget it spends, keyed by `METHOD /pattern` as Fastify
 * registers it. Start-up fails when a key names no route, so renaming a route cannot silently drop
 * its limit.
 */
export const ROUTE_POLICIES: Readonly<Record<string, RoutePolicy>> = {
  [`POST /${API_PREFIX}/users`]: { budget: { name: 'registration', per: 'address' } },
  [`POST /${API_PREFIX}/users/:username/tokens`]: { budget: { name: 'tokenIssuance', per: 'user' } },
  [`POST /${API_PREFIX}/uploads`]: { largeBody: true, budget: { name: 'uploads', per: 'user' }, tokenRequired: true },
  [`GET /${API_PREFIX}/users/:username/badge.svg`]: { embeddable: true },
  [`POST /${API_PREFIX}/teams`]: { budget: { name: 'teams', per: 'user' } },
  [`POST /${API_PREFIX}/teams/:slug/invites`]: { budget: { name: 'teams', per: 'user' } },
  [`GET /${API_PREFIX}/invites/:code`]: { secretInPath: true },
  [`POST /${API_PREFIX}/invites/:code/accept`]: { secretInPath: true, tokenRequired: true },
  // OTLP/HTTP at the root, where exporters append /v1/metrics and /v1/logs to the endpoint.
  ['POST /v1/metrics']: { largeBody: true, budget: { name: 'telemetry', per: 'user' }, tokenRequired: true },
  ['POST /v1/logs']: { largeBody: true, budget: { name: 'telemetry', per: 'user' }, tokenRequired: true },
};

export function routeKey(method: string, url: string): string {
  return `${method} ${url}`;
}

export function bodyLimitOf(policy: RoutePolicy | undefined, config: Config): number {
  return policy?.largeBody ? config.bodyLimitBytes : SMALL_BODY_LIMIT_BYTES;
}

/** For 429 details: what is being counted. */
export const BUDGET_NOUNS: Readonly<Record<RouteBudget | 'authFailures', string>> = {
  registration: 'registrations from this address',
  tokenIssuance: 'tokens issued for this user',
  uploads: 'uploads by this user',
  telemetry: 'telemetry batches from this user',
  teams: 'teams and invites created by this user',
  authFailures: 'failed authentication attempts from this address',
};
