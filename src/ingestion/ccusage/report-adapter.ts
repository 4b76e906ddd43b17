import type { z } from 'zod';
import { DomainError, ErrorCode, type FieldError } from '../../common/errors.js';
import type { RawDay, RowAt, RowsKey } from './day-rows.js';

/**
 * One ccusage report format the server stores: how it is recognised, validated and read into days.
 * report-parser.ts runs every adapter the same way (counts first, then a row at a time, then the
 * checks between fields, then the day slices); an adapter says only what is its own.
 */
export interface ReportAdapter<Row = unknown, Format extends string = string> {
  /** The name uploads record and the API reports. */
  readonly format: Format;
  /**
   * Whether a document (parsed JSON, not yet validated) is this format. May refuse it with a field
   * error when it is plainly this format but cannot be read (a `daily` that is not an array).
   */
  detect(body: unknown): boolean;
  /** Where its rows are: bounds over the whole report name this key. */
  readonly rowsKey: RowsKey;
  /** Every row with its path, after the counts that bound the work were checked (day-rows.ts). */
  rows(body: unknown): RowAt[];
  /** One row, validated field by field. */
  readonly rowSchema: z.ZodType<Row>;
  /**
   * The document as the upload body documents it (OpenAPI). Without one, the format's rows are
   * documented as items of the one `daily` list that the daily formats share.
   */
  readonly documentSchema?: z.ZodType;
  /** The day a valid row gives (`path` is where the row is); `report` takes errors found on the way. */
  toDay(row: Row, path: string, report: (errors: FieldError[]) => void): RawDay;
  /** What rows of the same day mean: projects of one day to be summed, or a mistake to refuse. */
  readonly repeatedDays: 'sum' | 'refuse';
  /** Warnings about what the report leaves out, from the document and its valid rows. */
  warnings(body: unknown, rows: readonly Row[]): string[];
}

/** A ccusage report of a kind the server does not store (weekly, monthly, session, blocks): refused with 422. */
export interface RefusedReport {
  /** The kind of report, as the problem names it (`reportKind`). */
  readonly refused: string;
  detect(body: unknown): boolean;
  refusal(): DomainError;
}

/** The command whose output the server stores; refusals name it. */
export const UPLOAD_COMMAND = 'npx ccusage@latest claude daily --json --offline --timezone UTC';

/** An adapter, with its format name kept as a literal type (the API's enum is made of them). */
export function reportAdapter<Row, const Format extends string>(adapter: ReportAdapter<Row, Format>): ReportAdapter<Row, Format> {
  return adapter;
}

/** A report kind refused with the command to run instead. */
export function refusedReport(kind: string, detect: (body: unknown) => boolean): RefusedReport {
  return {
    refused: kind,
    detect,
    refusal: () =>
      new DomainError(
        ErrorCode.UnprocessableReport,
        `This is a ccusage ${kind} report; the server stores daily reports. Run \`${UPLOAD_COMMAND}\` and upload its output.`,
        undefined,
        { reportKind: kind, command: UPLOAD_COMMAND },
      ),
  };
}
