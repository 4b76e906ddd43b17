import type { z } from 'zod';
import { EARLIEST_DAY, isCalendarDay, latestUploadDay } from '../../common/dates.js';
import { roundCost } from '../../common/decimal.js';
import { type FieldError, formatPath } from '../../common/errors.js';
import { timeSlicer } from '../../common/time-slice.js';
import { MAX_LISTED_ERRORS, validationError } from '../../common/validation-error.js';
import { type DaySlice, type ModelSlice, reportTotals, type UsageReport } from '../../ledger/day-slice.js';
import { providerOf } from '../../models/providers.js';
import { detectReport, type ReportFormat } from './adapters/registry.js';
import { fail, isObject, type RawDay, sumDays, TOKEN_KINDS } from './day-rows.js';
import { projectSlices } from './project-slices.js';
import type { ReportAdapter } from './report-adapter.js';
import { MAX_DAYS, MAX_DISTINCT_MODELS } from './row.schemas.js';

export { type DaySlice, type ModelSlice, type ReportFormat, reportTotals };

/** A parsed ccusage report: the ledger's day slices, with the format they came in. */
export interface ParsedReport extends UsageReport {
  format: ReportFormat;
}

/**
 * Reads a ccusage report as uploaded: detects which of the daily formats it is (adapters/registry.ts),
 * validates it (every failure names the field), and normalises it to one slice per day with its
 * models. Throws a DomainError: 400 for invalid data, 422 for a report of the wrong kind. Every count
 * is bounded before the work it causes, and long loops give the event loop a turn every few
 * milliseconds.
 */
export async function parseReport(body: unknown, now = new Date()): Promise<ParsedReport> {
  const found = detectReport(body);
  if (found === undefined) {
    if (Array.isArray(body)) fail([{ path: '', message: 'a ccusage report is an object with `daily` (only an empty report is a bare [])' }]);
    if (!isObject(body)) fail([{ path: '', message: 'must be the JSON object that `ccusage daily --json` prints' }]);
    fail([{ path: 'daily', message: 'is required: upload the output of `ccusage daily --json`' }]);
  }
  if ('refused' in found) throw found.refusal();
  return read(found, body, now);
}

/** The same steps for every format; `adapter` says what is its own. */
async function read(adapter: ReportAdapter, body: unknown, now: Date): Promise<ParsedReport> {
  const slice = timeSlicer();
  if (isObject(body) && body.totals !== undefined && !isObject(body.totals)) fail([{ path: 'totals', message: 'must be an object' }]);

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

  const valid: unknown[] = [];
  const rows: RawDay[] = [];
  for (const { path, row, project } of adapter.rows(body)) {
    await slice();
    const parsed = adapter.rowSchema.safeParse(row);
    if (!parsed.success) {
      report(zodErrors(parsed.error, path));
      continue;
    }
    valid.push(parsed.data);
    const day = adapter.toDay(parsed.data, formatPath(path), report);
    if (project !== undefined) day.project = project;
    rows.push(day);
  }
  failIfAny();

  const latest = latestUploadDay(now);
  for (const row of rows) {
    await slice();
    if (!isCalendarDay(row.date)) report([{ path: row.datePath, message: `${JSON.stringify(row.date)} is not a calendar day YYYY-MM-DD` }]);
    else if (row.date < EARLIEST_DAY) report([{ path: row.datePath, message: `${row.date} is before ${EARLIEST_DAY}, the earliest day the server keeps` }]);
    else if (row.date > latest) report([{ path: row.datePath, message: `${row.date} is in the future (latest accepted: ${latest}, tomorrow in UTC)` }]);
    report(checkDay(row));
  }
  failIfAny();

  const days = adapter.repeatedDays === 'sum' ? await sumDays(rows, adapter.rowsKey, slice) : rows;
  if (adapter.repeatedDays === 'refuse') {
    const seen = new Map<string, string>();
    for (const row of days) {
      const first = seen.get(row.date);
      if (first) report([{ path: row.datePath, message: `${row.date} appears twice (first at ${first})` }]);
      else seen.set(row.date, row.path);
    }
  }
  if (days.length > MAX_DAYS) report([{ path: adapter.rowsKey, message: `at most ${MAX_DAYS} days in one upload` }]);
  // A report already refused is not sliced by project: that is as much work again as the merge.
  failIfAny();
  // --instances: the project dimension, from the rows before they were summed into days.
  const projects = adapter.rowsKey === 'projects' ? await projectSlices(rows, report, slice) : undefined;
  failIfAny();

  const normalized: DaySlice[] = [];
  const modelNames = new Set<string>();
  for (const day of days) {
    await slice();
    const normal = normalizeDay(day);
    if (projects) normal.projects = projects.get(day.date) ?? [];
    for (const m of normal.models) modelNames.add(m.model);
    normalized.push(normal);
  }
  if (modelNames.size > MAX_DISTINCT_MODELS) {
    fail([{ path: adapter.rowsKey, message: `at most ${MAX_DISTINCT_MODELS} different models in one upload (this one has ${modelNames.size})` }]);
  }
  normalized.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  for (const kind of [...TOKEN_KINDS, 'totalTokens'] as const) {
    const sum = normalized.reduce((s, d) => s + d[kind], 0);
    if (sum > Number.MAX_SAFE_INTEGER) fail([{ path: adapter.rowsKey, message: `the report's ${kind} add up to more than 2^53-1` }]);
  }

  const warnings = adapter.warnings(body, valid);
  if (rows.some((r) => r.cost === undefined || r.breakdowns?.some((b) => b.cost === undefined))) {
    warnings.push('The report has no costs (made with --no-cost?): costs were stored as 0.');
  }
  const unpriced = [...new Set(rows.flatMap((r) => (r.breakdowns ?? []).filter((b) => b.missingPricing).map((b) => b.modelName)))];
  if (unpriced.length) warnings.push(`ccusage had no price for ${unpriced.join(', ')}: their cost is 0.`);

  return { format: adapter.format as ReportFormat, days: normalized, warnings };
}

function zodErrors(error: z.ZodError, at: Array<string | number>): FieldError[] {
  return error.issues.map((issue) => ({ path: formatPath([...at, ...issue.path]), message: issue.message }));
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
