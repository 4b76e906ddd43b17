import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '../config/config.module.js';
import type { Config } from '../config/config.schema.js';
import { DomainError, ErrorCode } from '../common/errors.js';
import { AuthRepository } from './auth.repository.js';
import { ANONYMOUS, type Principal } from './principal.js';
import { hashToken, sameSecret } from './tokens.js';

export const ADMIN_DISABLED_MESSAGE =
  'Admin actions are disabled on this server: set ADMIN_TOKEN (or ADMIN_TOKEN_FILE) to enable them.';

@Injectable()
export class AuthService {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly repository: AuthRepository,
  ) {}

  /** Resolves the Authorization header; a header that is present must be valid (401 otherwise). */
  async authenticate(header: string | undefined): Promise<Principal> {
    if (header === undefined || header.trim() === '') return ANONYMOUS;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new DomainError(ErrorCode.Unauthorized, 'The Authorization header must be `Bearer <token>`.');
    const token = match[1]!;
    if (this.config.adminToken && sameSecret(token, this.config.adminToken)) return { kind: 'admin' };
    const found = await this.repository.findActiveToken(hashToken(token));
    if (!found) throw new DomainError(ErrorCode.Unauthorized, 'The token is unknown or has been revoked.');
    await this.repository.touch(found.tokenId);
    return { kind: 'user', ...found };
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

  /** The user themself or the admin. */
  requireOwnerOrAdmin(principal: Principal, userId: number): void {
    const who = this.requireAuthenticated(principal);
    if (who.kind === 'admin' || who.userId === userId) return;
    throw new DomainError(ErrorCode.Forbidden, "A user's token may act only on that user.");
  }

  /** READ_ACCESS=token: reads need any valid token. */
  requireReader(principal: Principal): void {
    if (this.config.readAccess === 'token') this.requireAuthenticated(principal);
  }
}
