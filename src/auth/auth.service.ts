import { Inject, Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '../common/errors.js';
import { CONFIG } from '../config/config.module.js';
import type { Config } from '../config/config.schema.js';
import { AuthRepository } from './auth.repository.js';
import type { Principal } from './principal.js';
import { hashToken, sameSecret } from './tokens.js';

export const ADMIN_DISABLED_MESSAGE = 'Admin actions are disabled on this server: set ADMIN_TOKEN (or ADMIN_TOKEN_FILE) to enable them.';

export const OPERATIONS_DISABLED_MESSAGE =
  'The health detail and metrics are disabled on this server: set ADMIN_TOKEN or METRICS_TOKEN (or METRICS_PUBLIC=true for /metrics).';

/** What an Authorization header carries: nothing, something that is not `Bearer <token>`, or a token. */
export type Credentials = { kind: 'none' } | { kind: 'malformed' } | { kind: 'bearer'; token: string };

export function credentialsOf(header: string | undefined): Credentials {
  if (header === undefined || header.trim() === '') return { kind: 'none' };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? { kind: 'bearer', token: match[1] } : { kind: 'malformed' };
}

export const MALFORMED_AUTHORIZATION = 'The Authorization header must be `Bearer <token>`.';

@Injectable()
export class AuthService {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly repository: AuthRepository,
  ) {}

  isAdminToken(token: string): boolean {
    return this.config.adminToken !== undefined && sameSecret(token, this.config.adminToken);
  }

  isMetricsToken(token: string): boolean {
    return this.config.metricsToken !== undefined && sameSecret(token, this.config.metricsToken);
  }

  /** A user's live token, looked up by its hash; undefined when it is unknown or revoked. */
  async findUser(token: string): Promise<Extract<Principal, { kind: 'user' }> | undefined> {
    const found = await this.repository.findActiveToken(hashToken(token));
    return found && { kind: 'user', ...found };
  }

  /** Notes that a token was used (last_used_at, at most once a minute). */
  async recordUse(principal: Extract<Principal, { kind: 'user' }>): Promise<void> {
    await this.repository.touch(principal.tokenId);
  }

  unknownToken(): DomainError {
    return new DomainError(ErrorCode.Unauthorized, 'The token is unknown or has been revoked.');
  }

  requireAuthenticated(principal: Principal): Exclude<Principal, { kind: 'anonymous' }> {
    if (principal.kind === 'anonymous') {
      throw new DomainError(ErrorCode.Unauthorized, 'This needs a token: send `Authorization: Bearer <token>`.');
    }
    return principal;
  }

  requireAdmin(principal: Principal): void {
    if (principal.kind === 'admin') return;
    if (!this.config.adminToken) throw new DomainError(ErrorCode.Forbidden, ADMIN_DISABLED_MESSAGE);
    if (principal.kind === 'anonymous') {
      throw new DomainError(ErrorCode.Unauthorized, 'This needs the admin token: send `Authorization: Bearer <ADMIN_TOKEN>`.');
    }
    throw new DomainError(ErrorCode.Forbidden, 'Only the admin token may do this.');
  }

  /** The /health detail and /metrics: the admin token, or METRICS_TOKEN (`scraper`). */
  requireOperator(principal: Principal, scraper: boolean): void {
    if (principal.kind === 'admin' || scraper) return;
    if (!this.config.adminToken && !this.config.metricsToken) throw new DomainError(ErrorCode.Forbidden, OPERATIONS_DISABLED_MESSAGE);
    if (principal.kind === 'anonymous') {
      throw new DomainError(ErrorCode.Unauthorized, 'This needs the admin token or METRICS_TOKEN: send `Authorization: Bearer <token>`.');
    }
    throw new DomainError(ErrorCode.Forbidden, "A user's token may not read the health detail or metrics.");
  }

  /** The user themself or the admin. */
  requireOwnerOrAdmin(principal: Principal, userId: number): void {
    const who = this.requireAuthenticated(principal);
    if (who.kind === 'admin' || who.userId === userId) return;
    throw new DomainError(ErrorCode.Forbidden, "A user's token may act only on that user.");
  }

  /**
   * The user named (any case) themself or the admin, decided from the name alone, before anyone
   * looks the name up: the answer is the same for a user who exists and one who does not, so
   * refusals cannot be used to find out who has an account.
   */
  requireSelfOrAdmin(principal: Principal, username: string): void {
    const who = this.requireAuthenticated(principal);
    if (who.kind === 'admin' || who.username.toLowerCase() === username.toLowerCase()) return;
    throw new DomainError(ErrorCode.Forbidden, "A user's token may act only on that user.");
  }

  /** READ_ACCESS=token: reads need any valid token. */
  requireReader(principal: Principal): void {
    if (this.config.readAccess === 'token') this.requireAuthenticated(principal);
  }
}
