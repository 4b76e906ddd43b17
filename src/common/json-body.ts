import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError, ErrorCode } from './errors.js';

export const MAX_JSON_DEPTH = 64;

/**
 * One pass over a JSON text, outside strings, without parsing it: the deepest nesting of arrays
 * and objects, and the values JSON.parse would build (containers plus commas). It stops as soon as
 * either passes its limit, so a body of a million `[` cannot exhaust the stack of JSON.parse and a
 * body of a million `{}` is refused before it is built.
 */
export function scanJson(text: string, limits: { maxDepth: number; maxValues?: number }): { depth: number; values: number } {
  const maxValues = limits.maxValues ?? Infinity;
  let depth = 0;
  let max = 0;
  let values = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) max = depth;
      if (max > limits.maxDepth || ++values > maxValues) break;
    } else if (c === 0x5d || c === 0x7d) depth--;
    else if (c === 0x2c && ++values > maxValues) break;
  }
  return { depth: max, values };
}

/** The deepest nesting in a JSON text (scanJson), counting stopped once past `limit`. */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  return scanJson(text, { maxDepth: limit }).depth;
}

/**
 * JSON bodies, the only kind accepted: size-limited by Fastify (413), refused when empty or nested deeper than
 * MAX_JSON_DEPTH, parsed with JSON.parse. The byte size is kept for the uploads table.
 */
export function registerJsonParser(fastify: FastifyInstance, bodyLimit: number): void {
  // Fastify also parses text/plain by default; every endpoint here takes JSON, so anything else is 415.
  fastify.removeContentTypeParser('text/plain');
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (request, body: Buffer | string, done) => {
    const buffer = Buffer.isBuffer(body) ? body : Buffer.from(body);
    (request.raw as { bodyBytes?: number }).bodyBytes = buffer.length;
    if (takesRawBody(request)) return done(null, buffer);
    const text = buffer.toString('utf8');
    if (text.trim() === '') return done(new DomainError(ErrorCode.MalformedBody, 'The body is empty; send the JSON that ccusage printed.'), undefined);
    if (jsonDepth(text) > MAX_JSON_DEPTH) {
      return done(new DomainError(ErrorCode.MalformedBody, `The JSON is nested deeper than ${MAX_JSON_DEPTH} levels.`), undefined);
    }
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(new DomainError(ErrorCode.MalformedBody, `The body is not valid JSON: ${(error as Error).message}`), undefined);
    }
  });
}

/**
 * Routes marked `@RouteConfig({ rawBody: true })` (the OTLP receiver) get their body as the bytes
 * received, JSON or protobuf, compressed or not: they decode it themselves (src/ingestion/otlp).
 */
function takesRawBody(request: FastifyRequest): boolean {
  return (request.routeOptions.config as { rawBody?: unknown } | undefined)?.rawBody === true;
}

/** Protobuf bodies, only for raw-body routes; anywhere else they are 415 like every other non-JSON body. */
export function registerProtobufParser(fastify: FastifyInstance, bodyLimit: number): void {
  fastify.addContentTypeParser(['application/x-protobuf', 'application/protobuf'], { parseAs: 'buffer', bodyLimit }, (request, body: Buffer | string, done) => {
    if (!takesRawBody(request)) return done(new DomainError(ErrorCode.UnsupportedMediaType, 'This endpoint takes JSON.'), undefined);
    const buffer = Buffer.isBuffer(body) ? body : Buffer.from(body);
    (request.raw as { bodyBytes?: number }).bodyBytes = buffer.length;
    done(null, buffer);
  });
}

export function bodyBytesOf(raw: unknown): number {
  return (raw as { bodyBytes?: number }).bodyBytes ?? 0;
}
