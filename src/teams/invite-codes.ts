import { randomBytes } from 'node:crypto';
import { hashToken } from '../auth/tokens.js';

/** Invite codes: `cci_` and 32 random bytes in base64url (256 bits), like upload tokens, told apart by the prefix. */
export const INVITE_PREFIX = 'cci_';

export function newInviteCode(): string {
  return INVITE_PREFIX + randomBytes(32).toString('base64url');
}

/** Only this is stored: the SHA-256 of the code, in hex. */
export const hashInviteCode = (code: string): string => hashToken(code);

/** The first characters of a code, enough to tell invites apart in a list and not enough to use one. */
export function invitePrefix(code: string): string {
  return code.slice(0, INVITE_PREFIX.length + 6);
}
