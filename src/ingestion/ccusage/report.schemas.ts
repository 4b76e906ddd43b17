import { z } from 'zod';
import { printableName } from '../../common/text.js';

/**
 * The shapes of ccusage's daily JSON reports, v15 to v20 (shared/ccusage/FORMAT.md). Unknown keys
 * are allowed everywhere: ccusage adds fields between versions, and they must not break uploads.
 * Cross-field rules (totals versus parts, breakdowns versus the day) live in report-parser.ts.
 */

export const MAX_DAYS = 3660;
export const MAX_MODELS_PER_DAY = 100;
export const MAX_MODEL_NAME = 100;
export const MAX_COST = 999_999.9999;
/** `--instances`: projects in one report. */
export const MAX_PROJECTS = 1_000;
/** Rows in one report, over all projects (a project's day is a row). */
export const MAX_ROWS = 20_000;
/** Model breakdowns in one report, over all rows and agents, before days are merged. */
export const MAX_BREAKDOWNS = 100_000;
/** Different model names in one report: real ones have a few dozen. */
export const MAX_DISTINCT_MODELS = 500;
/** Agents of one `--by-agent` row. */
export const MAX_AGENTS = 50;
/** Fields the server reads but does not keep (project names, modelsUsed entries). */
const MAX_TEXT = 1_000;

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

const dayTotals = {
  inputTokens: tokenCount,
  outputTokens: tokenCount,
  cacheCreationTokens: tokenCount,
  cacheReadTokens: tokenCount,
  totalTokens: tokenCount,
  totalCost: costValue.optional(),
  modelsUsed: z.array(z.string().max(MAX_TEXT)).max(MAX_MODELS_PER_DAY * 10).optional(),
  modelBreakdowns: breakdowns.optional(),
};

/** `ccusage claude daily --json` (v20) and `ccusage daily --json` (v15–v18). */
export const classicRowSchema = z.looseObject({
  date: z.string({ error: 'must be a YYYY-MM-DD string' }).max(10, 'must be a YYYY-MM-DD string'),
  ...dayTotals,
  project: z.string().max(MAX_TEXT).optional(),
});

const agentName = printableName(MAX_MODEL_NAME);

export const agentEntrySchema = z.looseObject({ agent: agentName, ...dayTotals });

/** `ccusage daily --json` (v19, v20): rows keyed by `period`, optionally with `--by-agent` rows. */
export const agentRowSchema = z.looseObject({
  period: z.string({ error: 'must be a YYYY-MM-DD string' }).max(10, 'must be a YYYY-MM-DD string'),
  agent: agentName.optional(),
  metadata: z.looseObject({ agents: z.array(z.string().max(MAX_TEXT)).max(MAX_AGENTS).optional() }).optional(),
  ...dayTotals,
  agents: z.array(agentEntrySchema).max(MAX_AGENTS, `at most ${MAX_AGENTS} agents a day`).optional(),
});

const totalsSchema = z.looseObject({}).optional();

export const classicReportSchema = z.looseObject({
  daily: z.array(classicRowSchema).max(MAX_DAYS, `at most ${MAX_DAYS} days in one upload`),
  totals: totalsSchema,
});

export const agentReportSchema = z.looseObject({
  daily: z.array(agentRowSchema).max(MAX_DAYS, `at most ${MAX_DAYS} days in one upload`),
  totals: totalsSchema,
});

export const instancesReportSchema = z.looseObject({
  projects: z.record(z.string(), z.array(classicRowSchema).max(MAX_DAYS, `at most ${MAX_DAYS} days in one upload`)),
  totals: totalsSchema,
});

export type ClassicRow = z.infer<typeof classicRowSchema>;
export type AgentRow = z.infer<typeof agentRowSchema>;
export type ModelBreakdown = z.infer<typeof modelBreakdownSchema>;

/** What the upload endpoint documents as its body: any of ccusage's daily reports, as printed. */
export const CcusageReportSchema = z
  .union([
    z.looseObject({ daily: z.array(z.union([classicRowSchema, agentRowSchema])), totals: totalsSchema }),
    instancesReportSchema,
    z.array(z.never()).max(0),
  ])
  .meta({
    id: 'CcusageDailyReport',
    description:
      'The JSON that ccusage prints, unmodified: `ccusage claude daily --json` (v20), `ccusage daily --json` ' +
      '(v15–v20, classic or all-agent, with or without --by-agent), `--instances` output, or an empty report.',
  });
