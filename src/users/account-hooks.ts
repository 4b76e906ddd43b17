import type { Database } from '../db/database-connection.js';

/**
 * What modules above users (teams) add to an account's registration and removal, inside the same
 * transaction. Users cannot import them (imports point down), so they provide this under
 * ACCOUNT_HOOKS and UsersService calls it when it is there.
 */
export interface AccountHooks {
  /**
   * Registration with an invite code: the new user (already inserted in `tx`) joins the invite's
   * team and the use is counted; throws a DomainError (403 unknown, 410 no longer valid, 409 a
   * full team) to refuse the registration, which rolls it back whole.
   */
  joinByInvite(tx: Database, userId: number, code: string): Promise<void>;
  /** Before a user's row is deleted in `tx`: what their memberships leave behind (docs/teams.md). */
  beforeRemove(tx: Database, userId: number): Promise<void>;
}

export const ACCOUNT_HOOKS = Symbol('AccountHooks');
