/**
 * A fingerprint of everything stored: for every table of the public schema, its row count and an
 * md5 of all its rows, sorted. One statement that reads the catalog itself, so a table or column
 * added by a later migration is included without touching this file, and cheap enough to run after
 * every fuzz case (query_to_xml runs the per-table query that the outer query builds).
 *
 * Columns that a refused request may legitimately write are left out; each has its reason. Jobs
 * that rewrite stored data without a request (backups' bookkeeping, the fold of shared-day deltas,
 * which moves rows from day_stats_delta into day_stats) are switched off where fingerprints are compared.
 */
export const VOLATILE_COLUMNS: ReadonlyArray<readonly [table: string, column: string, why: string]> = [
  ['api_tokens', 'last_used_at', 'any authenticated request touches it, refused or not; it is bookkeeping, not stored data'],
];

const excluded = VOLATILE_COLUMNS.map(([t, c]) => `('${t}', '${c}')`).join(', ');

export const FINGERPRINT_SQL = `
SELECT t.relname AS name,
       query_to_xml(format(
         'SELECT count(*) AS n, coalesce(md5(string_agg(r, E''\\n'' ORDER BY r)), '''') AS h FROM (SELECT (ROW(%s))::text AS r FROM public.%I) s',
         t.cols, t.relname), false, true, '')::text AS fp
FROM (
  SELECT c.relname, string_agg(quote_ident(a.attname), ',' ORDER BY a.attnum) AS cols
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
    AND (c.relname::text, a.attname::text) NOT IN (${excluded || "('', '')"})
  GROUP BY c.relname
) t
ORDER BY 1`;

/** Table name → "rows:md5". */
export type Fingerprint = Record<string, string>;

export function parseFingerprint(rows: Array<{ name: string; fp: string }>): Fingerprint {
  const out: Fingerprint = {};
  for (const { name, fp } of rows) {
    const n = /<n>(\d+)<\/n>/.exec(fp)?.[1];
    const h = /<h>([0-9a-f]*)<\/h>/.exec(fp)?.[1];
    if (n === undefined || h === undefined) throw new Error(`fingerprint of ${name} unreadable: ${fp}`);
    out[name] = `${n}:${h}`;
  }
  return out;
}

/** The tables whose fingerprint differs, with both values. */
export function fingerprintDiff(before: Fingerprint, after: Fingerprint): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names]
    .sort()
    .filter((n) => before[n] !== after[n])
    .map((n) => `${n}: ${before[n] ?? 'absent'} -> ${after[n] ?? 'absent'}`);
}
