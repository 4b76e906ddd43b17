import type { RefusedReport, ReportAdapter } from '../report-adapter.js';
import { allAgentDaily } from './all-agent-daily.js';
import { blocks } from './blocks.js';
import { claudeDaily } from './claude-daily.js';
import { empty } from './empty.js';
import { instances } from './instances.js';
import { monthly } from './monthly.js';
import { session } from './session.js';
import { weekly } from './weekly.js';

/**
 * Every ccusage report the server recognises, in detection order: the first whose `detect` says yes
 * reads the document (report-parser.ts); when none does, the upload is refused as not a daily report.
 *
 * How to add a report format:
 * 1. One file in this folder exporting its adapter: `reportAdapter({ format, detect, rowsKey, rows,
 *    rowSchema, toDay, repeatedDays, warnings })` for a format the server stores (row parts and
 *    bounds in ../row.schemas.ts; listing, counting and summing rows in ../day-rows.ts), or
 *    `refusedReport(kind, detect)` for one it refuses with 422 and the command to run instead.
 * 2. One line in REPORTS below, where its `detect` must be asked: before any report it could be
 *    taken for. A stored format's name then reaches the API (REPORT_FORMATS: the uploads' `format`)
 *    and its rows the upload body's documentation (../report.schemas.ts); run `npm run openapi`.
 * 3. One real output of it in test/fixtures/ccusage/ (its command in MANIFEST.txt) and its verdict
 *    in test/helpers/sample-verdicts.ts (ACCEPTED with its format, or REFUSED with its kind): the
 *    sample tests (test/uploads/samples.spec.ts end to end, test/unit/report-parser.spec.ts) then
 *    check every day and model of it against test/helpers/ccusage.ts's own reading of the JSON.
 */
export const REPORTS = [blocks, claudeDaily, allAgentDaily, instances, empty, weekly, monthly, session] as const;

type Stored = Extract<(typeof REPORTS)[number], ReportAdapter>;

/** The formats the server stores, as uploads record them. */
export type ReportFormat = Stored['format'];

/** The adapters of the formats the server stores, in detection order. */
export const REPORT_ADAPTERS = REPORTS.filter((report): report is Stored => 'format' in report);

/** The names of the stored formats, in detection order: the API's enum of upload formats. */
export const REPORT_FORMATS = REPORT_ADAPTERS.map((adapter) => adapter.format) as [ReportFormat, ...ReportFormat[]];

/** The report kind a document is, or undefined when it is none of them. */
export function detectReport(body: unknown): ReportAdapter | RefusedReport | undefined {
  return REPORTS.find((report) => report.detect(body));
}
