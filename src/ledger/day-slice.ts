import { addTotals, type Totals } from '../read-model/token-sums.js';

/**
 * What every source of usage reports, whatever its format: per day, the four kinds of tokens and
 * the cost, with the day's models. Sources (src/ingestion) normalise to this; the ledger stores it
 * and never knows where a slice came from.
 */
export interface ModelSlice {
  model: string;
  provider: string;
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  /** USD, 4 decimal places. */
  cost: string;
}

export interface DaySlice {
  date: string;
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  totalTokens: number;
  cost: string;
  /** Sorted by model name, so equal days hash equally. */
  models: ModelSlice[];
  /**
   * The day per project, when the source reports projects (`ccusage daily --instances`), sorted
   * by project; absent otherwise. Part of the slice (and its hash): the same day re-uploaded with
   * or without projects is a changed day, and its project rows are replaced (docs/projects.md).
   */
  projects?: ProjectSlice[];
}

/** One project's part of a day, per model (the day's numbers stay the day's own, summed before rounding). */
export interface ProjectSlice {
  /** The project's key as the source names it (a path on the owner's machine: never logged). */
  project: string;
  /** Sorted by model name; model '' holds what the project reported without a model breakdown. */
  models: ProjectModelSlice[];
}

export interface ProjectModelSlice {
  model: string;
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  /** USD, 4 decimal places, rounded per project, day and model. */
  cost: string;
}

/** A report as the ledger takes it: its days, its format's name (recorded with the upload) and its warnings. */
export interface UsageReport {
  format: string;
  days: DaySlice[];
  warnings: string[];
}

/** Sums of a report's days, as the upload answer and the uploads table give them. */
export function reportTotals(days: DaySlice[]): Totals {
  return addTotals(days.map((d) => ({ ...d, totalCost: d.cost })));
}
