import { Injectable } from '@nestjs/common';
import { AuthService } from '../auth/auth.service.js';
import type { Principal } from '../auth/principal.js';
import { DomainError, ErrorCode } from '../common/errors.js';
import type { Database } from '../db/database-connection.js';
import type { TeamRole } from '../db/schema.js';
import { Audiences } from '../directory/audience.js';
import { UserDirectory } from '../directory/user-directory.js';
import type { LeaderboardQuery } from '../usage/stats.schemas.js';
import { StatsService } from '../usage/stats.service.js';
import type { AccountHooks } from '../users/account-hooks.js';
import { hashInviteCode, invitePrefix, newInviteCode } from './invite-codes.js';
import { type InviteState, type JoinResult, type TeamListRow, type TeamRow, TeamsRepository, type TeamViewer } from './teams.repository.js';
import type {
  CreateInvite,
  CreateTeam,
  InviteInfo,
  InviteList,
  InvitePreview,
  IssuedInvite,
  JoinedTeam,
  PageQuery,
  Team,
  TeamLeaderboard,
  TeamList,
  TeamListQuery,
  TeamMemberList,
  UpdateTeam,
} from './teams.schemas.js';

/** The most teams a user's own token may create while owning them (the admin is not limited). */
export const MAX_OWNED_TEAMS = 20;
/** The most members a team may have: joins past it are refused with 409. */
export const MAX_TEAM_MEMBERS = 5_000;

const iso = (value: Date | string): string => new Date(value).toISOString();
const isoOrNull = (value: Date | string | null): string | null => (value === null ? null : iso(value));

/** What the caller is to a team they may see: the admin, a member with a role, or neither. */
interface Access {
  team: TeamRow;
  admin: boolean;
  /** The caller's role; undefined when not a member. */
  role: TeamRole | undefined;
  userId: number | undefined;
}

const GONE_DETAIL: Record<Exclude<InviteState, 'valid'>, string> = {
  expired: 'This invite has expired; ask the team for a new one.',
  revoked: 'This invite was revoked; ask the team for a new one.',
  'used-up': 'This invite has been used as many times as it allows; ask the team for a new one.',
};

function toTeam(row: TeamRow, memberCount: number, role: TeamRole | null | undefined): Team {
  return {
    slug: row.slug,
    name: row.name,
    description: row.description,
    visibility: row.visibility,
    memberCount,
    role: role ?? null,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/**
 * Teams, their members and invites (docs/teams.md). Who may do what is decided here: private teams
 * answer 404 to whoever may not see them, so they cannot be discovered; the admin token may do
 * everything on every team.
 */
@Injectable()
export class TeamsService implements AccountHooks {
  constructor(
    private readonly repository: TeamsRepository,
    private readonly auth: AuthService,
    private readonly directory: UserDirectory,
    private readonly audiences: Audiences,
    private readonly stats: StatsService,
  ) {}

  async create(caller: Principal, body: CreateTeam, ownerName: string | undefined): Promise<Team> {
    const who = this.auth.requireAuthenticated(caller);
    let ownerId: number;
    if (who.kind === 'admin') {
      if (ownerName === undefined) {
        throw new DomainError(ErrorCode.ValidationFailed, 'The admin token is no user: name the owner with ?owner=<username>.', [
          { path: 'owner', message: 'is required with the admin token', in: 'query' },
        ]);
      }
      ownerId = (await this.directory.get(ownerName)).id;
    } else {
      if (ownerName !== undefined && ownerName.toLowerCase() !== who.username.toLowerCase()) {
        throw new DomainError(ErrorCode.Forbidden, "A user's token creates teams for that user only (?owner is for the admin token).");
      }
      ownerId = who.userId;
    }
    const cap = who.kind === 'admin' ? undefined : MAX_OWNED_TEAMS;
    const row = await this.repository.create(
      ownerId,
      { slug: body.slug, name: body.name, description: body.description ?? '', visibility: body.visibility },
      cap,
    );
    if (row === 'taken')
      throw new DomainError(ErrorCode.Conflict, `The team slug ${JSON.stringify(body.slug)} is taken (slugs are compared without regard to case).`);
    if (row === 'cap') {
      throw new DomainError(ErrorCode.Conflict, `A user may own at most ${MAX_OWNED_TEAMS} teams; delete one or hand one over first.`, undefined, {
        maxOwnedTeams: MAX_OWNED_TEAMS,
      });
    }
    return toTeam(row, 1, who.kind === 'admin' ? null : 'owner');
  }

  async list(caller: Principal, query: TeamListQuery): Promise<TeamList> {
    this.auth.requireReader(caller);
    const viewer: TeamViewer =
      caller.kind === 'admin' ? { kind: 'admin' } : caller.kind === 'user' ? { kind: 'user', userId: caller.userId } : { kind: 'anonymous' };
    const { rows, total } = await this.repository.list(viewer, query.q, query.limit, query.offset);
    return { total, limit: query.limit, offset: query.offset, teams: rows.map((r: TeamListRow) => toTeam(r, r.memberCount, r.role)) };
  }

  async get(caller: Principal, slug: string): Promise<Team> {
    const access = await this.view(caller, slug);
    return this.answer(access);
  }

  /** The team a read is about, if the caller may read it: READ_ACCESS (401), then 404 for a private team to outsiders. */
  async readable(caller: Principal, slug: string): Promise<TeamRow> {
    return (await this.view(caller, slug)).team;
  }

  async update(caller: Principal, slug: string, patch: UpdateTeam): Promise<Team> {
    const access = await this.manage(caller, slug);
    const row = await this.repository.update(access.team.id, patch);
    if (!row) throw this.notFound(slug);
    return this.answer({ ...access, team: row });
  }

  async remove(caller: Principal, slug: string): Promise<void> {
    const access = await this.visibleTo(caller, slug);
    if (!access.admin && access.role !== 'owner') throw new DomainError(ErrorCode.Forbidden, 'Only an owner of the team (or the admin) may delete it.');
    await this.repository.remove(access.team.id);
  }

  /**
   * The team's members: all of them to those who manage it (its owners and admins, the admin), who
   * must see whom they manage; to anyone else only the members they may see (a `private` user is
   * listed to no one else, a `teams` user to fellow members).
   */
  async members(caller: Principal, slug: string, page: PageQuery): Promise<TeamMemberList> {
    const access = await this.view(caller, slug);
    const manager = access.admin || access.role === 'owner' || access.role === 'admin';
    const hidden = manager ? [] : (await this.audiences.of(caller)).hiddenIds();
    const { rows, total } = await this.repository.members(access.team.id, page.limit, page.offset, hidden);
    return {
      team: access.team.slug,
      total,
      limit: page.limit,
      offset: page.offset,
      members: rows.map((r) => ({ username: r.username, displayName: r.displayName, role: r.role, joinedAt: iso(r.joinedAt) })),
    };
  }

  /**
   * The team's leaderboard: the community's (every period, metric, page, CSV), restricted to its
   * members, each counted over the whole period whatever the day they joined; members the caller
   * may not see are left out, as on the community board.
   */
  async leaderboard(caller: Principal, slug: string, query: LeaderboardQuery): Promise<TeamLeaderboard> {
    const access = await this.view(caller, slug);
    return { team: access.team.slug, ...(await this.stats.leaderboard(caller, query, access.team.id)) };
  }

  /**
   * Owners (and the admin) set any role; team admins move members between member and admin, never
   * touching owners nor making one; the last owner keeps the role.
   */
  async setRole(caller: Principal, slug: string, username: string, role: TeamRole): Promise<TeamMemberList['members'][number]> {
    const access = await this.visibleTo(caller, slug);
    if (!access.admin && access.role !== 'owner' && access.role !== 'admin') {
      throw new DomainError(ErrorCode.Forbidden, "Only the team's owners and admins may change roles.");
    }
    const target = await this.member(access, username);
    if (!access.admin && access.role === 'admin' && (target.role === 'owner' || role === 'owner')) {
      throw new DomainError(ErrorCode.Forbidden, 'A team admin may switch members between member and admin only; owners are changed by owners.');
    }
    if (target.role !== role) this.settle(await this.repository.setRole(access.team.id, target.userId, target.role, role), 'demote');
    const after = await this.member(access, username);
    return { username: after.username, displayName: after.displayName, role: after.role, joinedAt: iso(after.joinedAt) };
  }

  /** Leaving (a member removing themself, any role) or removal: owners and the admin remove anyone, team admins members only. */
  async removeMember(caller: Principal, slug: string, username: string): Promise<void> {
    const access = await this.visibleTo(caller, slug);
    const self = caller.kind === 'user' && caller.username.toLowerCase() === username.toLowerCase();
    if (!self && !access.admin && access.role !== 'owner' && access.role !== 'admin') {
      throw new DomainError(ErrorCode.Forbidden, "Only the team's owners and admins may remove members (anyone may leave).");
    }
    const target = await this.member(access, username);
    if (!self && !access.admin && access.role === 'admin' && target.role !== 'member') {
      throw new DomainError(ErrorCode.Forbidden, 'A team admin may remove members only, not admins or owners.');
    }
    this.settle(await this.repository.removeMember(access.team.id, target.userId, target.role), 'remove');
  }

  async createInvite(caller: Principal, slug: string, body: CreateInvite): Promise<IssuedInvite> {
    const access = await this.manage(caller, slug);
    const code = newInviteCode();
    const row = await this.repository.createInvite({
      teamId: access.team.id,
      codeHash: hashInviteCode(code),
      codePrefix: invitePrefix(code),
      expiresInHours: body.expiresInHours,
      maxUses: body.maxUses ?? null,
      createdBy: access.userId ?? null,
    });
    const createdBy = caller.kind === 'user' ? caller.username : null;
    return {
      ...toInviteInfo({ ...row, createdBy, state: 'valid' }),
      code,
      url: `/join/${code}`,
      team: access.team.slug,
    };
  }

  async invites(caller: Principal, slug: string, page: PageQuery): Promise<InviteList> {
    const access = await this.manage(caller, slug);
    const { rows, total } = await this.repository.invites(access.team.id, page.limit, page.offset);
    return { team: access.team.slug, total, limit: page.limit, offset: page.offset, invites: rows.map(toInviteInfo) };
  }

  async revokeInvite(caller: Principal, slug: string, id: number): Promise<void> {
    const access = await this.manage(caller, slug);
    if (!(await this.repository.revokeInvite(access.team.id, id))) {
      throw new DomainError(ErrorCode.NotFound, `Team ${access.team.slug} has no unrevoked invite ${id}.`);
    }
  }

  /** What an invite link leads to, for anyone holding the code (whatever the team's visibility). */
  async preview(code: string): Promise<InvitePreview> {
    const found = await this.repository.findInvite(hashInviteCode(code));
    if (!found) throw new DomainError(ErrorCode.NotFound, 'There is no such invite.');
    if (found.state !== 'valid') throw gone(found.state);
    const { invite, team } = found;
    return {
      team: { slug: team.slug, name: team.name, description: team.description },
      valid: true,
      expiresAt: iso(invite.expiresAt),
      usesLeft: invite.maxUses === null ? null : invite.maxUses - invite.uses,
    };
  }

  async accept(caller: Principal, code: string): Promise<JoinedTeam> {
    const who = this.auth.requireAuthenticated(caller);
    if (who.kind === 'admin') throw new DomainError(ErrorCode.Forbidden, "The admin token is no user and joins no team; accept with the user's own token.");
    const result = await this.repository.join(hashInviteCode(code), who.userId, MAX_TEAM_MEMBERS);
    if (result.kind === 'unknown') throw new DomainError(ErrorCode.NotFound, 'There is no such invite.');
    const team = this.joined(result);
    const role = await this.repository.roleOf(team.id, who.userId);
    return { joined: result.kind === 'joined', team: toTeam(team, await this.repository.memberCount(team.id), role) };
  }

  /** AccountHooks: registration with an invite (unknown codes are 403 here: the route is /users, not the invite). */
  async joinByInvite(tx: Database, userId: number, code: string): Promise<void> {
    const result = await this.repository.joinWithin(tx, hashInviteCode(code), userId, MAX_TEAM_MEMBERS);
    if (result.kind === 'unknown') throw new DomainError(ErrorCode.Forbidden, 'The invite code is unknown: registration needs a valid invite.');
    this.joined(result);
  }

  /** AccountHooks: a deleted user's teams get another owner, or go when nobody is left. */
  async beforeRemove(tx: Database, userId: number): Promise<void> {
    await this.repository.handOver(tx, userId);
  }

  private joined(result: Exclude<JoinResult, { kind: 'unknown' }>): TeamRow {
    if (result.kind === 'gone') throw gone(result.state);
    if (result.kind === 'full') {
      throw new DomainError(ErrorCode.Conflict, `Team ${result.team.slug} has ${MAX_TEAM_MEMBERS} members, the most a team may have.`, undefined, {
        maxTeamMembers: MAX_TEAM_MEMBERS,
      });
    }
    return result.team;
  }

  private settle(outcome: 'done' | 'changed' | 'last-owner', action: 'demote' | 'remove'): void {
    if (outcome === 'last-owner') {
      throw new DomainError(
        ErrorCode.Conflict,
        action === 'demote'
          ? 'This is the last owner of the team: make another member owner first.'
          : 'The last owner cannot leave or be removed: make another member owner first, or delete the team.',
      );
    }
    if (outcome === 'changed') throw new DomainError(ErrorCode.Conflict, "The member's role changed meanwhile; read it again and retry.");
  }

  private async answer(access: Access): Promise<Team> {
    return toTeam(access.team, await this.repository.memberCount(access.team.id), access.role);
  }

  private notFound(slug: string): DomainError {
    return new DomainError(ErrorCode.NotFound, `There is no team ${JSON.stringify(slug)}.`);
  }

  /** The team and what the caller is to it; 404 for a private team the caller may not see (as for one that does not exist). */
  private async access(caller: Principal, slug: string): Promise<Access> {
    const team = await this.repository.find(slug);
    if (!team) throw this.notFound(slug);
    const userId = caller.kind === 'user' ? caller.userId : undefined;
    const role = userId === undefined ? undefined : await this.repository.roleOf(team.id, userId);
    const access: Access = { team, admin: caller.kind === 'admin', role, userId };
    if (team.visibility === 'private' && !access.admin && role === undefined) throw this.notFound(slug);
    return access;
  }

  /** Reads: READ_ACCESS applies, then visibility. */
  private async view(caller: Principal, slug: string): Promise<Access> {
    this.auth.requireReader(caller);
    return this.access(caller, slug);
  }

  /** Writes: a token first (401), then visibility (404), then the role, which each write checks. */
  private async visibleTo(caller: Principal, slug: string): Promise<Access> {
    this.auth.requireAuthenticated(caller);
    return this.access(caller, slug);
  }

  /** Owners, team admins and the admin. */
  private async manage(caller: Principal, slug: string): Promise<Access> {
    const access = await this.visibleTo(caller, slug);
    if (!access.admin && access.role !== 'owner' && access.role !== 'admin') {
      throw new DomainError(ErrorCode.Forbidden, "Only the team's owners and admins (or the admin token) may do this.");
    }
    return access;
  }

  private async member(access: Access, username: string) {
    const found = await this.repository.member(access.team.id, username);
    if (!found) throw new DomainError(ErrorCode.NotFound, `${username} is not a member of team ${access.team.slug}.`);
    return found;
  }
}

function gone(state: Exclude<InviteState, 'valid'>): DomainError {
  return new DomainError(ErrorCode.Gone, GONE_DETAIL[state], undefined, { reason: state });
}

function toInviteInfo(row: {
  id: number;
  codePrefix: string;
  expiresAt: Date;
  maxUses: number | null;
  uses: number;
  revokedAt: Date | null;
  createdAt: Date;
  createdBy: string | null;
  state: InviteState;
}): InviteInfo {
  return {
    id: row.id,
    prefix: row.codePrefix,
    expiresAt: iso(row.expiresAt),
    maxUses: row.maxUses,
    uses: row.uses,
    revokedAt: isoOrNull(row.revokedAt),
    createdAt: iso(row.createdAt),
    createdBy: row.createdBy,
    state: row.state,
  };
}
