import { type AnyColumn, sql, type SQL } from 'drizzle-orm';
import { anyOf } from '../db/sql.js';
import type { Audience } from '../directory/audience.js';
import type { Keyed } from './rows.js';

/**
 * The rule that keeps community aggregates from revealing one hidden user's numbers
 * (docs/privacy.md, "Community totals"). Every aggregate counts every user; a *cell* (the summary,
 * a bucket of a series, a row of /models) is judged by its contributors the caller may not see:
 * exactly one of them, and the caller could subtract what they can see and learn that user's
 * numbers, so the cell's numbers are withheld; none, or two and more, and they are shown.
 */

/** The users a caller may not see (`hidden`) and whose money they may not see (`costHidden`, a superset). */
export interface HiddenSets {
  hidden: number[];
  costHidden: number[];
}

/**
 * What the queries that count a cell's hidden contributors need, or undefined when no one's money
 * is hidden from the caller (the admin, most servers): then nothing can be withheld and no query runs.
 */
export function hiddenSetsOf(audience: Audience): HiddenSets | undefined {
  return audience.hidesAnyCost ? { hidden: audience.hiddenIds(), costHidden: audience.costHiddenIds() } : undefined;
}

/** A cell's contributors that the caller may not see, and those whose money the caller may not see. */
export interface HiddenPart {
  hidden: number;
  costHidden: number;
}

/** How a cell is shown: `withheld`, its token numbers and money are null; `costWithheld`, its money is. */
export interface Withholding {
  withheld: boolean;
  costWithheld: boolean;
}

export const SHOWN: Withholding = { withheld: false, costWithheld: false };

/** The rule: a part of exactly one person is withheld; zero, or two and more, is shown. Money withheld with the tokens. */
export function withholdingOf(part: HiddenPart | undefined): Withholding {
  if (!part) return SHOWN;
  const withheld = part.hidden === 1;
  return { withheld, costWithheld: withheld || part.costHidden === 1 };
}

/**
 * A sum of cells in the same answer (a series' totals): withheld when any of its cells is, since it
 * minus the cells shown beside it would be the withheld ones.
 */
export function withholdingOfSum(cells: Iterable<Withholding>): Withholding {
  let withheld = false;
  let costWithheld = false;
  for (const c of cells) {
    withheld ||= c.withheld;
    costWithheld ||= c.costWithheld;
  }
  return { withheld, costWithheld };
}

/** A value as the caller may see it: null when withheld. */
export const unless = <T>(withheld: boolean, value: T): T | null => (withheld ? null : value);

/** The token numbers every aggregate answers with. */
interface TokenNumbers {
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  totalTokens: number;
}

/** Token numbers as the caller may see them: all null when withheld. */
export function shownTokens(t: TokenNumbers, withheld: boolean): { [K in keyof TokenNumbers]: number | null } {
  return {
    inputTokens: unless(withheld, t.inputTokens),
    outputTokens: unless(withheld, t.outputTokens),
    cacheCreationTokens: unless(withheld, t.cacheCreationTokens),
    cacheReadTokens: unless(withheld, t.cacheReadTokens),
    totalTokens: unless(withheld, t.totalTokens),
  };
}

/** Totals (tokens and totalCost) as the caller may see them, with the cell's flags. */
export function shownTotals(t: TokenNumbers & { totalCost: string }, w: Withholding) {
  return { ...shownTokens(t, w.withheld), totalCost: unless(w.costWithheld, t.totalCost), ...w };
}

/**
 * `count(DISTINCT user) FILTER (...)` twice, as `hidden_users` and `cost_hidden_users`: the
 * contributors of a group among the hidden users (with tokens) and among those whose money is
 * hidden (with a cost). A user whose sums in the summary row are zero contributed nothing there,
 * so they do not count: with them, one hidden user with a cost and one without would make a part
 * of two, and the first one's money would show.
 */
export function hiddenCounts(userId: AnyColumn | SQL, tokens: AnyColumn | SQL, cost: AnyColumn | SQL, sets: HiddenSets): SQL {
  return sql`count(DISTINCT ${userId}) FILTER (WHERE ${userId} = ${anyOf(sets.hidden, 'int')} AND ${tokens} > 0)::text AS hidden_users,
             count(DISTINCT ${userId}) FILTER (WHERE ${userId} = ${anyOf(sets.costHidden, 'int')} AND ${cost} > 0)::text AS cost_hidden_users`;
}

/** The two counts of `hiddenCounts`, as they come out of SQL. */
export interface HiddenCountsRow {
  hidden_users: string;
  cost_hidden_users: string;
}

/** A row's counts (read through keyedRows) as a part; no row, no contributors. */
export const partOf = (row: Partial<Keyed<HiddenCountsRow>> | undefined): HiddenPart => ({
  hidden: Number(row?.hiddenUsers ?? 0),
  costHidden: Number(row?.costHiddenUsers ?? 0),
});
