import { sql, type SQL } from 'drizzle-orm';

/**
 * A list bound as ONE parameter (a JSON array) and read as a set, `(SELECT value::date FROM …)`:
 * for lists as long as a report (up to 3,660 days), where one parameter per value would not do.
 * The planner cannot see the values; where it should, use sqlList.
 */
export function jsonSet(values: Array<string | number>, type: 'date' | 'int'): SQL {
  return sql`(SELECT value::${sql.raw(type)} FROM jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;
}

/**
 * `= ${anyOf(values, 'date')}`: a list as ONE parameter, an array literal (`{a,b,c}`) cast to an
 * array type, so the planner sees a constant array: the comparison is an index condition, and a
 * long list is hashed rather than compared value by value. (It was a JSON parameter expanded by a
 * sub-select: an index condition too, but an InitPlan the planner could not hash; filtering 40,000
 * rows against 1,500 hidden users took 3.9x the unfiltered statement, docs/benchmarks.md.)
 * `IN ${jsonSet(...)}` is a semi-join the planner sizes at 100 rows; on tables that grew inside
 * the transaction (a chunked upload) it chose a sequential scan, once per chunk.
 */
export function anyOf(values: Array<string | number>, type: 'date' | 'int'): SQL {
  for (const v of values) {
    // Only values that cannot break out of the literal: integers and calendar days.
    if (type === 'int' ? !Number.isSafeInteger(v) : !/^\d{4}-\d{2}-\d{2}$/.test(String(v))) throw new Error(`anyOf: not a ${type}: ${String(v)}`);
  }
  return sql`ANY (${`{${values.join(',')}}`}::${sql.raw(type)}[])`;
}

/**
 * A short list as one parameter per value, `($1, $2, …)`: the planner sees the values and can use
 * an index on the column they are compared with.
 */
export function sqlList(values: Array<string | number>, cast = ''): SQL {
  return sql`(${sql.join(
    values.map((v) => sql`${v}${sql.raw(cast)}`),
    sql`, `,
  )})`;
}

/** The SQLSTATE of a PostgreSQL error, as node-postgres and PGlite report it (Drizzle wraps it in `cause`). */
export function pgErrorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.cause?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

export const PG_UNIQUE_VIOLATION = '23505';
export const PG_NUMERIC_OVERFLOW = '22003';
