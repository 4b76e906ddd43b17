import type { z } from 'zod';
import { DomainError, ErrorCode, type FieldError, formatPath } from '../../common/errors.js';
import { validationError } from '../../common/validation.pipe.js';
import { isCalendarDay, utcDay } from '../../common/dates.js';
import { providerOf } from '../../models/providers.js';
import { addTotals, type Totals } from '../token-sums.js';
import { roundCost } from './decimal.js';
import {
  agentReportSchema,
  classicReportSchema,
  instancesReportSchema,
  MAX_DAYS,
  MAX_MODELS_PER_DAY,
  type AgentRow,
  type ClassicRow,
  type ModelBreakdown,
} from './report.schemas.js';

export type ReportFormat = 'claude-daily' | 'all-agent-daily' | 'instances' | 'empty';

const TOKEN_KINDS = ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens'] as const;
type TokenKind = (typeof TOKEN_KINDS)[number];

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
}

export interface ParsedReport {
  format: ReportFormat;
  days: DaySlice[];
  warnings: string[];
}

const UPLOAD_COMMAND = 'npx ccusage@latest claude daily --json --offline --timezone UTC';

function refuse(kind: string): never {
  throw new DomainError(
    ErrorCode.UnprocessableReport,
    `This is a ccusage ${kind} report; the server stores daily reports. Run \`${UPLOAD_COMMAND}\` and upload its output.`,
    undefined,
    { reportKind: kind, command: UPLOAD_COMMAND },
  );
}

function fail(errors: FieldError[]): never {
  throw validationError(errors.map((e) => ({ ...e, in: 'body' })));
}

function zodErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

interface RawDay {
  path: string;
  date: string;
  tokens: Record<TokenKind | 'totalTokens', number>;
  cost: number | undefined;
  breakdowns: ModelBreakdown[] | undefined;
  breakdownPath: string;
  /** model name → agent, from --by-agent rows */
  agentOf: Map<string, string>;
}

/**
 * Reads a ccusage report as uploaded: detects which of the daily formats it is, validates it (every
 * failure names the field), and normalises it to one slice per day with its models. Throws a
 * DomainError: 400 for invalid data, 422 for a report of the wrong kind.
 */
export function parseReport(body: unknown, now = new Date()): ParsedReport {
  const warnings: string[] = [];
  let format: ReportFormat;
  let rows: RawDay[];

  if (Array.isArray(body)) {
    // v15–v18 print a bare [] when there is no data at all.
    if (body.length === 0) return { format: 'empty', days: [], warnings };
    fail([{ path: '', message: 'a ccusage report is an object with `daily` (only an empty report is a bare [])' }]);
  }
  if (!isObject(body)) fail([{ path: '', message: 'must be the JSON object that `ccusage daily --json` prints' }]);

  if ('blocks' in body) refuse('blocks');
  if (!('daily' in body) && !('projects' in body)) {
    if ('weekly' in body) refuse('weekly');
    if ('monthly' in body) refuse('monthly');
    if ('sessions' in body || 'session' in body) refuse('session');
    fail([{ path: 'daily', message: 'is required: upload the output of `ccusage daily --json`' }]);
  }

  if ('projects' in body && !('daily' in body)) {
    const parsed = instancesReportSchema.safeParse(body);
    if (!parsed.success) fail(zodErrors(parsed.error));
    format = 'instances';
    rows = Object.entries(parsed.data.projects).flatMap(([project, projectRows]) =>
      projectRows.map((row, i) => rawFromClassic(row, formatPath(['projects', project, i]))),
    );
  } else {
    const daily = (body as { daily: unknown }).daily;
    if (!Array.isArray(daily)) fail([{ path: 'daily', message: 'must be an array' }]);
    if (['weekly', 'monthly', 'session', 'sessions'].some((k) => k in body)) {
      warnings.push('The report has several sections (--sections); only `daily` was read.');
    }
    const isAgentReport = daily.some((row) => isObject(row) && 'period' in row);
    if (isAgentReport) {
      const parsed = agentReportSchema.safeParse(body);
      if (!parsed.success) fail(zodErrors(parsed.error));
      format = 'all-agent-daily';
      rows = parsed.data.daily.map((row, i) => rawFromAgent(row, formatPath(['daily', i])));
    } else {
      const parsed = classicReportSchema.safeParse(body);
      if (!parsed.success) fail(zodErrors(parsed.error));
      format = parsed.data.daily.length === 0 ? 'empty' : 'claude-daily';
      rows = parsed.data.daily.map((row, i) => rawFromClassic(row, formatPath(['daily', i])));
      if (parsed.data.daily.some((r) => r.project !== undefined)) {
        warnings.push('The report is limited to one project (--project): usage in other projects is not included.');
      }
    }
  }

  const errors: FieldError[] = [];
  const tomorrow = utcDay(now, 1);
  for (const row of rows) {
    if (!isCalendarDay(row.date)) errors.push({ path: `${row.path}.${format === 'all-agent-daily' ? 'period' : 'date'}`, message: `${JSON.stringify(row.date)} is not a calendar day YYYY-MM-DD` });
    else if (row.date > tomorrow) errors.push({ path: `${row.path}.${format === 'all-agent-daily' ? 'period' : 'date'}`, message: `${row.date} is in the future (latest accepted: ${tomorrow}, tomorrow in UTC)` });
    errors.push(...checkDay(row));
  }
  if (errors.length) fail(errors);

  const days = format === 'instances' ? mergeProjects(rows) : rows;
  if (format !== 'instances') {
    const seen = new Map<string, string>();
    for (const row of days) {
      const first = seen.get(row.date);
      if (first) errors.push({ path: `${row.path}.${format === 'all-agent-daily' ? 'period' : 'date'}`, message: `${row.date} appears twice (first at ${first})` });
      else seen.set(row.date, row.path);
    }
  }
  if (days.length > MAX_DAYS) errors.push({ path: 'projects', message: `at most ${MAX_DAYS} days in one upload` });
  if (errors.length) fail(errors);

  const normalized = days.map(normalizeDay).sort((a, b) => a.date.localeCompare(b.date));
  for (const kind of [...TOKEN_KINDS, 'totalTokens'] as const) {
    const sum = normalized.reduce((s, d) => s + d[kind], 0);
    if (sum > Number.MAX_SAFE_INTEGER) fail([{ path: format === 'instances' ? 'projects' : 'daily', message: `the report's ${kind} add up to more than 2^53-1` }]);
  }

  if (rows.some((r) => r.cost === undefined || r.breakdowns?.some((b) => b.cost === undefined))) {
    warnings.push('The report has no costs (made with --no-cost?): costs were stored as 0.');
  }
  const unpriced = [...new Set(rows.flatMap((r) => (r.breakdowns ?? []).filter((b) => b.missingPricing).map((b) => b.modelName)))];
  if (unpriced.length) warnings.push(`ccusage had no price for ${unpriced.join(', ')}: their cost is 0.`);

  return { format, days: normalized, warnings };
}

function rawFromClassic(row: ClassicRow, path: string): RawDay {
  return {
    path,
    date: row.date,
    tokens: pickTokens(row),
    cost: row.totalCost,
    breakdowns: row.modelBreakdowns,
    breakdownPath: `${path}.modelBreakdowns`,
    agentOf: new Map(),
  };
}

function rawFromAgent(row: AgentRow, path: string): RawDay {
  const agentOf = new Map<string, string>();
  for (const entry of row.agents ?? []) for (const b of entry.modelBreakdowns ?? []) agentOf.set(b.modelName, entry.agent);
  let breakdowns = row.modelBreakdowns;
  let breakdownPath = `${path}.modelBreakdowns`;
  // v19 rows have no modelBreakdowns of their own; with --by-agent the agents' rows have them.
  if (!breakdowns && row.agents?.some((a) => a.modelBreakdowns)) {
    breakdowns = combineBreakdowns(row.agents.flatMap((a) => a.modelBreakdowns ?? []));
    breakdownPath = `${path}.agents`;
  }
  return { path, date: row.period, tokens: pickTokens(row), cost: row.totalCost, breakdowns, breakdownPath, agentOf };
}

function pickTokens(row: Record<TokenKind | 'totalTokens', number>): RawDay['tokens'] {
  return {
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    cacheCreationTokens: row.cacheCreationTokens,
    cacheReadTokens: row.cacheReadTokens,
    totalTokens: row.totalTokens,
  };
}

/** Sums breakdowns of the same model (several agents or projects on one day). */
function combineBreakdowns(list: ModelBreakdown[]): ModelBreakdown[] {
  const byModel = new Map<string, ModelBreakdown>();
  for (const b of list) {
    const seen = byModel.get(b.modelName);
    if (!seen) {
      byModel.set(b.modelName, { ...b });
      continue;
    }
    for (const kind of TOKEN_KINDS) seen[kind] += b[kind];
    seen.cost = seen.cost === undefined && b.cost === undefined ? undefined : (seen.cost ?? 0) + (b.cost ?? 0);
    seen.missingPricing = seen.missingPricing || b.missingPricing;
  }
  return [...byModel.values()];
}

/** The rules between a day's fields, each failure at its path. */
function checkDay(row: RawDay): FieldError[] {
  const errors: FieldError[] = [];
  const parts = TOKEN_KINDS.reduce((s, k) => s + row.tokens[k], 0);
  if (row.tokens.totalTokens < parts) {
    errors.push({ path: `${row.path}.totalTokens`, message: `is ${row.tokens.totalTokens}, less than input + output + cache tokens (${parts})` });
  }
  const list = row.breakdowns ?? [];
  const names = new Set<string>();
  list.forEach((b, i) => {
    if (names.has(b.modelName)) errors.push({ path: `${row.breakdownPath}[${i}].modelName`, message: `${b.modelName} appears twice on this day` });
    names.add(b.modelName);
  });
  for (const kind of TOKEN_KINDS) {
    const sum = list.reduce((s, b) => s + b[kind], 0);
    if (sum > row.tokens[kind]) {
      errors.push({ path: `${row.breakdownPath}`, message: `the models' ${kind} add up to ${sum}, more than the day's ${row.tokens[kind]}` });
    }
  }
  const modelCost = list.reduce((s, b) => s + (b.cost ?? 0), 0);
  // Costs are floats summed by ccusage; allow for rounding in the last digits.
  if (row.cost !== undefined && modelCost > row.cost + 1e-6 * Math.max(1, row.cost)) {
    errors.push({ path: `${row.breakdownPath}`, message: `the models' costs add up to ${modelCost}, more than the day's totalCost ${row.cost}` });
  }
  return errors;
}

/** --instances: one row per project and day; the server keeps days, so projects are summed. */
function mergeProjects(rows: RawDay[]): RawDay[] {
  const byDate = new Map<string, RawDay>();
  for (const row of rows) {
    const seen = byDate.get(row.date);
    if (!seen) {
      byDate.set(row.date, { ...row, tokens: { ...row.tokens }, breakdowns: row.breakdowns && combineBreakdowns(row.breakdowns) });
      continue;
    }
    for (const kind of [...TOKEN_KINDS, 'totalTokens'] as const) seen.tokens[kind] += row.tokens[kind];
    seen.cost = seen.cost === undefined && row.cost === undefined ? undefined : (seen.cost ?? 0) + (row.cost ?? 0);
    seen.breakdowns = combineBreakdowns([...(seen.breakdowns ?? []), ...(row.breakdowns ?? [])]);
  }
  for (const day of byDate.values()) {
    if ((day.breakdowns?.length ?? 0) > MAX_MODELS_PER_DAY) {
      fail([{ path: 'projects', message: `${day.date} has more than ${MAX_MODELS_PER_DAY} models` }]);
    }
  }
  return [...byDate.values()];
}

function normalizeDay(row: RawDay): DaySlice {
  const models = (row.breakdowns ?? [])
    .map((b) => ({
      model: b.modelName,
      provider: providerOf(b.modelName, row.agentOf.get(b.modelName)),
      inputTokens: b.inputTokens,
      outputTokens: b.outputTokens,
      cacheCreationTokens: b.cacheCreationTokens,
      cacheReadTokens: b.cacheReadTokens,
      cost: roundCost(b.cost ?? 0),
    }))
    .sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
  return { date: row.date, ...row.tokens, cost: roundCost(row.cost ?? 0), models };
}

/** Sums of a report's days, as the upload answer and the uploads table give them. */
export function reportTotals(days: DaySlice[]): Totals {
  return addTotals(days.map((d) => ({ ...d, totalCost: d.cost })));
}
