import type { SQL, Table } from 'drizzle-orm';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/database-connection.js';

/**
 * Raw rows typed from the schema. A raw query's row carries columns under their SQL names
 * (`input_tokens`), so its type is built from the table: rename a column and every reader of the
 * row fails to compile, as the query itself does through `nameOf`.
 */

type Columns<T extends Table> = T['_']['columns'];
type Key<T extends Table> = keyof Columns<T> & string;

/** `cacheReadInputTokens` → `cache_read_input_tokens`: the schema's naming rule. */
type SnakeCase<S extends string> = S extends `${infer C}${infer Rest}` ? `${C extends Lowercase<C> ? C : `_${Lowercase<C>}`}${SnakeCase<Rest>}` : S;

/**
 * A column's SQL name as a type: the literal the schema declares it with. The shared column
 * helpers of src/db/schema (`tokens`, `money`, `wideMoney`) take `name: string` and so widen it;
 * for those columns the key in snake case stands in, which is how the schema names every column.
 */
export type ColumnName<T extends Table, K extends Key<T>> = string extends Columns<T>[K]['_']['name'] ? SnakeCase<K> : Columns<T>[K]['_']['name'];

/** Some of a table's columns under their SQL names, with the types the schema gives them. */
export type RowOf<T extends Table, K extends Key<T>> = { [P in K as ColumnName<T, P>]: T['$inferSelect'][P] };

/** Some of a table's columns under their SQL names, as text (sums, money and dates leave SQL as text). */
export type TextRowOf<T extends Table, K extends Key<T>> = { [P in K as ColumnName<T, P>]: string };

/**
 * `expr AS "userId"`: an output named after a table's key, for rows that stay inside a repository
 * and are read as `Pick<typeof table.$inferSelect, …>`.
 */
export const asKey = <T extends Table>(_table: T, key: keyof T['$inferSelect'] & string, expr: SQL | Columns<T>[Key<T>]): SQL =>
  sql`${expr} AS ${sql.identifier(key)}`;

/** `cache_read_input_tokens` → `cacheReadInputTokens`: the naming rule read backwards. */
type CamelCase<S extends string> = S extends `${infer A}_${infer B}` ? `${A}${Capitalize<CamelCase<B>>}` : S;

/**
 * A raw row under the schema's keys: what repositories hand to services, so that code outside the
 * SQL reads `r.totalTokens` (a key the schema declares) and never a column's SQL name.
 */
export type Keyed<R> = { [P in keyof R as P extends string ? CamelCase<P> : P]: R[P] };

const camelCase = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** A raw result's rows under the schema's keys (`total_cost` → `totalCost`; other names as they are). */
export function keyedRows<R extends object>(result: unknown): Array<Keyed<R>> {
  const rows = rowsOf<Record<string, unknown>>(result);
  if (rows.length === 0) return [];
  const names = Object.keys(rows[0]);
  const keys = names.map(camelCase);
  // A plain loop: a year of a user's model rows is thousands of rows, and fromEntries of mapped
  // pairs allocated two arrays per row (it showed in the read profile).
  const out = new Array<Keyed<R>>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const keyed: Record<string, unknown> = {};
    for (let c = 0; c < names.length; c++) keyed[keys[c]] = row[names[c]];
    out[i] = keyed as Keyed<R>;
  }
  return out;
}
