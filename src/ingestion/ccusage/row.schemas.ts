import { z } from 'zod';
import { printableName } from '../../common/text.js';

/**
 * What the rows of ccusage's daily reports share, v15 to v20 (docs/spec/ccusage-format.md), and the
 * bounds on a report. Each format's own row and document shapes are in its adapter (adapters/).
 * Unknown keys are allowed everywhere: ccusage adds fields between versions, and they must not
 * break uploads. Cross-field rules (totals versus parts, breakdowns versus the day) live in
 * report-parser.ts.
 */

export const MAX_DAYS = 3660;
export const MAX_MODELS_PER_DAY = 100;
export const MAX_MODEL_NAME = 100;
export const MAX_COST = 999_999.9999;
/** `--instances`: projects in one report. */
export const MAX_PROJECTS = 1_000;
/** `--instances`: the longest project key kept (the projects table's bound). */
export { MAX_PROJECT_NAME } from '../../db/schema/projects.js';
/** Rows in one report, over all projects (a project's day is a row). */
export const MAX_ROWS = 20_000;
/** Model breakdowns in one report, over all rows and agents, before days are merged. */
export const MAX_BREAKDOWNS = 100_000;
/** Different model names in one report: real ones have a few dozen. */
export const MAX_DISTINCT_MODELS = 500;
/** Agents of one `--by-agent` row. */
export const MAX_AGENTS = 50;
/** Fields the server reads but does not keep (project names, modelsUsed entries). */
export const MAX_TEXT = 1_000;

export const tokenCount = z
  .number({ error: 'must be a number' })
  .int('must be an integer')
  .min(0, 'must not be negative')
  .max(Number.MAX_SAFE_INTEGER, 'must be at most 2^53-1 (9007199254740991)');

/** A cost in USD as ccusage prints it: a float, sometimes `-0.0`, which counts as 0. */
export const costValue = z
  .number({ error: 'must be a number' })
  .refine((v) => Number.isFinite(v), 'must be finite')
  .refine((v) => v >= 0, 'must not be negative')
  .refine((v) => v <= MAX_COST, `must be at most ${MAX_COST}`);

export const modelBreakdownSchema = z
  .looseObject({
    modelName: printableName(MAX_MODEL_NAME),
    inputTokens: tokenCount,
    outputTokens: tokenCount,
    cacheCreationTokens: tokenCount,
    cacheReadTokens: tokenCount,
    cost: costValue.optional(),
    missingPricing: z.boolean().optional(),
  })
  .meta({ id: 'CcusageModelBreakdown' });

const breakdowns = z.array(modelBreakdownSchema).max(MAX_MODELS_PER_DAY, `at most ${MAX_MODELS_PER_DAY} models a day`);

/** The numbers of a day (or of one agent's day), the same in every daily format. */
export const dayTotals = {
  inputTokens: tokenCount,
  outputTokens: tokenCount,
  cacheCreationTokens: tokenCount,
  cacheReadTokens: tokenCount,
  totalTokens: tokenCount,
  totalCost: costValue.optional(),
  modelsUsed: z
    .array(z.string().max(MAX_TEXT))
    .max(MAX_MODELS_PER_DAY * 10)
    .optional(),
  modelBreakdowns: breakdowns.optional(),
};

/** A calendar day as the row's day key holds it (`date` or `period`); checked as a day in the parser. */
export const dayKeyValue = z.string({ error: 'must be a YYYY-MM-DD string' }).max(10, 'must be a YYYY-MM-DD string');

/** The report's `totals`: read by nobody (the server sums the days), allowed as printed. */
export const totalsSchema = z.looseObject({}).optional();

export type ModelBreakdown = z.infer<typeof modelBreakdownSchema>;
