import { Injectable } from '@nestjs/common';
import { and, count, desc, eq, isNull, notInArray, sql } from 'drizzle-orm';
import { type Database, rowsOf, transaction } from '../db/database-connection.js';
import { InjectDb } from '../db/database.module.js';
import { type TeamRole, type TeamVisibility, teamInvites, teamMembers, teams, users } from '../db/schema.js';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from '../db/sql.js';

export type TeamRow = typeof teams.$inferSelect;
export type InviteRow = typeof teamInvites.$inferSelect;

/** A team in a list: the row, its member count and the viewer's role (null when not a member). */
export type TeamListRow = TeamRow & { memberCount: number; role: TeamRole | null };

/** Who is listing teams: the admin sees all, a user public teams and their own, anyone else public ones. */
export type TeamViewer = { kind: 'admin' } | { kind: 'user'; userId: number } | { kind: 'anonymous' };

export type InviteState = 'valid' | 'expired' | 'revoked' | 'used-up';

export type JoinResult =
  | { kind: 'joined' | 'member'; team: TeamRow }
  | { kind: 'gone'; state: Exclude<InviteState, 'valid'>; team: TeamRow }
  | { kind: 'full'; team: TeamRow }
  | { kind: 'unknown' };

/** Why an invite no longer admits anyone, as the database's clock sees it; `valid` when it does. */
const stateOf = sql<InviteState>`CASE WHEN ${teamInvites.revokedAt} IS NOT NULL THEN 'revoked'
  WHEN ${teamInvites.expiresAt} <= now() THEN 'expired'
  WHEN ${teamInvites.maxUses} IS NOT NULL AND ${teamInvites.uses} >= ${teamInvites.maxUses} THEN 'used-up'
  ELSE 'valid' END`;

const byLowerSlug = (slug: string) => sql`lower(${teams.slug}) = lower(${slug})`;

/** Locks a team's row: member changes of one team (joins, role changes, removals) count one after the other. */
async function lockTeam(tx: Database, teamId: number): Promise<TeamRow | undefined> {
  const [row] = await tx.select().from(teams).where(eq(teams.id, teamId)).for('update');
  return row;
}

async function roleIn(tx: Database, teamId: number, userId: number): Promise<TeamRole | undefined> {
  const [row] = await tx
    .select({ role: teamMembers.role })
    .from(teamMembers)
    .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId)));
  return row?.role;
}

async function ownerCount(tx: Database, teamId: number): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(teamMembers)
    .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.role, 'owner')));
  return row.n;
}

@Injectable()
export class TeamsRepository {
  constructor(@InjectDb() private readonly db: Database) {}

  /**
   * Creates a team with its owner. `cap`: the most teams the owner may own (undefined: no cap),
   * counted under the owner's row lock so concurrent creations cannot pass it. 'taken' when the
   * slug is (in any case), 'cap' when the owner owns `cap` teams already.
   */
  async create(
    ownerId: number,
    team: { slug: string; name: string; description: string; visibility: TeamVisibility },
    cap: number | undefined,
  ): Promise<TeamRow | 'taken' | 'cap'> {
    try {
      return await transaction(this.db, async (tx) => {
        if (cap !== undefined) {
          await tx.select({ id: users.id }).from(users).where(eq(users.id, ownerId)).for('update');
          const [owned] = await tx
            .select({ n: count() })
            .from(teamMembers)
            .where(and(eq(teamMembers.userId, ownerId), eq(teamMembers.role, 'owner')));
          if (owned.n >= cap) return 'cap' as const;
        }
        const [row] = await tx.insert(teams).values(team).returning();
        await tx.insert(teamMembers).values({ teamId: row.id, userId: ownerId, role: 'owner' });
        return row;
      });
    } catch (error) {
      if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) return 'taken';
      throw error;
    }
  }

  async find(slug: string): Promise<TeamRow | undefined> {
    const [row] = await this.db.select().from(teams).where(byLowerSlug(slug)).limit(1);
    return row;
  }

  async roleOf(teamId: number, userId: number): Promise<TeamRole | undefined> {
    return roleIn(this.db, teamId, userId);
  }

  async memberCount(teamId: number): Promise<number> {
    const [row] = await this.db.select({ n: count() }).from(teamMembers).where(eq(teamMembers.teamId, teamId));
    return row.n;
  }

  /** A page of the teams the viewer may see, by slug, with member counts and the viewer's role; `q` a slug prefix (any case). */
  async list(viewer: TeamViewer, q: string | undefined, limit: number, offset: number): Promise<{ rows: TeamListRow[]; total: number }> {
    const viewerId = viewer.kind === 'user' ? viewer.userId : null;
    const mine = sql`EXISTS (SELECT 1 FROM ${teamMembers} WHERE ${teamMembers.teamId} = ${teams.id} AND ${teamMembers.userId} = ${viewerId})`;
    const visible =
      viewer.kind === 'admin' ? sql`true` : viewer.kind === 'user' ? sql`(${teams.visibility} = 'public' OR ${mine})` : sql`${teams.visibility} = 'public'`;
    const prefix = q === undefined ? sql`true` : sql`starts_with(lower(${teams.slug}), lower(${q}))`;
    const where = and(visible, prefix);
    const rows = await this.db
      .select({
        id: teams.id,
        slug: teams.slug,
        name: teams.name,
        description: teams.description,
        visibility: teams.visibility,
        createdAt: teams.createdAt,
        updatedAt: teams.updatedAt,
        memberCount: sql<number>`(SELECT count(*) FROM ${teamMembers} WHERE ${teamMembers.teamId} = ${teams.id})::int`,
        role: sql<TeamRole | null>`(SELECT ${teamMembers.role} FROM ${teamMembers} WHERE ${teamMembers.teamId} = ${teams.id} AND ${teamMembers.userId} = ${viewerId})`,
      })
      .from(teams)
      .where(where)
      .orderBy(sql`lower(${teams.slug})`)
      .limit(limit)
      .offset(offset);
    const [total] = await this.db.select({ n: count() }).from(teams).where(where);
    return { rows, total: total.n };
  }

  async update(teamId: number, patch: { name?: string; description?: string; visibility?: TeamVisibility }): Promise<TeamRow | undefined> {
    const [row] = await this.db
      .update(teams)
      .set({ ...patch, updatedAt: sql`now()` })
      .where(eq(teams.id, teamId))
      .returning();
    return row;
  }

  async remove(teamId: number): Promise<void> {
    await this.db.delete(teams).where(eq(teams.id, teamId));
  }

  /** A page of members: owners, then admins, then members, each by name. */
  /** A page of the team's members, leaving out `hidden` users (those the caller may not see). */
  async members(teamId: number, limit: number, offset: number, hidden: number[] = []) {
    const where = and(eq(teamMembers.teamId, teamId), hidden.length > 0 ? notInArray(teamMembers.userId, hidden) : undefined);
    const rows = await this.db
      .select({ username: users.username, displayName: users.displayName, role: teamMembers.role, joinedAt: teamMembers.joinedAt })
      .from(teamMembers)
      .innerJoin(users, eq(users.id, teamMembers.userId))
      .where(where)
      .orderBy(sql`CASE ${teamMembers.role} WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END`, sql`lower(${users.username})`)
      .limit(limit)
      .offset(offset);
    const [listed] = await this.db.select({ n: count() }).from(teamMembers).where(where);
    return { rows, total: listed.n };
  }

  /** The member of the team by name (any case), or undefined. */
  async member(
    teamId: number,
    username: string,
  ): Promise<{ userId: number; username: string; displayName: string | null; role: TeamRole; joinedAt: Date } | undefined> {
    const [row] = await this.db
      .select({ userId: users.id, username: users.username, displayName: users.displayName, role: teamMembers.role, joinedAt: teamMembers.joinedAt })
      .from(teamMembers)
      .innerJoin(users, eq(users.id, teamMembers.userId))
      .where(and(eq(teamMembers.teamId, teamId), sql`lower(${users.username}) = lower(${username})`))
      .limit(1);
    return row;
  }

  /**
   * Sets a member's role if it still is `expected` (what the caller's permission was decided on),
   * under the team's lock; never leaves the team without an owner.
   */
  async setRole(teamId: number, userId: number, expected: TeamRole, role: TeamRole): Promise<'done' | 'changed' | 'last-owner'> {
    return transaction(this.db, async (tx) => {
      await lockTeam(tx, teamId);
      if ((await roleIn(tx, teamId, userId)) !== expected) return 'changed';
      if (expected === 'owner' && role !== 'owner' && (await ownerCount(tx, teamId)) <= 1) return 'last-owner';
      await tx
        .update(teamMembers)
        .set({ role })
        .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId)));
      return 'done';
    });
  }

  /** Removes a member if their role still is `expected`, under the team's lock; never the last owner. */
  async removeMember(teamId: number, userId: number, expected: TeamRole): Promise<'done' | 'changed' | 'last-owner'> {
    return transaction(this.db, async (tx) => {
      await lockTeam(tx, teamId);
      if ((await roleIn(tx, teamId, userId)) !== expected) return 'changed';
      if (expected === 'owner' && (await ownerCount(tx, teamId)) <= 1) return 'last-owner';
      await tx.delete(teamMembers).where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId)));
      return 'done';
    });
  }

  /**
   * Stores an invite that expires `expiresInHours` from now by the database's clock (tests give a
   * negative number for one that has expired already).
   */
  async createInvite(invite: {
    teamId: number;
    codeHash: string;
    codePrefix: string;
    expiresInHours: number;
    maxUses: number | null;
    createdBy: number | null;
  }) {
    const [row] = await this.db
      .insert(teamInvites)
      .values({
        teamId: invite.teamId,
        codeHash: invite.codeHash,
        codePrefix: invite.codePrefix,
        expiresAt: sql`now() + make_interval(hours => ${invite.expiresInHours}::int)`,
        maxUses: invite.maxUses,
        createdBy: invite.createdBy,
      })
      .returning();
    return row;
  }

  /** A page of a team's invites, newest first, with their state and who created them. */
  async invites(teamId: number, limit: number, offset: number) {
    const rows = await this.db
      .select({
        id: teamInvites.id,
        codePrefix: teamInvites.codePrefix,
        expiresAt: teamInvites.expiresAt,
        maxUses: teamInvites.maxUses,
        uses: teamInvites.uses,
        revokedAt: teamInvites.revokedAt,
        createdAt: teamInvites.createdAt,
        createdBy: users.username,
        state: stateOf,
      })
      .from(teamInvites)
      .leftJoin(users, eq(users.id, teamInvites.createdBy))
      .where(eq(teamInvites.teamId, teamId))
      .orderBy(desc(teamInvites.id))
      .limit(limit)
      .offset(offset);
    const [total] = await this.db.select({ n: count() }).from(teamInvites).where(eq(teamInvites.teamId, teamId));
    return { rows, total: total.n };
  }

  /** Revokes a team's invite that is not revoked yet; false when the team has no such invite. */
  async revokeInvite(teamId: number, inviteId: number): Promise<boolean> {
    const rows = await this.db
      .update(teamInvites)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(teamInvites.id, inviteId), eq(teamInvites.teamId, teamId), isNull(teamInvites.revokedAt)))
      .returning({ id: teamInvites.id });
    return rows.length === 1;
  }

  /** The invite with this code hash, its state and its team. */
  async findInvite(codeHash: string): Promise<{ invite: InviteRow; state: InviteState; team: TeamRow } | undefined> {
    const [row] = await this.db
      .select({ invite: teamInvites, state: stateOf, team: teams })
      .from(teamInvites)
      .innerJoin(teams, eq(teams.id, teamInvites.teamId))
      .where(eq(teamInvites.codeHash, codeHash))
      .limit(1);
    return row;
  }

  /** Joins by invite in a transaction of its own. */
  async join(codeHash: string, userId: number, memberCap: number): Promise<JoinResult> {
    return transaction(this.db, (tx) => joinByInvite(tx, codeHash, userId, memberCap));
  }

  /** Joins by invite inside `tx` (a registration's transaction). */
  joinWithin(tx: Database, codeHash: string, userId: number, memberCap: number): Promise<JoinResult> {
    return joinByInvite(tx, codeHash, userId, memberCap);
  }

  /**
   * Before a user is deleted (inside the deletion's transaction, under the user's lock): each team
   * whose only owner they are gets a new owner, the admin who joined first, else the member who
   * joined first; a team of which they are the only member is deleted.
   */
  async handOver(tx: Database, userId: number): Promise<void> {
    const theirs = sql`(SELECT ${teamMembers.teamId} FROM ${teamMembers} WHERE ${teamMembers.userId} = ${userId})`;
    await tx.execute(sql`SELECT ${teams.id} FROM ${teams} WHERE ${teams.id} IN ${theirs} ORDER BY ${teams.id} FOR UPDATE`);
    const m = sql.identifier('m');
    const o = sql.identifier('o');
    await tx.execute(sql`
      WITH orphaned AS (
        SELECT ${m}.team_id FROM ${teamMembers} ${m}
         WHERE ${m}.user_id = ${userId} AND ${m}.role = 'owner'
           AND NOT EXISTS (SELECT 1 FROM ${teamMembers} ${o} WHERE ${o}.team_id = ${m}.team_id AND ${o}.role = 'owner' AND ${o}.user_id <> ${userId})
      ), successors AS (
        SELECT DISTINCT ON (${m}.team_id) ${m}.team_id, ${m}.user_id FROM ${teamMembers} ${m} JOIN orphaned USING (team_id)
         WHERE ${m}.user_id <> ${userId}
         ORDER BY ${m}.team_id, (${m}.role = 'admin') DESC, ${m}.joined_at, ${m}.user_id
      )
      UPDATE ${teamMembers} SET role = 'owner' FROM successors
       WHERE ${teamMembers.teamId} = successors.team_id AND ${teamMembers.userId} = successors.user_id`);
    await tx.execute(sql`
      DELETE FROM ${teams} WHERE ${teams.id} IN ${theirs}
         AND NOT EXISTS (SELECT 1 FROM ${teamMembers} ${o} WHERE ${o}.team_id = ${teams.id} AND ${o}.user_id <> ${userId})`);
  }
}

/**
 * One acceptance: under the team's lock, a member stays as they are (no use counted); a full team
 * refuses (counted under the same lock); otherwise one conditional UPDATE counts the use (so concurrent acceptances never pass
 * max_uses, whatever the isolation) and the user joins as a member.
 */
async function joinByInvite(tx: Database, codeHash: string, userId: number, memberCap: number): Promise<JoinResult> {
  const [found] = await tx.select({ teamId: teamInvites.teamId, id: teamInvites.id }).from(teamInvites).where(eq(teamInvites.codeHash, codeHash)).limit(1);
  if (!found) return { kind: 'unknown' };
  const team = await lockTeam(tx, found.teamId);
  if (!team) return { kind: 'unknown' };
  if ((await roleIn(tx, team.id, userId)) !== undefined) return { kind: 'member', team };
  const [members] = await tx.select({ n: count() }).from(teamMembers).where(eq(teamMembers.teamId, team.id));
  if (members.n >= memberCap) return { kind: 'full', team };
  const counted = rowsOf<{ id: number }>(
    await tx.execute(sql`
      UPDATE ${teamInvites} SET uses = ${teamInvites.uses} + 1
       WHERE ${teamInvites.id} = ${found.id} AND ${teamInvites.revokedAt} IS NULL AND ${teamInvites.expiresAt} > now()
         AND (${teamInvites.maxUses} IS NULL OR ${teamInvites.uses} < ${teamInvites.maxUses})
      RETURNING ${teamInvites.id}`),
  );
  if (counted.length === 0) {
    const [row] = await tx.select({ state: stateOf }).from(teamInvites).where(eq(teamInvites.id, found.id));
    return { kind: 'gone', state: row.state === 'valid' ? 'used-up' : row.state, team };
  }
  await tx.insert(teamMembers).values({ teamId: team.id, userId, role: 'member' });
  return { kind: 'joined', team };
}
