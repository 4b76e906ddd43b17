import { z } from 'zod';
import { dailyRows, dayOf, isObject, listDailyRows, sectionsWarning } from '../day-rows.js';
import { reportAdapter } from '../report-adapter.js';
import { dayKeyValue, dayTotals, MAX_TEXT } from '../row.schemas.js';

/** `ccusage claude daily --json` (v20) and `ccusage daily --json` (v15–v18): the classic rows, keyed by `date`. */
const classicRowSchema = z.looseObject({
  date: dayKeyValue,
  ...dayTotals,
  project: z.string().max(MAX_TEXT).optional(),
});
export type ClassicRow = z.infer<typeof classicRowSchema>;

/** A `daily` of classic rows; an empty one is the `empty` format. */
export const claudeDaily = reportAdapter({
  format: 'claude-daily',
  detect: (body) => isObject(body) && 'daily' in body && dailyRows(body).length > 0 && !dailyRows(body).some((row) => isObject(row) && 'period' in row),
  rowsKey: 'daily',
  rows: listDailyRows,
  rowSchema: classicRowSchema,
  toDay: (row: ClassicRow, path) => dayOf(row, path, 'date', row.date),
  repeatedDays: 'refuse',
  warnings: (body, rows) => [
    ...sectionsWarning(body),
    ...(rows.some((row) => row.project !== undefined) ? ['The report is limited to one project (--project): usage in other projects is not included.'] : []),
  ],
});
