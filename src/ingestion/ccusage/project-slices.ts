import { roundCost } from '../../common/decimal.js';
import type { FieldError } from '../../common/errors.js';
import type { ProjectModelSlice, ProjectSlice } from '../../ledger/day-slice.js';
import { type RawDay, TOKEN_KINDS } from './day-rows.js';

/**
 * The project dimension of an `--instances` report (docs/projects.md): per day, each project's
 * models, from the rows before they are summed into days. A project's row gives one slice: its
 * model breakdowns, each rounded to 4 places, and under model '' whatever the row reports beyond
 * its breakdowns (ccusage counts tokens of log lines without a model, and lists no breakdown for
 * them). The day itself is summed as before, in sumDays, so its numbers do not depend on this.
 */

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** One row's project slice. */
function sliceOf(row: RawDay & { project: string }): ProjectSlice {
  const breakdowns = row.breakdowns ?? [];
  const models: ProjectModelSlice[] = breakdowns.map((b) => ({
    model: b.modelName,
    inputTokens: b.inputTokens,
    outputTokens: b.outputTokens,
    cacheCreationTokens: b.cacheCreationTokens,
    cacheReadTokens: b.cacheReadTokens,
    cost: roundCost(b.cost ?? 0),
  }));
  // The parser's checks guarantee the breakdowns fit within the row; what is left has no model.
  const rest = {
    model: '',
    inputTokens: row.tokens.inputTokens - breakdowns.reduce((s, b) => s + b.inputTokens, 0),
    outputTokens: row.tokens.outputTokens - breakdowns.reduce((s, b) => s + b.outputTokens, 0),
    cacheCreationTokens: row.tokens.cacheCreationTokens - breakdowns.reduce((s, b) => s + b.cacheCreationTokens, 0),
    cacheReadTokens: row.tokens.cacheReadTokens - breakdowns.reduce((s, b) => s + b.cacheReadTokens, 0),
    cost: roundCost(Math.max(0, (row.cost ?? 0) - breakdowns.reduce((s, b) => s + (b.cost ?? 0), 0))),
  };
  if (TOKEN_KINDS.some((k) => rest[k] > 0) || rest.cost !== '0.0000') models.push(rest);
  return { project: row.project, models: models.sort((a, b) => byName(a.model, b.model)) };
}

/**
 * Date → the day's project slices, sorted by project. A project listing the same day twice is
 * refused (ccusage prints one row per project and day), so that no project's model row has to
 * hold two rows' sums.
 */
export async function projectSlices(
  rows: RawDay[],
  report: (errors: FieldError[]) => void,
  slice: () => Promise<void> | undefined,
): Promise<Map<string, ProjectSlice[]>> {
  const byDate = new Map<string, ProjectSlice[]>();
  const seen = new Map<string, string>();
  for (const row of rows) {
    await slice();
    const { project } = row;
    if (project === undefined) continue;
    const key = `${row.date}\n${project}`;
    const first = seen.get(key);
    if (first !== undefined) {
      report([{ path: row.datePath, message: `${row.date} appears twice in this project (first at ${first})` }]);
      continue;
    }
    seen.set(key, row.path);
    const list = byDate.get(row.date) ?? [];
    list.push(sliceOf({ ...row, project }));
    byDate.set(row.date, list);
  }
  for (const list of byDate.values()) list.sort((a, b) => byName(a.project, b.project));
  return byDate;
}
