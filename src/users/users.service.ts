import { Inject, Injectable, Optional } from '@nestjs/common';
import { AuthService } from '../auth/auth.service.js';
import type { Principal } from '../auth/principal.js';
import { displayPrefix, hashToken, newToken } from '../auth/tokens.js';
import { DomainError, ErrorCode } from '../common/errors.js';
import { CONFIG } from '../config/config.module.js';
import type { Config } from '../config/config.schema.js';
import type { Database } from '../db/database-connection.js';
import { Audiences, type Visibility } from '../directory/audience.js';
import { UserDirectory } from '../directory/user-directory.js';
import { UsageLedger } from '../ledger/usage-ledger.js';
import { Admission } from '../read-model/admission.js';
import { ACCOUNT_HOOKS, type AccountHooks } from './account-hooks.js';
import { UsersRepository } from './users.repository.js';
import type { CreatedUser, IssuedToken, Privacy, PrivacyUpdate, TokenInfo, TokenList, UserList, UserListQuery } from './users.schemas.js';

const iso = (value: Date | string | null): string | null => (value === null ? null : new Date(value).toISOString());

function issue(name: string) {
  const token = newToken();
  return { token, record: { name, hash: hashToken(token), prefix: displayPrefix(token) } };
}

@Injectable()
export class UsersService {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly repository: UsersRepository,
    private readonly auth: AuthService,
    private readonly ledger: UsageLedger,
    private readonly directory: UserDirectory,
    private readonly audiences: Audiences,
    @Optional() @Inject(ACCOUNT_HOOKS) private readonly hooks?: AccountHooks,
  ) {}

  async list(caller: Principal, query: UserListQuery): Promise<UserList> {
    this.auth.requireReader(caller);
    // Listed: the users the caller sees; sorted by cost, only those whose cost the caller sees (an
    // order by cost would tell it).
    const audience = await this.audiences.of(caller);
    const admission = Admission.of(audience, query.sort === 'totalCost' ? 'cost' : undefined);
    const { rows, total } = await this.repository.list(query.q, query.sort, query.limit, query.offset, admission);
    return {
      total,
      limit: query.limit,
      offset: query.offset,
      users: rows.map((r) => ({
        username: r.username,
        displayName: r.displayName,
        createdAt: r.createdAt,
        firstDate: r.firstDate,
        lastDate: r.lastDate,
        activeDays: Number(r.activeDays),
        totalTokens: Number(r.totalTokens),
        totalCost: audience.seesCost(Number(r.id)) ? r.totalCost : null,
      })),
    };
  }

  async register(caller: Principal, username: string, invite?: string): Promise<CreatedUser> {
    if (this.config.registration === 'closed') this.auth.requireAdmin(caller);
    if (this.config.registration === 'invite' && invite === undefined && caller.kind !== 'admin') {
      throw new DomainError(
        ErrorCode.Forbidden,
        'This server registers only people with a team invite (REGISTRATION=invite): send {"username", "invite": "<code>"} with the code of an invite link.',
      );
    }
    if (invite !== undefined && !this.hooks) throw new Error('Invites need the teams module (ACCOUNT_HOOKS is not provided).');
    const hooks = this.hooks;
    const { token, record } = issue('default');
    const join = invite === undefined || !hooks ? undefined : (tx: Database, userId: number) => hooks.joinByInvite(tx, userId, invite);
    const user = await this.repository.createWithToken(username, this.config.defaultPrivacy, record, join);
    if (!user) throw new DomainError(ErrorCode.Conflict, `The username ${JSON.stringify(username)} is taken (names are compared without regard to case).`);
    return { username: user.username, token, createdAt: iso(user.createdAt)! };
  }

  async remove(caller: Principal, username: string): Promise<void> {
    this.auth.requireSelfOrAdmin(caller, username);
    const user = await this.directory.get(username);
    const hooks = this.hooks;
    await this.ledger.removeUser(user.id, hooks && ((tx) => hooks.beforeRemove(tx, user.id)));
  }

  async issueToken(caller: Principal, username: string, name: string | undefined): Promise<IssuedToken> {
    this.auth.requireSelfOrAdmin(caller, username);
    const user = await this.directory.get(username);
    const { token, record } = issue(name ?? 'token');
    // The admin is never limited; MAX_ACTIVE_TOKENS bounds what a user's own token can create.
    const cap = caller.kind === 'admin' ? undefined : this.config.maxActiveTokens;
    const row = await this.repository.addToken(user.id, record, cap);
    if (!row) {
      throw new DomainError(
        ErrorCode.Conflict,
        `${user.username} already has ${cap} live tokens, the most a user may hold (MAX_ACTIVE_TOKENS); revoke one first.`,
        undefined,
        { maxActiveTokens: cap },
      );
    }
    return { ...toInfo(row), token };
  }

  async listTokens(caller: Principal, username: string): Promise<TokenList> {
    this.auth.requireSelfOrAdmin(caller, username);
    const user = await this.directory.get(username);
    return { username: user.username, tokens: (await this.repository.listTokens(user.id)).map(toInfo) };
  }

  async revokeToken(caller: Principal, username: string, tokenId: number): Promise<void> {
    this.auth.requireSelfOrAdmin(caller, username);
    const user = await this.directory.get(username);
    if (!(await this.repository.revokeToken(user.id, tokenId))) {
      throw new DomainError(ErrorCode.NotFound, `${user.username} has no live token ${tokenId}.`);
    }
  }

  /** A user's privacy settings (owner or admin; the caller is checked before the name is looked up). */
  async privacy(caller: Principal, username: string): Promise<Privacy> {
    this.auth.requireSelfOrAdmin(caller, username);
    const user = await this.directory.get(username);
    return this.privacyView(await this.repository.privacy(user.id));
  }

  /** Changes what others see of a user; every read honours it from the next request, on every replica. */
  async updatePrivacy(caller: Principal, username: string, changes: PrivacyUpdate): Promise<Privacy> {
    this.auth.requireSelfOrAdmin(caller, username);
    const user = await this.directory.get(username);
    return this.privacyView(await this.repository.setPrivacy(user.id, changes));
  }

  private privacyView(row: { username: string; visibility: string; showCost: boolean; displayName: string | null }): Privacy {
    return { ...row, visibility: row.visibility as Visibility, defaults: this.config.defaultPrivacy };
  }
}

function toInfo(row: { id: number; name: string; prefix: string; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null }): TokenInfo {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: iso(row.createdAt)!,
    lastUsedAt: iso(row.lastUsedAt),
    revokedAt: iso(row.revokedAt),
  };
}
