import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Real ccusage outputs (copied from test/fixtures/ccusage) and an independent reading of them:
 * what each day and each model should add up to, computed here from the JSON alone, never from
 * the service's own code.
 */
export const FIXTURES = fileURLToPath(new URL('../fixtures/ccusage/', import.meta.url));

export function fixture(name: string): unknown {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
}

export function fixtureText(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

export function allFixtures(dir = FIXTURES): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return allFixtures(path);
    return entry.endsWith('.json') ? [relative(FIXTURES, path)] : [];
  });
}

const KINDS = ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens'] as const;

export interface ExpectedModel {
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  cost: number;
}

export interface ExpectedDay extends ExpectedModel {
  totalTokens: number;
  models: Map<string, ExpectedModel>;
}

type Row = Record<string, unknown> & {
  date?: string;
  period?: string;
  totalTokens: number;
  totalCost?: number;
  modelBreakdowns?: Array<Record<string, unknown> & { modelName: string; cost?: number }>;
  agents?: Array<{ modelBreakdowns?: Array<Record<string, unknown> & { modelName: string; cost?: number }> }>;
};

function addModel(models: Map<string, ExpectedModel>, b: Record<string, unknown> & { modelName: string; cost?: number }): void {
  const m = models.get(b.modelName) ?? { inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, cost: 0 };
  for (const k of KINDS) m[k] += b[k] as number;
  m.cost += b.cost ?? 0;
  models.set(b.modelName, m);
}

/** Day → expected sums, for any daily report shape ccusage prints. */
export function expectedDays(report: unknown): Map<string, ExpectedDay> {
  const days = new Map<string, ExpectedDay>();
  if (Array.isArray(report)) return days;
  const r = report as { daily?: Row[]; projects?: Record<string, Row[]> };
  const rows: Row[] = r.daily ?? Object.values(r.projects ?? {}).flat();
  for (const row of rows) {
    const date = (row.date ?? row.period)!;
    const day = days.get(date) ?? { inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, totalTokens: 0, cost: 0, models: new Map() };
    for (const k of KINDS) day[k] += row[k] as number;
    day.totalTokens += row.totalTokens;
    day.cost += row.totalCost ?? 0;
    const breakdowns = row.modelBreakdowns ?? row.agents?.flatMap((a) => a.modelBreakdowns ?? []) ?? [];
    for (const b of breakdowns) addModel(day.models, b);
    days.set(date, day);
  }
  return days;
}
