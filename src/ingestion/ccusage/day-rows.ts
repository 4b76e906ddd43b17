import { DomainError, ErrorCode, type FieldError, formatPath } from '../../common/errors.js';
import { isPrintable } from '../../common/text.js';
import { validationError } from '../../common/validation-error.js';
import { MAX_BREAKDOWNS, MAX_DAYS, MAX_MODELS_PER_DAY, MAX_PROJECT_NAME, MAX_PROJECTS, MAX_ROWS, type ModelBreakdown } from './row.schemas.js';

/**
 * What every report format shares on its way to the day slice: the rows it lists (counted and
 * bounded before any is validated), the day each valid row gives, and the sums of models and days.
 * The adapters (adapters/) choose among these; report-parser.ts runs them.
 */

export const TOKEN_KINDS = ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

/** Where a report keeps its rows: bounds over the whole report name this key. */
export type RowsKey = 'daily' | 'projects';

/** A row of a report, not yet validated, with where it is. */
export interface RowAt {
  path: Array<string | number>;
  row: unknown;
  /** `--instances`: the project the row belongs to (its key in `projects`). */
  project?: string;
}

/** A day as a valid row gives it, with where its parts are for the errors of the checks between them. */
export interface RawDay {
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
  /** `--instances`: the project of the row, before days are summed. */
  project?: string;
}

/** The fields of a valid row that every daily format has. */
type DayNumbers = Record<TokenKind | 'totalTokens', number> & { totalCost?: number; modelBreakdowns?: ModelBreakdown[] };

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Refuses the body with these field errors (400). */
export function fail(errors: FieldError[]): never {
  throw validationError(errors.map((e) => ({ ...e, in: 'body' })));
}

/** A report's `daily` rows; a `daily` that is not an array is refused. */
export function dailyRows(body: unknown): unknown[] {
  const daily = isObject(body) ? body.daily : undefined;
  if (!Array.isArray(daily)) fail([{ path: 'daily', message: 'must be an array' }]);
  return daily;
}

/** The model breakdowns a raw row carries, its agents' included, without validating anything. */
function breakdownCount(row: unknown): number {
  if (!isObject(row)) return 0;
  let n = Array.isArray(row.modelBreakdowns) ? row.modelBreakdowns.length : 0;
  if (Array.isArray(row.agents)) for (const agent of row.agents) if (isObject(agent) && Array.isArray(agent.modelBreakdowns)) n += agent.modelBreakdowns.length;
  return n;
}

/** Counts model breakdowns over a whole report, refusing it past MAX_BREAKDOWNS. */
function breakdownCounter(key: RowsKey): (row: unknown) => void {
  let breakdowns = 0;
  return (row) => {
    breakdowns += breakdownCount(row);
    if (breakdowns > MAX_BREAKDOWNS) fail([{ path: key, message: `at most ${MAX_BREAKDOWNS} model breakdowns in one upload` }]);
  };
}

/** The rows of a `daily` report, after its days and model breakdowns were counted. */
export function listDailyRows(body: unknown): RowAt[] {
  const daily = dailyRows(body);
  if (daily.length > MAX_DAYS) fail([{ path: 'daily', message: `at most ${MAX_DAYS} days in one upload` }]);
  const count = breakdownCounter('daily');
  return daily.map((row, i) => {
    count(row);
    return { path: ['daily', i], row };
  });
}

/** The rows of a `projects` report (`--instances`), after its projects, rows and model breakdowns were counted. */
export function listProjectRows(body: unknown): RowAt[] {
  const out: RowAt[] = [];
  const count = breakdownCounter('projects');
  const projects = isObject(body) ? body.projects : undefined;
  if (!isObject(projects)) fail([{ path: 'projects', message: 'must be an object of projects' }]);
  const names = Object.keys(projects);
  if (names.length > MAX_PROJECTS) fail([{ path: 'projects', message: `at most ${MAX_PROJECTS} projects in one upload` }]);
  names.forEach(checkProjectName);
  for (const name of names) {
    const rows = projects[name];
    if (!Array.isArray(rows)) fail([{ path: formatPath(['projects', name]), message: 'must be an array of days' }]);
    if (rows.length > MAX_DAYS) fail([{ path: formatPath(['projects', name]), message: `at most ${MAX_DAYS} days in one upload` }]);
    if (out.length + rows.length > MAX_ROWS) fail([{ path: 'projects', message: `at most ${MAX_ROWS} project days in one upload` }]);
    rows.forEach((row, i) => {
      count(row);
      out.push({ path: ['projects', name, i], row, project: name });
    });
  }
  return out;
}

/**
 * A project key the server keeps (docs/projects.md): 1 to MAX_PROJECT_NAME printable characters.
 * Anything else is refused (422) before any work, by its position rather than its name: a project
 * key is a path on the uploader's machine, and the answer should not repeat what it cannot store.
 */
function checkProjectName(name: string, index: number): void {
  if (name.length >= 1 && name.length <= MAX_PROJECT_NAME && isPrintable(name)) return;
  const what = name.length > MAX_PROJECT_NAME ? `is ${name.length} characters long` : 'is empty or holds characters that are not printable';
  throw new DomainError(
    ErrorCode.UnprocessableReport,
    `The name of project number ${index + 1} in \`projects\` ${what}; the server keeps project names of 1 to ${MAX_PROJECT_NAME} printable characters. Nothing was stored.`,
    undefined,
    { projectIndex: index },
  );
}

/** The day a valid row gives, its date under `dayKey`, with the row's own model breakdowns. */
export function dayOf(row: DayNumbers, path: string, dayKey: string, date: string): RawDay {
  return {
    path,
    datePath: `${path}.${dayKey}`,
    date,
    tokens: {
      inputTokens: row.inputTokens,
      outputTokens: row.outputTokens,
      cacheCreationTokens: row.cacheCreationTokens,
      cacheReadTokens: row.cacheReadTokens,
      totalTokens: row.totalTokens,
    },
    cost: row.totalCost,
    breakdowns: row.modelBreakdowns,
    breakdownPath: `${path}.modelBreakdowns`,
    agentOf: new Map(),
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
export function combineBreakdowns(list: ModelBreakdown[], byModel = new Map<string, ModelBreakdown>()): ModelBreakdown[] | undefined {
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

/**
 * Several rows of one day (--instances: one per project): the server keeps days, so they are summed,
 * per day and model in keyed maps (linear in the report). The per-day model cap holds while merging.
 */
export async function sumDays(rows: RawDay[], key: RowsKey, slice: () => Promise<void> | undefined): Promise<RawDay[]> {
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
        fail([{ path: key, message: `${row.date} has more than ${MAX_MODELS_PER_DAY} models` }]);
      }
    }
  }
  return [...byDate.values()].map(({ day, models }) => ({ ...day, breakdowns: models && [...models.values()] }));
}

/** The warning for a `daily` report printed with others (`--sections`), of which only `daily` is read. */
export function sectionsWarning(body: unknown): string[] {
  return isObject(body) && ['weekly', 'monthly', 'session', 'sessions'].some((k) => k in body)
    ? ['The report has several sections (--sections); only `daily` was read.']
    : [];
}
