import { type AnyColumn, type SQL, sql } from 'drizzle-orm';
import { alias, type PgTable } from 'drizzle-orm/pg-core';

/**
 * Raw SQL that names the schema: queries the query builder cannot say interpolate Drizzle's
 * tables and columns (`${usageStats.inputTokens}`, or `${s.inputTokens}` for `alias(usageStats, 's')`),
 * so a renamed column fails at compile time. These are the pieces every such query shares, defined
 * once: the four kinds of tokens, a model's total, sums as text, money as a decimal string.
 */

/** A column's bare name: for derived tables, INSERT lists, `EXCLUDED.` and output names (`AS`). */
export const nameOf = (column: AnyColumn): SQL => sql`${sql.identifier(column.name)}`;

/** Any table (or alias) with the four token kinds of ccusage. */
export interface TokenKinds<C = AnyColumn> {
  inputTokens: C;
  outputTokens: C;
  cacheCreationInputTokens: C;
  cacheReadInputTokens: C;
}

/** The four kinds in ccusage's order: input, output, cache creation, cache read. */
export const tokenKinds = <C>(t: TokenKinds<C>): [C, C, C, C] => [t.inputTokens, t.outputTokens, t.cacheCreationInputTokens, t.cacheReadInputTokens];

/** A model's total tokens: the sum of its four kinds (model rows keep no total of their own). */
export const tokenTotal = (t: TokenKinds<AnyColumn | SQL>): SQL => sql`(${sql.join(tokenKinds(t), sql` + `)})`;

/** Money as a decimal string with exactly four places (costs leave the database as text). */
export const money = (expr: AnyColumn | SQL): SQL => sql`to_char(coalesce(${expr}, 0), 'FM999999999999990.0000')`;

/** An integer aggregate as text: 64-bit sums reach JavaScript unrounded. */
export const intText = (expr: AnyColumn | SQL): SQL => sql`coalesce(${expr}, 0)::text`;

/** `expr AS "name"`, the output named after a schema column. */
export const as = (expr: AnyColumn | SQL, column: AnyColumn): SQL => sql`${expr} AS ${nameOf(column)}`;

/** Columns as a comma-separated list of bare names (an INSERT's column list, a derived table's columns). */
export const names = (...columns: AnyColumn[]): SQL => sql.join(columns.map(nameOf), sql`, `);

/** Columns as a comma-separated select list (qualified as the table or alias they come from). */
export const list = (...columns: Array<AnyColumn | SQL>): SQL => sql.join(columns, sql`, `);

/**
 * A table under a short name: the alias's columns render as `"s"."input_tokens"`, and `from`
 * renders `"usage_stats" "s"` for the FROM clause (an alias alone renders only its name).
 */
export function aliased<T extends PgTable, A extends string>(table: T, name: A) {
  return { t: alias(table, name), from: sql`${table} ${sql.identifier(name)}` };
}
