import { z } from 'zod';
import { printableName } from '../../../common/text.js';
import { combineBreakdowns, dailyRows, dayOf, isObject, listDailyRows, sectionsWarning } from '../day-rows.js';
import { reportAdapter } from '../report-adapter.js';
import { dayKeyValue, dayTotals, MAX_AGENTS, MAX_MODEL_NAME, MAX_MODELS_PER_DAY, MAX_TEXT } from '../row.schemas.js';

const agentName = printableName(MAX_MODEL_NAME);

/** A `--by-agent` row: one agent's part of the day. */
const agentEntrySchema = z.looseObject({ agent: agentName, ...dayTotals });

/** `ccusage daily --json` (v19, v20): rows keyed by `period`, optionally with `--by-agent` rows. */
const agentRowSchema = z.looseObject({
  period: dayKeyValue,
  agent: agentName.optional(),
  metadata: z.looseObject({ agents: z.array(z.string().max(MAX_TEXT)).max(MAX_AGENTS).optional() }).optional(),
  ...dayTotals,
  agents: z.array(agentEntrySchema).max(MAX_AGENTS, `at most ${MAX_AGENTS} agents a day`).optional(),
});
export type AgentRow = z.infer<typeof agentRowSchema>;

/** The all-agent report (the default `ccusage daily` since v19): a `daily` whose rows say `period`, not `date`. */
export const allAgentDaily = reportAdapter({
  format: 'all-agent-daily',
  detect: (body) => isObject(body) && 'daily' in body && dailyRows(body).some((row) => isObject(row) && 'period' in row),
  rowsKey: 'daily',
  rows: listDailyRows,
  rowSchema: agentRowSchema,
  toDay: (row: AgentRow, path, report) => {
    const day = dayOf(row, path, 'period', row.period);
    for (const entry of row.agents ?? []) for (const b of entry.modelBreakdowns ?? []) day.agentOf.set(b.modelName, entry.agent);
    // v19 rows have no modelBreakdowns of their own; with --by-agent the agents' rows have them.
    if (!row.modelBreakdowns && row.agents?.some((a) => a.modelBreakdowns)) {
      day.breakdownPath = `${path}.agents`;
      const combined = combineBreakdowns(row.agents.flatMap((a) => a.modelBreakdowns ?? []));
      if (combined === undefined) report([{ path: day.breakdownPath, message: `the agents used more than ${MAX_MODELS_PER_DAY} models on this day` }]);
      day.breakdowns = combined ?? [];
    }
    return day;
  },
  repeatedDays: 'refuse',
  warnings: (body) => sectionsWarning(body),
});
