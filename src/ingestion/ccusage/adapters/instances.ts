import { z } from 'zod';
import { dayOf, isObject, listProjectRows } from '../day-rows.js';
import { reportAdapter } from '../report-adapter.js';
import { MAX_DAYS, totalsSchema } from '../row.schemas.js';
import { type ClassicRow, claudeDaily } from './claude-daily.js';

/**
 * `ccusage claude daily --instances --json` (v15–v20): `projects`, an object keyed by project
 * directory, each an array of classic daily rows. The server keeps days, so a day's projects are
 * summed.
 */
export const instances = reportAdapter({
  format: 'instances',
  detect: (body) => isObject(body) && 'projects' in body && !('daily' in body),
  rowsKey: 'projects',
  rows: listProjectRows,
  rowSchema: claudeDaily.rowSchema,
  documentSchema: z.looseObject({
    projects: z.record(z.string(), z.array(claudeDaily.rowSchema).max(MAX_DAYS, `at most ${MAX_DAYS} days in one upload`)),
    totals: totalsSchema,
  }),
  toDay: (row: ClassicRow, path) => dayOf(row, path, 'date', row.date),
  repeatedDays: 'sum',
  warnings: () => [],
});
