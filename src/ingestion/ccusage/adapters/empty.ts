import { z } from 'zod';
import { isObject, sectionsWarning } from '../day-rows.js';
import { reportAdapter } from '../report-adapter.js';

/**
 * A report without usage: v15–v18 print a bare `[]`, v19 and later a `daily` with no rows. Stored
 * as nothing; the upload is still recorded.
 */
export const empty = reportAdapter({
  format: 'empty',
  detect: (body) => (Array.isArray(body) && body.length === 0) || (isObject(body) && Array.isArray(body.daily) && body.daily.length === 0),
  rowsKey: 'daily',
  rows: () => [],
  rowSchema: z.never(),
  documentSchema: z.array(z.never()).max(0),
  toDay: (row: never) => row,
  repeatedDays: 'refuse',
  warnings: (body) => sectionsWarning(body),
});
