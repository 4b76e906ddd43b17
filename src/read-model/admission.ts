import { sql, type SQL } from 'drizzle-orm';
import { anyOf } from '../db/sql.js';
import type { Audience } from '../directory/audience.js';
import type { LeaderboardMetric } from './sums.js';

/**
 * Which users a ranking may list: those the viewer sees (and, ranked by cost, whose money the viewer
 * sees), and, for a team's board, only its members. Ranks count admitted users only, so a hidden
 * user leaves no gap and no count behind them (docs/privacy.md).
 */
export class Admission {
  private constructor(
    private readonly excluded: ReadonlySet<number>,
    private readonly only: ReadonlySet<number> | undefined,
    /** Requests with equal keys admit the same users (for sharing one computation). */
    readonly key: string,
  ) {}

  static readonly EVERYONE = new Admission(new Set(), undefined, 'everyone');

  /**
   * @param members a team's members: only they are ranked (their key: the team's id, which the
   *   caller adds to its own key).
   */
  static of(audience: Audience, metric: LeaderboardMetric | undefined, members?: { teamId: number; userIds: Iterable<number> }): Admission {
    const excluded = new Set(metric === 'cost' ? audience.costHiddenIds() : audience.hiddenIds());
    const only = members ? new Set(members.userIds) : undefined;
    if (excluded.size === 0 && !only) return Admission.EVERYONE;
    return new Admission(excluded, only, `${audience.key}${metric === 'cost' ? '|cost' : ''}${members ? `|team:${members.teamId}` : ''}`);
  }

  /** True when nothing is filtered: the ranking is the community's, unchanged. */
  get everyone(): boolean {
    return this.excluded.size === 0 && !this.only;
  }

  admits(userId: number): boolean {
    return !this.excluded.has(userId) && (this.only === undefined || this.only.has(userId));
  }

  /** The same rule as a SQL condition on a user id column. */
  sql(column: SQL): SQL {
    const parts: SQL[] = [];
    if (this.excluded.size > 0) parts.push(sql`NOT (${column} = ${anyOf([...this.excluded], 'int')})`);
    if (this.only !== undefined) parts.push(this.only.size > 0 ? sql`${column} = ${anyOf([...this.only], 'int')}` : sql`FALSE`);
    return parts.length === 0 ? sql`TRUE` : sql.join(parts, sql` AND `);
  }
}
