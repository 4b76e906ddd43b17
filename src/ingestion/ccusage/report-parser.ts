import type { z } from 'zod';
import { EARLIEST_DAY, isCalendarDay, latestUploadDay } from '../../common/dates.js';
import { DomainError, ErrorCode, type FieldError, formatPath } from '../../common/errors.js';
import { timeSlicer } from '../../common/time-slice.js';
import { MAX_LISTED_ERRORS, validationError } from '../../common/validation.pipe.js';
import { providerOf } from '../../models/providers.js';
import { roundCost } from '../../common/decimal.js';
import { type DaySlice, type ModelSlice, reportTotals, type UsageReport } from '../../ledger/day-slice.js';

export { type DaySlice, type ModelSlice, reportTotals };
import {
  agentRowSchema,
  classicRowSchema,
  MAX_BREAKDOWNS,
  MAX_DAYS,
  MAX_DISTINCT_MODELS,
  MAX_MODELS_PER_DAY,
  MAX_PROJECTS,
  MAX_ROWS,
  type AgentRow,
  type ClassicRow,
  type ModelBreakdown,
} from './report.schemas.js';

export type ReportFormat = 'claude-daily' | 'all-agent-daily' | 'instances' | 'empty';

const TOKEN_KINDS = ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens'] as const;
type TokenKind = (typeof TOKEN_KINDS)[number];

/** A parsed ccusage report: the ledger's day slices, with the format they came in. */
export interface ParsedReport extends UsageReport {
  format: ReportFormat;
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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The model breakdowns a raw row carries, its agents' included, without validating anything. */
function breakdownCount(row: unknown): number {
  if (!isObject(row)) return 0;
  let n = Array.isArray(row.modelBreakdowns) ? row.modelBreakdowns.length : 0;
  if (Array.isArray(row.agents)) for (const agent of row.agents) if (isObject(agent) && Array.isArray(agent.modelBreakdowns)) n += agent.modelBreakdowns.length;
  return n;
}

interface RawDay {
  path: string;
  /** Where the day's date is: `date`, or `period` in all-agent reports. */
  datePath: string;
  date: string;
  tokens: Record<TokenKind | 'totalTokens', number>;
  cost: number | undefined;
  breakdowns: ModelBreakdown[] | undefined;
  breakdownPath: string;
  /** model name → agent, from --by-agent rows */
  agentOf: Map<string, string>;
}

/**
 * The rows of a report with where each is, after the counts that bound the work were checked:
 * projects, rows and model breakdowns, so an oversized report is refused before it is validated.
 */
function rowsToValidate(format: Exclude<ReportFormat, 'empty'>, body: Record<string, unknown>): Array<{ path: Array<string | number>; row: unknown }> {
  const out: Array<{ path: Array<string | number>; row: unknown }> = [];
  let breakdowns = 0;
  const count = (row: unknown) => {
    breakdowns += breakdownCount(row);
    if (breakdowns > MAX_BREAKDOWNS)
      fail([{ path: format === 'instances' ? 'projects' : 'daily', message: `at most ${MAX_BREAKDOWNS} model breakdowns in one upload` }]);
  };
  if (format === 'instances') {
    const projects = body.projects;
    if (!isObject(projects)) fail([{ path: 'projects', message: 'must be an object of projects' }]);
    const names = Object.keys(projects);
    if (names.length > MAX_PROJECTS) fail([{ path: 'projects', message: `at most ${MAX_PROJECTS} projects in one upload` }]);
    for (const name of names) {
      const rows = projects[name];
      if (!Array.isArray(rows)) fail([{ path: formatPath(['projects', name]), message: 'must be an array of days' }]);
      if (rows.length > MAX_DAYS) fail([{ path: formatPath(['projects', name]), message: `at most ${MAX_DAYS} days in one upload` }]);
      if (out.length + rows.length > MAX_ROWS) fail([{ path: 'projects', message: `at most ${MAX_ROWS} project days in one upload` }]);
      rows.forEach((row, i) => {
        count(row);
        out.push({ path: ['projects', name, i], row });
      });
    }
    return out;
  }
  const daily = body.daily as unknown[];
  if (daily.length > MAX_DAYS) fail([{ path: 'daily', message: `at most ${MAX_DAYS} days in one upload` }]);
  daily.forEach((row, i) => {
    count(row);
    out.push({ path: ['daily', i], row });
  });
  return out;
}

/**
 * Reads a ccusage report as uploaded: detects which of the daily formats it is, validates it (every
 * failure names the field), and normalises it to one slice per day with its models. Throws a
 * DomainError: 400 for invalid data, 422 for a report of the wrong kind. Every count is bounded
 * before the work it causes, and long loops give the event loop a turn every few milliseconds.
 */
export async function parseReport(body: unknown, now = new Date()): Promise<ParsedReport> {
  const warnings: string[] = [];
  const slice = timeSlicer();

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

  let format: Exclude<ReportFormat, 'empty'>;
  if ('projects' in body && !('daily' in body)) format = 'instances';
  else {
    const daily = body.daily;
    if (!Array.isArray(daily)) fail([{ path: 'daily', message: 'must be an array' }]);
    if (['weekly', 'monthly', 'session', 'sessions'].some((k) => k in body)) {
      warnings.push('The report has several sections (--sections); only `daily` was read.');
    }
    format = daily.some((row) => isObject(row) && 'period' in row) ? 'all-agent-daily' : 'claude-daily';
  }
  if (body.totals !== undefined && !isObject(body.totals)) fail([{ path: 'totals', message: 'must be an object' }]);

  // Field by field, a row at a time; only the first errors are kept, all are counted.
  const errors: FieldError[] = [];
  let errorCount = 0;
  const report = (list: FieldError[]) => {
    errorCount += list.length;
    for (const e of list) if (errors.length < MAX_LISTED_ERRORS) errors.push(e);
  };
  const failIfAny = () => {
    if (errorCount > 0)
      throw validationError(
        errors.map((e) => ({ ...e, in: 'body' })),
        errorCount,
      );
  };

  const rowSchema = format === 'all-agent-daily' ? agentRowSchema : classicRowSchema;
  const rows: RawDay[] = [];
  let projectFilter = false;
  for (const { path, row } of rowsToValidate(format, body)) {
    await slice();
    const parsed = rowSchema.safeParse(row);
    if (!parsed.success) {
      report(zodErrors(parsed.error, path));
      continue;
    }
    const at = formatPath(path);
    if (format === 'all-agent-daily') rows.push(rawFromAgent(parsed.data as AgentRow, at, report));
    else {
      const classic = parsed.data as ClassicRow;
      if (classic.project !== undefined) projectFilter = true;
      rows.push(rawFromClassic(classic, at));
    }
  }
  failIfAny();
  if (format === 'claude-daily' && projectFilter) {
    warnings.push('The report is limited to one project (--project): usage in other projects is not included.');
  }

  const latest = latestUploadDay(now);
  for (const row of rows) {
    await slice();
    if (!isCalendarDay(row.date)) report([{ path: row.datePath, message: `${JSON.stringify(row.date)} is not a calendar day YYYY-MM-DD` }]);
    else if (row.date < EARLIEST_DAY) report([{ path: row.datePath, message: `${row.date} is before ${EARLIEST_DAY}, the earliest day the server keeps` }]);
    else if (row.date > latest) report([{ path: row.datePath, message: `${row.date} is in the future (latest accepted: ${latest}, tomorrow in UTC)` }]);
    report(checkDay(row));
  }
  failIfAny();

  const days = format === 'instances' ? await mergeProjects(rows, slice) : rows;
  if (format !== 'instances') {
    const seen = new Map<string, string>();
    for (const row of days) {
      const first = seen.get(row.date);
      if (first) report([{ path: row.datePath, message: `${row.date} appears twice (first at ${first})` }]);
      else seen.set(row.date, row.path);
    }
  }
  if (days.length > MAX_DAYS) report([{ path: 'projects', message: `at most ${MAX_DAYS} days in one upload` }]);
  failIfAny();

  const normalized: DaySlice[] = [];
  const modelNames = new Set<string>();
  for (const day of days) {
    await slice();
    const normal = normalizeDay(day);
    for (const m of normal.models) modelNames.add(m.model);
    normalized.push(normal);
  }
  if (modelNames.size > MAX_DISTINCT_MODELS) {
    fail([
      {
        path: format === 'instances' ? 'projects' : 'daily',
        message: `at most ${MAX_DISTINCT_MODELS} different models in one upload (this one has ${modelNames.size})`,
      },
    ]);
  }
  normalized.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  for (const kind of [...TOKEN_KINDS, 'totalTokens'] as const) {
    const sum = normalized.reduce((s, d) => s + d[kind], 0);
    if (sum > Number.MAX_SAFE_INTEGER)
      fail([{ path: format === 'instances' ? 'projects' : 'daily', message: `the report's ${kind} add up to more than 2^53-1` }]);
  }

  if (rows.some((r) => r.cost === undefined || r.breakdowns?.some((b) => b.cost === undefined))) {
    warnings.push('The report has no costs (made with --no-cost?): costs were stored as 0.');
  }
  const unpriced = [...new Set(rows.flatMap((r) => (r.breakdowns ?? []).filter((b) => b.missingPricing).map((b) => b.modelName)))];
  if (unpriced.length) warnings.push(`ccusage had no price for ${unpriced.join(', ')}: their cost is 0.`);

  return { format: format === 'claude-daily' && rows.length === 0 ? 'empty' : format, days: normalized, warnings };
}

function zodErrors(error: z.ZodError, at: Array<string | number>): FieldError[] {
  return error.issues.map((issue) => ({ path: formatPath([...at, ...issue.path]), message: issue.message }));
}

function rawFromClassic(row: ClassicRow, path: string): RawDay {
  return {
    path,
    datePath: `${path}.date`,
    date: row.date,
    tokens: pickTokens(row),
    cost: row.totalCost,
    breakdowns: row.modelBreakdowns,
    breakdownPath: `${path}.modelBreakdowns`,
    agentOf: new Map(),
  };
}

function rawFromAgent(row: AgentRow, path: string, report: (errors: FieldError[]) => void): RawDay {
  const agentOf = new Map<string, string>();
  for (const entry of row.agents ?? []) for (const b of entry.modelBreakdowns ?? []) agentOf.set(b.modelName, entry.agent);
  let breakdowns = row.modelBreakdowns;
  let breakdownPath = `${path}.modelBreakdowns`;
  // v19 rows have no modelBreakdowns of their own; with --by-agent the agents' rows have them.
  if (!breakdowns && row.agents?.some((a) => a.modelBreakdowns)) {
    breakdownPath = `${path}.agents`;
    const combined = combineBreakdowns(row.agents.flatMap((a) => a.modelBreakdowns ?? []));
    if (combined === undefined) report([{ path: breakdownPath, message: `the agents used more than ${MAX_MODELS_PER_DAY} models on this day` }]);
    breakdowns = combined ?? [];
  }
  return { path, datePath: `${path}.period`, date: row.period, tokens: pickTokens(row), cost: row.totalCost, breakdowns, breakdownPath, agentOf };
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

/** Adds `b` into the running sum `into` of the same model (floats summed in report order, as ccusage does). */
function addBreakdown(into: ModelBreakdown, b: ModelBreakdown): void {
  for (const kind of TOKEN_KINDS) into[kind] += b[kind];
  into.cost = into.cost === undefined && b.cost === undefined ? undefined : (into.cost ?? 0) + (b.cost ?? 0);
  into.missingPricing = into.missingPricing || b.missingPricing;
}

/**
 * Sums breakdowns of the same model (several agents or projects on one day), keyed by name; stops
 * with undefined as soon as the day has more than MAX_MODELS_PER_DAY models.
 */
function combineBreakdowns(list: ModelBreakdown[], byModel = new Map<string, ModelBreakdown>()): ModelBreakdown[] | undefined {
  for (const b of list) {
    const seen = byModel.get(b.modelName);
    if (seen) addBreakdown(seen, b);
    else {
      if (byModel.size >= MAX_MODELS_PER_DAY) return undefined;
      byModel.set(b.modelName, { ...b });
    }
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

/**
 * --instances: one row per project and day; the server keeps days, so projects are summed, per
 * day and model in keyed maps (linear in the report). The per-day model cap holds while merging.
 */
async function mergeProjects(rows: RawDay[], slice: () => Promise<void> | undefined): Promise<RawDay[]> {
  const byDate = new Map<string, { day: RawDay; models: Map<string, ModelBreakdown> | undefined }>();
  for (const row of rows) {
    await slice();
    let entry = byDate.get(row.date);
    if (!entry) {
      entry = { day: { ...row, tokens: { ...row.tokens }, breakdowns: undefined }, models: undefined };
      byDate.set(row.date, entry);
    } else {
      for (const kind of [...TOKEN_KINDS, 'totalTokens'] as const) entry.day.tokens[kind] += row.tokens[kind];
      entry.day.cost = entry.day.cost === undefined && row.cost === undefined ? undefined : (entry.day.cost ?? 0) + (row.cost ?? 0);
    }
    if (row.breakdowns) {
      entry.models ??= new Map();
      if (combineBreakdowns(row.breakdowns, entry.models) === undefined) {
        fail([{ path: 'projects', message: `${row.date} has more than ${MAX_MODELS_PER_DAY} models` }]);
      }
    }
  }
  return [...byDate.values()].map(({ day, models }) => ({ ...day, breakdowns: models && [...models.values()] }));
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
