import { Readable } from 'node:stream';
import { StreamableFile } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

export type CsvValue = string | number | boolean | null | undefined;

/** A decimal number written as text (costs are decimal strings): data, not a formula. */
const NUMBER_TEXT = /^-?\d+(\.\d+)?$/;

/**
 * A text cell that a spreadsheet would run as a formula (it starts with =, +, -, @, tab or CR;
 * OWASP's list) gets a leading apostrophe, so a model named `=HYPERLINK(…)` stays text. Numbers,
 * and decimal strings, are left as they are.
 */
export function neutralizeFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) && !NUMBER_TEXT.test(text) ? `'${text}` : text;
}

/** One field, RFC 4180: quoted when it holds a comma, quote, CR or LF; quotes doubled. */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? neutralizeFormula(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(values: CsvValue[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** `?format=csv`, or an Accept header that asks for text/csv. */
export function wantsCsv(request: FastifyRequest, format: string | undefined): boolean {
  if (format) return format === 'csv';
  return /\btext\/csv\b/i.test(request.headers.accept ?? '');
}

/**
 * A CSV download streamed row by row: `rows` may be an async generator that reads the database a
 * page at a time, so an export never sits in memory whole.
 */
export function csvFile(filename: string, header: string[], rows: Iterable<CsvValue[]> | AsyncIterable<CsvValue[]>): StreamableFile {
  async function* lines() {
    yield csvLine(header);
    for await (const row of rows) yield csvLine(row);
  }
  return new StreamableFile(Readable.from(lines()), {
    type: 'text/csv; charset=utf-8',
    disposition: `attachment; filename="${filename}"`,
  });
}
