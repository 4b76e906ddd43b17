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
  ) {}

  static readonly EVERYONE = new Admission(new Set(), undefined);

  /** @param members a team's members (user ids): only they are ranked. */
  static of(audience: Audience, metric: LeaderboardMetric | undefined, members?: Iterable<number>): Admission {
    const excluded = new Set(metric === 'cost' ? audience.costHiddenIds() : audience.hiddenIds());
    const only = members ? new Set(members) : undefined;
    if (excluded.size === 0 && !only) return Admission.EVERYONE;
    return new Admission(excluded, only);
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
