import { gunzipSync } from 'node:zlib';
import protojson from 'protobufjs/ext/protojson.js';
import protobuf from 'protobufjs/light.js';
import { scanJson } from '../../common/json-body.js';
import { isPrintable } from '../../common/text.js';
import { OtlpDecodeError } from './otlp-decode.error.js';
import { DEFAULT_OTLP_LIMITS, type OtlpLimits } from './otlp-limits.js';
import { LogsRequestType, MetricsRequestType, PLAIN_OBJECT } from './otlp-proto.js';
import { type WireLogsRequest, type WireMetricsRequest } from './otlp.types.js';

/**
 * OTLP/HTTP request bodies → the decoded request (otlp.types.ts, `Wire*`), for `POST /v1/metrics` and
 * `POST /v1/logs`: binary protobuf (`application/x-protobuf`) or the OTLP JSON mapping
 * (`application/json`), either one gzipped (`Content-Encoding: gzip`). Every step is bounded before it
 * allocates (OtlpLimits); anything wrong with the body as a whole throws OtlpDecodeError and nothing
 * else. Pure and synchronous: no I/O, no clock. docs/otlp.md, "Decoding".
 */

export type OtlpSignal = 'metrics' | 'logs';
export type OtlpEncoding = 'protobuf' | 'json';

/** A request body as the route received it, with the two headers that say how to read it. */
export interface OtlpBody {
  body: Uint8Array;
  contentType: string | undefined;
  contentEncoding?: string | undefined;
}

export interface DecodedRequest<R> {
  request: R;
  encoding: OtlpEncoding;
  /** Bytes after inflation (the body's own size when it was not compressed). */
  bytes: number;
}

const TYPES = { metrics: MetricsRequestType, logs: LogsRequestType } as const;
const MESSAGE = { metrics: 'ExportMetricsServiceRequest', logs: 'ExportLogsServiceRequest' } as const;

export function decodeMetricsRequest(input: OtlpBody, limits: OtlpLimits = DEFAULT_OTLP_LIMITS): DecodedRequest<WireMetricsRequest> {
  return decodeRequest('metrics', input, limits) as DecodedRequest<WireMetricsRequest>;
}

export function decodeLogsRequest(input: OtlpBody, limits: OtlpLimits = DEFAULT_OTLP_LIMITS): DecodedRequest<WireLogsRequest> {
  return decodeRequest('logs', input, limits) as DecodedRequest<WireLogsRequest>;
}

/** Media type → encoding; the spec's two, and `application/protobuf` as some senders write it. */
export function encodingOf(contentType: string | undefined): OtlpEncoding {
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (mediaType === 'application/x-protobuf' || mediaType === 'application/protobuf') return 'protobuf';
  if (mediaType === 'application/json') return 'json';
  throw new OtlpDecodeError('unsupported-media-type', 'OTLP/HTTP bodies are application/x-protobuf or application/json.');
}

/**
 * The body as sent, inflated when `Content-Encoding: gzip`. Both sizes are held to `maxBytes`: zlib
 * stops at the cap (`maxOutputLength`), so a bomb costs at most that much memory, never its full size.
 */
export function inflateBody(body: Uint8Array, contentEncoding: string | undefined, maxBytes: number): Uint8Array {
  if (body.length > maxBytes) throw tooLarge(maxBytes);
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return body;
  if (encoding !== 'gzip' && encoding !== 'x-gzip') throw new OtlpDecodeError('unsupported-encoding', 'Content-Encoding must be gzip or none.');
  try {
    return gunzipSync(body, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(maxBytes);
    throw new OtlpDecodeError('malformed', 'The body is not valid gzip.');
  }
}

export function decodeRequest(
  signal: OtlpSignal,
  input: OtlpBody,
  limits: OtlpLimits = DEFAULT_OTLP_LIMITS,
): DecodedRequest<WireMetricsRequest | WireLogsRequest> {
  const encoding = encodingOf(input.contentType);
  const bytes = inflateBody(input.body, input.contentEncoding, limits.maxBodyBytes);
  const request = encoding === 'protobuf' ? decodeProtobuf(signal, bytes, limits) : decodeJsonText(signal, bytes, limits);
  return { request, encoding, bytes: bytes.length };
}

// ---------------------------------------------------------------------------------------------------
// Protobuf

/** A binary ExportMetricsServiceRequest or ExportLogsServiceRequest, scanned for size, then decoded by protobufjs. */
export function decodeProtobuf(signal: OtlpSignal, bytes: Uint8Array, limits: OtlpLimits = DEFAULT_OTLP_LIMITS): WireMetricsRequest | WireLogsRequest {
  const type = TYPES[signal];
  return guarded(`The body is not a valid protobuf ${MESSAGE[signal]}`, () => {
    scanProtobuf(type, bytes, limits);
    return type.toObject(type.decode(bytes), PLAIN_OBJECT);
  });
}

/**
 * Walks the wire format once with the schema, without building anything, and counts the values that
 * decoding would create (every field; a packed array by its elements) and how deep messages nest.
 * protobufjs itself would build a million objects out of 2 MB of empty points (about 130 MB of heap)
 * before anything could count them; this refuses such a body first. The loop always advances: each
 * turn reads a tag, and lengths are checked against the enclosing message's end.
 */
export function scanProtobuf(type: protobuf.Type, bytes: Uint8Array, limits: OtlpLimits): number {
  const reader = protobuf.Reader.create(bytes);
  const budget = { left: limits.maxValues };
  scanMessage(type, reader, bytes.length, 1, budget, limits);
  return limits.maxValues - budget.left;
}

function scanMessage(type: protobuf.Type, reader: protobuf.Reader, end: number, depth: number, budget: { left: number }, limits: OtlpLimits): void {
  if (depth > limits.maxMessageDepth) throw new OtlpDecodeError('malformed', `The message is nested deeper than ${limits.maxMessageDepth} levels.`);
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wireType = tag & 7;
    if (tag >>> 3 === 0) throw new OtlpDecodeError('malformed', 'The body is not a valid protobuf message (field number 0).');
    const field = type.fieldsById[tag >>> 3] as protobuf.Field | undefined;
    if (field && wireType === 2) {
      const length = reader.uint32();
      const fieldEnd = reader.pos + length;
      if (fieldEnd > end) throw new OtlpDecodeError('malformed', 'The body is not a valid protobuf message (a length runs past its end).');
      if (field.resolvedType instanceof protobuf.Type) {
        spend(budget, 1, limits);
        scanMessage(field.resolvedType, reader, fieldEnd, depth + 1, budget, limits);
      } else {
        // A string, bytes, or a packed array of numbers: at least 1, 4 or 8 bytes an element.
        const wire = protobuf.types.packed[field.type as keyof typeof protobuf.types.packed] as number | undefined;
        spend(budget, field.repeated && (wire !== undefined || field.resolvedType) ? Math.ceil(length / (wire === 1 ? 8 : wire === 5 ? 4 : 1)) : 1, limits);
      }
      reader.pos = fieldEnd;
    } else {
      if (field) spend(budget, 1, limits);
      reader.skipType(wireType);
    }
    if (reader.pos > end) throw new OtlpDecodeError('malformed', 'The body is not a valid protobuf message (a field runs past its end).');
  }
}

function spend(budget: { left: number }, n: number, limits: OtlpLimits): void {
  budget.left -= n;
  if (budget.left < 0) throw tooManyValues(limits);
}

// ---------------------------------------------------------------------------------------------------
// JSON

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** OTLP JSON as text: UTF-8, scanned for depth and size, then JSON.parse and the OTLP JSON mapping. */
export function decodeJsonText(signal: OtlpSignal, bytes: Uint8Array, limits: OtlpLimits = DEFAULT_OTLP_LIMITS): WireMetricsRequest | WireLogsRequest {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new OtlpDecodeError('malformed', 'The body is not valid UTF-8.');
  }
  if (text.trim() === '') throw new OtlpDecodeError('malformed', `The body is empty; send an OTLP ${MESSAGE[signal]} as JSON.`);
  scanJsonText(text, limits);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new OtlpDecodeError('malformed', `The body is not valid JSON: ${safeMessage(error)}`);
  }
  return decodeJsonValue(signal, value, limits);
}

/**
 * An already-parsed OTLP JSON body (the route may have had Fastify's JSON parser read it, which bounds
 * depth and size itself): the OTLP JSON mapping through protobufjs's ProtoJSON reader, which refuses
 * wrong types (a string where a number belongs, an integer out of range) and ignores unknown fields.
 * Its values are counted first, like a protobuf body's.
 */
export function decodeJsonValue(signal: OtlpSignal, value: unknown, limits: OtlpLimits = DEFAULT_OTLP_LIMITS): WireMetricsRequest | WireLogsRequest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new OtlpDecodeError('malformed', `The body must be a JSON object (an OTLP ${MESSAGE[signal]}).`);
  }
  countJsonValues(value, limits);
  const type = TYPES[signal];
  return guarded(`The body is not a valid OTLP JSON ${MESSAGE[signal]}`, () =>
    type.toObject(protojson.fromJson(type, value, { ignoreUnknownFields: true }), PLAIN_OBJECT),
  );
}

/**
 * Nesting and the count of values JSON.parse would build, from one pass over the text (scanJson,
 * shared with the service's JSON parser), refused before anything is parsed.
 */
export function scanJsonText(text: string, limits: OtlpLimits): number {
  const { depth, values } = scanJson(text, { maxDepth: limits.maxJsonDepth, maxValues: limits.maxValues });
  if (depth > limits.maxJsonDepth) throw new OtlpDecodeError('malformed', `The JSON is nested deeper than ${limits.maxJsonDepth} levels.`);
  if (values > limits.maxValues) throw tooManyValues(limits);
  return values;
}

/** The same count over a parsed value (containers and their members), iteratively, stopping at the bound. */
export function countJsonValues(value: object, limits: OtlpLimits): number {
  let values = 0;
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth > limits.maxJsonDepth) throw new OtlpDecodeError('malformed', `The JSON is nested deeper than ${limits.maxJsonDepth} levels.`);
    const members = Array.isArray(next.value) ? (next.value as unknown[]) : Object.values(next.value);
    values += 1 + members.length;
    if (values > limits.maxValues) throw tooManyValues(limits);
    for (const member of members) if (typeof member === 'object' && member !== null) stack.push({ value: member, depth: next.depth + 1 });
  }
  return values;
}

// ---------------------------------------------------------------------------------------------------

/** Runs a protobufjs step; whatever it throws becomes a 400 with a short, printable cut of its message. */
function guarded<T>(what: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof OtlpDecodeError) throw error;
    throw new OtlpDecodeError('malformed', `${what}: ${safeMessage(error)}`);
  }
}

const MAX_MESSAGE = 200;

/** A library's error message, cut and with anything unprintable replaced, to quote back to the sender. */
export function safeMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : 'unknown error';
  const cut = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message;
  return Array.from(cut, (ch) => (isPrintable(ch) || ch === ' ' ? ch : '?')).join('');
}

function tooLarge(maxBytes: number): OtlpDecodeError {
  return new OtlpDecodeError('too-large', `The body is larger than ${maxBytes} bytes (after gzip is inflated); send smaller batches.`);
}

function tooManyValues(limits: OtlpLimits): OtlpDecodeError {
  return new OtlpDecodeError('too-large', `The request holds more than ${limits.maxValues} values; send smaller batches.`);
}
