import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DomainError, ErrorCode } from '../common/errors.js';
import { CONFIG } from '../config/config.module.js';
import type { Config } from '../config/config.schema.js';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Admin endpoints: `Authorization: Bearer <ADMIN_TOKEN>`. Tokens are compared as SHA-256 digests
 * with timingSafeEqual, so neither the content nor the length of the token leaks through timing.
 * Without a configured admin token the endpoints are off (403), not open.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  private readonly expected: Buffer | undefined;

  constructor(@Inject(CONFIG) config: Config) {
    this.expected = config.adminToken ? digest(config.adminToken) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) {
      throw new DomainError(ErrorCode.Forbidden, 'Admin endpoints are disabled: set ADMIN_TOKEN or ADMIN_TOKEN_FILE to enable them.');
    }
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    const token = header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
    if (!token) throw new DomainError(ErrorCode.Unauthorized, 'This endpoint needs the admin token: Authorization: Bearer <ADMIN_TOKEN>.');
    if (!timingSafeEqual(digest(token), this.expected)) throw new DomainError(ErrorCode.Unauthorized, 'The admin token is not valid.');
    return true;
  }
}
