import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Upload tokens: `ccs_` and 32 random bytes in base64url (256 bits), recognisable in logs and leaks. */
export const TOKEN_PREFIX = 'ccs_';

export function newToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The first characters of a token, enough to tell tokens apart and not enough to use one. */
export function displayPrefix(token: string): string {
  return token.slice(0, TOKEN_PREFIX.length + 6);
}

/** Constant-time comparison (over digests, so lengths do not leak either). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
