import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { type AuthenticatedRequest, PRINCIPAL } from './caller.js';

/**
 * Global guard. Who is calling is established before the body is read, by the perimeter's
 * onRequest hook (src/security/perimeter.ts), so that a bad token or an anonymous upload costs no
 * body parsing and the rate limits know the user. This guard makes sure that happened: a handler
 * reached without it would treat every caller as anonymous, so it fails loudly instead.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!(PRINCIPAL in request)) throw new Error('The request reached a handler without passing the perimeter (authentication hook missing).');
    return true;
  }
}
