/**
 * Query shapes and their timings, kept in process: pg_stat_statements is an extension the server
 * may not have, and PGlite has none. Bounded, so a stream of distinct statements cannot grow it.
 */

export interface QueryShapeStats {
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  maxMs: number;
}

/** Collapses a statement to its shape: literals and parameters become `?`, value lists shrink. */
export function normalizeSql(text: string): string {
  return text
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/\$\d+/g, '?')
    .replace(/\b\d+(?:\.\d+)?\b/g, '?')
    .replace(/\s+/g, ' ')
    .replace(/\(\s*\?(?:\s*,\s*\?)*\s*\)/g, '(?)')
    .replace(/(\((?:\?|default)(?:, (?:\?|default))*\))(?:, \1)+/gi, '$1, ...')
    .trim()
    .slice(0, 500);
}

export class QueryStats {
  private readonly shapes = new Map<string, { calls: number; totalMs: number; maxMs: number }>();

  constructor(private readonly capacity = 500) {}

  record(sql: string, ms: number): void {
    const key = normalizeSql(sql);
    const entry = this.shapes.get(key);
    if (entry) {
      entry.calls += 1;
      entry.totalMs += ms;
      entry.maxMs = Math.max(entry.maxMs, ms);
      return;
    }
    if (this.shapes.size >= this.capacity) this.evictCheapest();
    this.shapes.set(key, { calls: 1, totalMs: ms, maxMs: ms });
  }

  /** The `n` shapes with the highest mean time. */
  slowest(n: number): QueryShapeStats[] {
    return [...this.shapes.entries()]
      .map(([query, s]) => ({ query, calls: s.calls, totalMs: round(s.totalMs), meanMs: round(s.totalMs / s.calls), maxMs: round(s.maxMs) }))
      .sort((a, b) => b.meanMs - a.meanMs || b.totalMs - a.totalMs)
      .slice(0, n);
  }

  private evictCheapest(): void {
    let cheapest: string | undefined;
    let least = Infinity;
    for (const [key, s] of this.shapes) {
      if (s.totalMs < least) {
        least = s.totalMs;
        cheapest = key;
      }
    }
    if (cheapest !== undefined) this.shapes.delete(cheapest);
  }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
