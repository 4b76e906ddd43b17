import type { ChartSpec, SeriesSpec } from '../charts/chart';
import { fillSeries, formatCompact, formatCost } from '../format';

/** A bucket of tokens by kind and its cost (a user's, a model's or a project's); null cost: withheld from this viewer. */
export interface KindsRow {
  date: string;
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  totalCost: string | null;
}

type Values = SeriesSpec['values'];

/** The four token kinds as stacked bars, in the order and with the labels every tokens-by-kind chart uses. */
export function kindBars(input: Values, output: Values, cacheCreation: Values, cacheRead: Values): SeriesSpec[] {
  return [
    { label: 'Input', values: input, kind: 'bar' },
    { label: 'Output', values: output, kind: 'bar' },
    { label: 'Cache creation', values: cacheCreation, kind: 'bar' },
    { label: 'Cache read', values: cacheRead, kind: 'bar' },
  ];
}

/**
 * Tokens by kind (stacked) and cost on a second axis. A cost the API withheld (null: the user does
 * not show it to this viewer) is left off the chart rather than drawn as zero.
 */
export function tokenKindsChart(id: string, title: string, rows: readonly KindsRow[], buckets: string[], csv?: string): ChartSpec {
  const withCost = rows.every((r) => r.totalCost !== null);
  const [input, output, cacheCreation, cacheRead, cost] = fillSeries(rows, buckets, [
    (r) => r.inputTokens,
    (r) => r.outputTokens,
    (r) => r.cacheCreationTokens,
    (r) => r.cacheReadTokens,
    (r) => Number(r.totalCost ?? 0),
  ]);
  return {
    id,
    title: withCost ? title : title.replace(/, and cost$/, ''),
    buckets,
    stacked: true,
    csv,
    series: [
      ...kindBars(input, output, cacheCreation, cacheRead),
      ...(withCost ? [{ label: 'Cost', values: cost, kind: 'line' as const, axis: 'right' as const, format: formatCost }] : []),
    ],
    rightFormat: (v) => `$${formatCompact(v)}`,
  };
}
