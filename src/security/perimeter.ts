import rateLimit, { type FastifyRateLimitStore, type FastifyRateLimitStoreCtor, normalizeIP, type RateLimitOptions } from '@fastify/rate-limit';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest, onSendHookHandler, RouteOptions } from 'fastify';
import { AuthService, type Credentials, credentialsOf, MALFORMED_AUTHORIZATION } from '../auth/auth.service.js';
import { accessOf, type AuthenticatedRequest, PRINCIPAL, SCRAPER } from '../auth/caller.js';
import { ANONYMOUS, type Principal } from '../auth/principal.js';
import { DomainError, ErrorCode } from '../common/errors.js';
import { CONFIG } from '../config/config.module.js';
import type { Config, RateLimit } from '../config/config.schema.js';
import { SECURITY_HEADERS } from './http-headers.js';
import { RateLimitRepository } from './rate-limit.repository.js';
import { BUDGET_NOUNS, bodyLimitOf, ROUTE_POLICIES, type RouteBudget, routeKey, type RoutePolicy } from './route-policy.js';
import { OverLimitMemo, SharedCounterStore } from './shared-counter-store.js';

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

/** How often each replica deletes ended windows (all may; the delete is idempotent and indexed). */
const CLEANUP_INTERVAL_MS = 60_000;

/** The client's address as the limits count it: as Fastify read it under TRUST_PROXY, an IPv6 /64 as one. */
export function clientAddress(request: FastifyRequest): string {
  return normalizeIP(request.ip ?? 'unknown');
}

function principalOf(request: FastifyRequest): Principal {
  return (request as AuthenticatedRequest)[PRINCIPAL] ?? ANONYMOUS;
}

function describeWindow(ms: number): string {
  for (const [unit, size] of [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
    ['second', 1_000],
  ] as const) {
    if (ms % size === 0) return ms === size ? `per ${unit}` : `per ${ms / size} ${unit}s`;
  }
  return `per ${ms / 1000} seconds`;
}

function tooMany(budget: RouteBudget | 'authFailures', limit: RateLimit, ttlMs: number): DomainError {
  const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
  return new DomainError(
    ErrorCode.TooManyRequests,
    `Too many ${BUDGET_NOUNS[budget]}: at most ${limit.max} ${describeWindow(limit.windowMs)}. Try again in ${seconds} s (Retry-After).`,
    undefined,
    { retryAfterSeconds: seconds },
  );
}

/** RFC 6750's challenge: an error code only when credentials were sent and refused. */
function challenge(credentials: Credentials): string {
  const realm = 'Bearer realm="ccstats"';
  if (credentials.kind === 'bearer') return `${realm}, error="invalid_token"`;
  if (credentials.kind === 'malformed') return `${realm}, error="invalid_request"`;
  return realm;
}

/**
 * Everything between the socket and the controllers that decides whether a request is let in:
 * security headers (helmet's, worked out once), per-route body limits, who is calling (before the body is
 * read, so a bad token or an anonymous upload costs no parsing), the count of failed
 * authentications per client address, the request budgets of ROUTE_POLICIES (@fastify/rate-limit
 * over a table every replica shares), and WWW-Authenticate on every 401.
 *
 * Hook order on a request: `authenticate` (global), then the budget
 * of the route (a route-level onRequest hook, so it knows the user), then the body.
 */
function hooksOf<T>(hooks: T | T[] | undefined): T[] {
  return hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];
}

const crossOriginResource: onSendHookHandler = (_request, reply, payload, done) => {
  void reply.header('Cross-Origin-Resource-Policy', 'cross-origin');
  done(null, payload);
};

@Injectable()
export class Perimeter implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Perimeter');
  private readonly store: SharedCounterStore;
  private authFailures: Limiter | undefined;
  private cleanup: NodeJS.Timeout | undefined;
  private readonly matched = new Set<string>();

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly auth: AuthService,
    private readonly repository: RateLimitRepository,
  ) {
    this.store = new SharedCounterStore(repository, new OverLimitMemo(), this.logger);
  }

  /** Installs the hooks and plugins; call before app.init(), which registers the routes. */
  async install(app: NestFastifyApplication): Promise<void> {
    const fastify = app.getHttpAdapter().getInstance();
    // onSend runs on every answer, the router's own errors (a malformed URL, a 404) included.
    fastify.addHook('onSend', (_request, reply, payload, done) => {
      void reply.headers(SECURITY_HEADERS);
      done(null, payload);
    });
    // Registered before the rate-limit plugin, whose own onRoute hook reads config.rateLimit.
    fastify.addHook('onRoute', (route) => this.onRoute(route));
    const store = this.store;
    await app.register(rateLimit, {
      global: false,
      // The plugin constructs its store with `new`: each instance hands the calls to the one shared store.
      store: class implements FastifyRateLimitStore {
        incr: FastifyRateLimitStore['incr'] = (...args) => store.incr(...args);
        child: FastifyRateLimitStore['child'] = () => store.child();
      } satisfies FastifyRateLimitStoreCtor,
      skipOnError: true,
    });
    const failures = this.config.rateLimits.authFailures;
    if (failures) {
      this.authFailures = fastify.createRateLimit({
        max: failures.max,
        timeWindow: failures.windowMs,
        keyGenerator: (request) => `authFailures:${clientAddress(request)}`,
      });
    }
    fastify.addHook('onRequest', (request, reply) => this.authenticate(request as AuthenticatedRequest, reply));
    fastify.addHook('onSend', (request, reply, payload, done) => {
      if (reply.statusCode === 401 && !reply.hasHeader('www-authenticate')) {
        void reply.header('WWW-Authenticate', challenge(credentialsOf(request.headers.authorization)));
      }
      done(null, payload);
    });
    if (Object.values(this.config.rateLimits).some((limit) => limit !== undefined)) {
      this.cleanup = setInterval(() => void this.removeExpired(), CLEANUP_INTERVAL_MS).unref();
    }
  }

  /** After app.init(): a policy whose route was not registered means a renamed route lost its limits. */
  assertPoliciesMatched(): void {
    const unmatched = Object.keys(ROUTE_POLICIES).filter((key) => !this.matched.has(key));
    if (unmatched.length > 0) throw new Error(`route policies name no route: ${unmatched.join(', ')} (src/security/route-policy.ts)`);
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.cleanup);
  }

  /** Deletes ended windows, so the table holds only the keys of current ones. */
  async removeExpired(): Promise<number> {
    try {
      return await this.repository.removeExpired();
    } catch (error) {
      this.logger.warn(`could not delete ended rate-limit windows: ${(error as Error).message}`);
      return 0;
    }
  }

  private onRoute(route: RouteOptions): void {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const keys = methods.map((method) => routeKey(method, route.url)).filter((key) => key in ROUTE_POLICIES);
    const policy: RoutePolicy | undefined = keys.length > 0 ? ROUTE_POLICIES[keys[0]] : undefined;
    for (const key of keys) this.matched.add(key);
    route.bodyLimit = bodyLimitOf(policy, this.config);
    const budget = policy?.budget;
    const limit = budget && this.config.rateLimits[budget.name];
    if (budget && limit) route.config = { ...route.config, rateLimit: this.budgetLimiter(budget, limit) };
    // A route's own onSend hooks run after the instance's, which set SECURITY_HEADERS.
    if (policy?.embeddable) route.onSend = [...hooksOf(route.onSend), crossOriginResource];
    if (policy?.secretInPath) route.onSend = [...hooksOf(route.onSend), this.countWrongSecret];
  }

  /**
   * On a route whose path carries a secret, a 404 is a wrong guess: counted as a failed
   * authentication before the answer leaves, so the next request already sees the count.
   */
  private readonly countWrongSecret: onSendHookHandler = (request, reply, payload, done) => {
    if (reply.statusCode !== 404 || !this.authFailures || principalOf(request).kind === 'admin') return done(null, payload);
    this.authFailures(request).then(
      () => done(null, payload),
      () => done(null, payload),
    );
  };

  /** An address over RATE_LIMIT_AUTH_FAILURES is refused before a secret in the path is looked up. */
  private async refuseOverFailures(request: AuthenticatedRequest, reply: FastifyReply): Promise<void> {
    const limit = this.config.rateLimits.authFailures;
    if (!limit || !this.authFailures) return;
    const state = await this.authFailures(request, { increment: false });
    if (!state.isAllowed && state.remaining === 0) {
      void reply.header('Retry-After', String(Math.max(1, state.ttlInSeconds)));
      throw tooMany('authFailures', limit, state.ttl);
    }
  }

  private budgetLimiter(budget: NonNullable<RoutePolicy['budget']>, limit: RateLimit): RateLimitOptions {
    return {
      hook: 'onRequest',
      max: limit.max,
      timeWindow: limit.windowMs,
      keyGenerator: (request) => {
        const who = principalOf(request);
        if (budget.per === 'address') return `${budget.name}:${clientAddress(request)}`;
        return who.kind === 'user' ? `${budget.name}:user:${who.userId}` : `${budget.name}:none`;
      },
      // The admin is never limited; a per-user budget has nobody to count for other callers,
      // whom the route refuses anyway.
      allowList: (request) => {
        const who = principalOf(request);
        return who.kind === 'admin' || (budget.per === 'user' && who.kind !== 'user');
      },
      errorResponseBuilder: (_request, context) => tooMany(budget.name, limit, context.ttl),
    };
  }

  private async authenticate(request: AuthenticatedRequest, reply: FastifyReply): Promise<void> {
    const url = request.routeOptions.url;
    // No route: the 404 answer reads no token, so it is no oracle for one either.
    if (url === undefined) return;
    const access = accessOf(request.routeOptions.config);
    if (access === 'probe' || (access === 'metrics' && this.config.metricsPublic)) {
      request[PRINCIPAL] = ANONYMOUS;
      return;
    }
    const credentials = credentialsOf(request.headers.authorization);
    let principal: Principal = ANONYMOUS;
    if (credentials.kind === 'bearer' && this.auth.isAdminToken(credentials.token)) principal = { kind: 'admin' };
    else if (credentials.kind === 'bearer' && access !== undefined && this.auth.isMetricsToken(credentials.token)) request[SCRAPER] = true;
    else if (credentials.kind !== 'none') principal = await this.authenticateGuess(request, reply, credentials);
    request[PRINCIPAL] = principal;
    const policy = ROUTE_POLICIES[routeKey(request.method, url)];
    if (policy?.tokenRequired) this.auth.requireAuthenticated(principal);
    // A presented token was checked against the count already (authenticateGuess); an anonymous guess is checked here.
    if (policy?.secretInPath && credentials.kind === 'none') await this.refuseOverFailures(request, reply);
  }

  /**
   * A credential that is neither the admin token nor METRICS_TOKEN is a guess until the database
   * says otherwise. An address whose guesses failed RATE_LIMIT_AUTH_FAILURES times in the window
   * is refused whatever it sent, so a right guess cannot be told from a wrong one; each failure is
   * counted. The count and the token are read at the same time (two queries in parallel on
   * PostgreSQL), so the check adds no round trip to an authenticated request.
   */
  private async authenticateGuess(request: AuthenticatedRequest, reply: FastifyReply, credentials: Exclude<Credentials, { kind: 'none' }>): Promise<Principal> {
    const limit = this.config.rateLimits.authFailures;
    const [state, user] = await Promise.all([
      this.authFailures?.(request, { increment: false }),
      credentials.kind === 'bearer' ? this.auth.findUser(credentials.token) : undefined,
    ]);
    if (limit && state && !state.isAllowed && state.remaining === 0) {
      void reply.header('Retry-After', String(Math.max(1, state.ttlInSeconds)));
      throw tooMany('authFailures', limit, state.ttl);
    }
    if (user) {
      await this.auth.recordUse(user);
      return user;
    }
    if (this.authFailures) await this.authFailures(request);
    throw credentials.kind === 'malformed' ? new DomainError(ErrorCode.Unauthorized, MALFORMED_AUTHORIZATION) : this.auth.unknownToken();
  }
}
