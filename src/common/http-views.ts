import {
  applyDecorators,
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
  SetMetadata,
  StreamableFile,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiNotModifiedResponse, ApiProduces } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, type Observable } from 'rxjs';
import { CONFIG } from '../config/config.module.js';
import type { Config } from '../config/config.schema.js';
import { type CsvValue, csvFile, wantsCsv } from './csv.js';
import { notModified } from './http-cache.js';

/**
 * The two ways a read answer is presented besides plain JSON, declared on the route and applied
 * by one interceptor, so that controllers only validate, call a service and return its result:
 *
 * - `@CsvView(view)`: with `?format=csv` or `Accept: text/csv` the result is written as CSV from
 *   the view's declared columns (one line per row the view lists).
 * - `@HttpCached()`: JSON answers get a strong ETag, `Cache-Control` and 304 for a matching
 *   `If-None-Match` (private when reads need a token).
 */

/** One CSV column: its header and how a row gives its cell. */
export interface CsvColumn<Row> {
  header: string;
  value: (row: Row) => CsvValue;
}

export interface CsvView<Body, Row> {
  filename: (body: Body) => string;
  rows: (body: Body) => Iterable<Row> | AsyncIterable<Row>;
  columns: ReadonlyArray<CsvColumn<Row>>;
}

/** The query as sent (it passed validation), for views whose columns depend on it. */
export type RawQuery = Record<string, string | string[] | undefined>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a view of any body and row: the route's own types meet only at run time
type AnyView = CsvView<any, any>;
type ViewChoice = AnyView | ((query: RawQuery) => AnyView);

const CSV_VIEW = Symbol('csv-view');
const HTTP_CACHED = Symbol('http-cached');

/** A CSV of `rows` under the view's columns, streamed: rows may be an async generator. */
export function csvOf<Row>(filename: string, columns: ReadonlyArray<CsvColumn<Row>>, rows: Iterable<Row> | AsyncIterable<Row>): StreamableFile {
  async function* lines() {
    for await (const row of rows) yield columns.map((c) => c.value(row));
  }
  return csvFile(
    filename,
    columns.map((c) => c.header),
    lines(),
  );
}

/** The route also answers CSV, written from `view`. */
export function CsvView(view: ViewChoice): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(CSV_VIEW, view), ApiProduces('application/json', 'text/csv'));
}

/** The route's JSON answers carry an ETag and a short Cache-Control, and a match is a 304. */
export function HttpCached(): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(HTTP_CACHED, true), ApiNotModifiedResponse({ description: 'If-None-Match matched the current ETag.' }));
}

/** How long a client may reuse a cached read. */
export const CACHE_SECONDS = 30;

@Injectable()
export class HttpViewsInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const targets = [context.getHandler(), context.getClass()];
    const view = this.reflector.getAllAndOverride<ViewChoice | undefined>(CSV_VIEW, targets);
    const cached = this.reflector.getAllAndOverride<boolean | undefined>(HTTP_CACHED, targets);
    if (!view && !cached) return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const query = (request.query ?? {}) as RawQuery;
    const format = typeof query.format === 'string' ? query.format : undefined;
    if (view && wantsCsv(request, format)) {
      const chosen = typeof view === 'function' ? view(query) : view;
      return next
        .handle()
        .pipe(map((body: unknown) => (body instanceof StreamableFile ? body : csvOf(chosen.filename(body), chosen.columns, chosen.rows(body)))));
    }
    if (!cached) return next.handle();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return (
      next
        .handle()
        // What a reader sees depends on who asks (docs/privacy.md): an answer to a request with a token
        // is private to it; anonymous answers are the same for every anonymous caller.
        .pipe(
          map((body: unknown) =>
            notModified(request, reply, body, CACHE_SECONDS, this.config.readAccess === 'token' || !!request.headers.authorization) ? undefined : body,
          ),
        )
    );
  }
}

/** Columns read straight off the row's fields, header = field name; or written out where they differ. */
export function columns<Row>(...spec: Array<(keyof Row & string) | CsvColumn<Row>>): Array<CsvColumn<Row>> {
  return spec.map((c) => (typeof c === 'string' ? { header: c, value: (row: Row) => row[c] as CsvValue } : c));
}

/** The token fields every usage row carries, in the order every CSV lists them. */
export const TOKEN_FIELDS = ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens', 'totalTokens'] as const;
