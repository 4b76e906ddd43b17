import { addCosts } from '../common/decimal.js';
import type { usageStats } from '../db/schema.js';
import type { Keyed, TextRowOf } from './rows.js';

/**
 * Token sums come out of SQL as text (`::text`, so no driver rounds a 64-bit integer) under the
 * database's column names; these turn them into the API's ccusage-style numbers once.
 */
export const toInt = (v: unknown): number => Number(v ?? 0);

/** The four token kinds of a raw row, under usage_stats' SQL names, as text. */
export type TokenColumns = TextRowOf<typeof usageStats, 'inputTokens' | 'outputTokens' | 'cacheCreationInputTokens' | 'cacheReadInputTokens'>;

export interface Totals {
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  totalTokens: number;
  totalCost: string;
}

/** The four kinds, and their sum as a model's total (breakdowns have no total of their own). */
export function tokensOf(r: Keyed<TokenColumns>) {
  const tokens = {
    inputTokens: toInt(r.inputTokens),
    outputTokens: toInt(r.outputTokens),
    cacheCreationTokens: toInt(r.cacheCreationInputTokens),
    cacheReadTokens: toInt(r.cacheReadInputTokens),
  };
  return { ...tokens, totalTokens: tokens.inputTokens + tokens.outputTokens + tokens.cacheCreationTokens + tokens.cacheReadTokens };
}

/** A row of sums with its own total (days include tokens no model claims) and cost. */
export function sumsToTotals(r: Keyed<TokenColumns & TextRowOf<typeof usageStats, 'totalTokens' | 'totalCost'>>): Totals {
  return { ...tokensOf(r), totalTokens: toInt(r.totalTokens), totalCost: r.totalCost };
}

/** Exact totals of several: integer token sums, decimal cost sums. */
export function addTotals(list: Totals[]): Totals {
  const sum = (k: Exclude<keyof Totals, 'totalCost'>) => list.reduce((s, r) => s + r[k], 0);
  return {
    inputTokens: sum('inputTokens'),
    outputTokens: sum('outputTokens'),
    cacheCreationTokens: sum('cacheCreationTokens'),
    cacheReadTokens: sum('cacheReadTokens'),
    totalTokens: sum('totalTokens'),
    totalCost: addCosts(list.map((r) => r.totalCost)),
  };
}

export const EMPTY_TOTALS: Totals = addTotals([]);
