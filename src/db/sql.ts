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
 * `= ${anyOf(values, 'date')}`: a list as one JSON parameter that the planner reads as an array (an
 * InitPlan), so the comparison is an index condition. `IN ${jsonSet(...)}` is a semi-join the
 * planner sizes at 100 rows; on tables that grew inside the transaction (a chunked upload) it chose
 * a sequential scan, once per chunk: quadratic in the size of the upload.
 */
export function anyOf(values: Array<string | number>, type: 'date' | 'int'): SQL {
  return sql`ANY (ARRAY(SELECT value::${sql.raw(type)} FROM jsonb_array_elements_text(${JSON.stringify(values)}::jsonb)))`;
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
