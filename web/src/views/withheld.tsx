import type { ComponentChildren } from 'preact';
import { WITHHELD } from '../charts/chart';

/**
 * Numbers of the community's aggregates that the server withheld from this viewer: exactly one of
 * the people behind them is hidden from the viewer, who could otherwise subtract everyone else's
 * (docs/privacy.md, "Community totals"). They read as "withheld", never as zero or "NaN".
 */
export const WITHHELD_TITLE = 'Withheld: exactly one of the people behind this number is hidden from you, so it would give their numbers away';

export function Withheld() {
  return (
    <span class="withheld" title={WITHHELD_TITLE} data-withheld="">
      {WITHHELD}
    </span>
  );
}

/** A number as `format` prints it, or the mark of one withheld. */
export function shown<T>(value: T | null | undefined, format: (value: T) => string): ComponentChildren {
  return value === null || value === undefined ? <Withheld /> : format(value);
}

/**
 * Rows keyed by `date` laid on every bucket of a range, one value array per field: zero where a
 * bucket has no row (no one used anything), null where the row's value is withheld (a gap).
 */
export function fillWithheld<T extends { date: string }>(
  rows: readonly T[],
  buckets: readonly string[],
  fields: ReadonlyArray<(row: T) => number | null>,
): Array<Array<number | null>> {
  const byDate = new Map(rows.map((r) => [r.date, r]));
  return fields.map((field) =>
    buckets.map((b) => {
      const row = byDate.get(b);
      return row ? field(row) : 0;
    }),
  );
}

/** A decimal string as a number for a chart, null kept (withheld). */
export const amount = (value: string | null): number | null => (value === null ? null : Number(value));
