import { Injectable } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import type { Principal } from '../auth/principal.js';
import type { Database } from '../db/database-connection.js';
import { InjectDb } from '../db/database.module.js';
import { teamMembers, users } from '../db/schema.js';

export const VISIBILITIES = ['public', 'teams', 'private'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/**
 * Who a viewer may see (docs/privacy.md). A user is **hidden** from a viewer unless the user is
 * public, is the viewer, shares a team with the viewer and chose `teams`, or the viewer is the
 * admin. A user's **money** is hidden from a viewer when the user is hidden, or chose not to show
 * cost, unless the viewer is the user or the admin. Both sets leave the viewer out: no one is hidden
 * from themself.
 *
 * An audience is read from the database for each request (one statement, through the partial index
 * of users who are not public or hide their cost), never kept: a change of privacy or of a team's
 * members, on any replica, holds for the next request everywhere.
 */
export class Audience {
  private constructor(
    private readonly hidden: ReadonlySet<number>,
    private readonly costHidden: ReadonlySet<number>,
  ) {}

  /** The admin's audience: everyone, with money. */
  static readonly EVERYONE = new Audience(new Set(), new Set());

  static of(principal: Principal, hidden: Iterable<number>, costHidden: Iterable<number>): Audience {
    if (principal.kind === 'admin') return Audience.EVERYONE;
    const hiddenSet = new Set(hidden);
    const costSet = new Set(costHidden);
    for (const id of hiddenSet) costSet.add(id);
    return new Audience(hiddenSet, costSet);
  }

  /** Whether the viewer sees this user at all (profile, boards, names). */
  sees(userId: number): boolean {
    return !this.hidden.has(userId);
  }

  /** Whether the viewer sees this user's money. */
  seesCost(userId: number): boolean {
    return !this.costHidden.has(userId);
  }

  /** Whether anyone's money (so also anyone) is hidden from this viewer: reads skip their filters when not. */
  get hidesAnyCost(): boolean {
    return this.costHidden.size > 0;
  }

  /** The users the viewer may not see, for SQL (`user_id <> ALL (...)`). */
  hiddenIds(): number[] {
    return [...this.hidden];
  }

  costHiddenIds(): number[] {
    return [...this.costHidden];
  }
}

/** The key of what a caller sees, known before the audience is read: 'admin', 'anonymous' or `user:<id>`. */
export function viewerKey(principal: Principal): string {
  return principal.kind === 'user' ? `user:${principal.userId}` : principal.kind;
}

@Injectable()
export class Audiences {
  constructor(@InjectDb() private readonly db: Database) {}

  /**
   * The audience of a caller, read now. One statement over the users who are not public or hide
   * their cost (the partial index `users_private_idx`): for each, whether the viewer may see them at
   * all (a `teams` user shares a team with the viewer), and whether their cost is hidden.
   */
  async of(principal: Principal): Promise<Audience> {
    if (principal.kind === 'admin') return Audience.EVERYONE;
    const viewer = principal.kind === 'user' ? principal.userId : 0;
    const result = await this.db.execute<{ id: number; hidden: boolean; show_cost: boolean }>(sql`
      SELECT u.id, u.show_cost,
             (u.visibility <> 'public' AND NOT (u.visibility = 'teams' AND EXISTS (
               SELECT 1 FROM ${teamMembers} mine JOIN ${teamMembers} theirs ON theirs.team_id = mine.team_id
               WHERE mine.user_id = ${viewer} AND theirs.user_id = u.id))) AS hidden
      FROM ${users} u
      WHERE (u.visibility <> 'public' OR NOT u.show_cost) AND u.id <> ${viewer}`);
    const hidden: number[] = [];
    const costHidden: number[] = [];
    for (const row of result.rows) {
      const id = Number(row.id);
      if (row.hidden) hidden.push(id);
      if (row.hidden || !row.show_cost) costHidden.push(id);
    }
    return Audience.of(principal, hidden, costHidden);
  }
}
