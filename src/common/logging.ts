import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { Config } from '../config/config.schema.js';

export const REQUEST_ID_HEADER = 'x-request-id';

/** A caller's id is kept when it is short and plain; anything else could forge or split log lines. */
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

type RawRequest = IncomingMessage & { id?: string; routeUrl?: string };

export function newRequestId(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && ACCEPTABLE_REQUEST_ID.test(given) ? given : randomUUID();
}

const routeOf = (req: IncomingMessage) => (req as RawRequest).routeUrl ?? null;

/** The probes a kubelet (or a load balancer) asks every few seconds. */
const PROBE_PATHS = new Set(['/health/live', '/health/ready']);
const isProbe = (req: IncomingMessage) => PROBE_PATHS.has((req.url ?? '').split('?', 1)[0]);

/** The longest log line written, in characters; longer lines are cut to their essentials. */
export const MAX_LOG_LINE = 8_192;
/** The longest message, error message or value kept in a cut line or a logged error. */
const MAX_LOGGED_TEXT = 1_000;

const clip = (text: string, max = MAX_LOGGED_TEXT) => (text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text);

/**
 * pino's last step before a line is written: a line longer than MAX_LOG_LINE (an error that
 * carried a request's data, a huge URL) keeps its level, time, request id and the start of its
 * message, and says how long it was. Log storage and the people reading it are not flooded, and a
 * client's data does not end up in the logs whole.
 */
export function capLogLine(line: string): string {
  if (line.length <= MAX_LOG_LINE) return line;
  let entry: Record<string, unknown> = {};
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    // not JSON (pretty printing): keep the start of the text
  }
  const req = entry.req as { id?: unknown } | undefined;
  const kept = {
    level: entry.level,
    time: entry.time,
    pid: entry.pid,
    hostname: entry.hostname,
    context: entry.context,
    requestId: entry.requestId ?? req?.id,
    msg: clip(typeof entry.msg === 'string' ? entry.msg : line, MAX_LOGGED_TEXT),
    truncated: true,
    originalLength: line.length,
  };
  return `${JSON.stringify(kept)}\n`;
}

/**
 * What the log keeps of an unexpected error: its type, PostgreSQL's SQLSTATE when it has one, a
 * clipped message without the statement's parameters (Drizzle puts them in its message; they are
 * the client's data), and the stack frames.
 */
export function errorForLog(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error, message: clip(String(error)) };
  const cause = (error as { cause?: unknown }).cause;
  const source = cause instanceof Error && typeof (cause as { code?: unknown }).code === 'string' ? cause : error;
  const sqlState = (source as { code?: unknown }).code;
  const withoutParams = (text: string) => text.split(/\n\s*params:/)[0];
  return {
    type: error.name,
    ...(typeof sqlState === 'string' ? { code: sqlState } : {}),
    message: clip(withoutParams(error.message)),
    ...(source !== error ? { cause: clip(withoutParams(source.message)) } : {}),
    stack: (error.stack ?? '')
      .split('\n')
      .filter((l) => l.trimStart().startsWith('at '))
      .slice(0, 15)
      .map((l) => clip(l.trim(), 300)),
  };
}

/**
 * nestjs-pino settings: one JSON line per request (method, route, status, duration, request id),
 * pretty-printed in development. `stream` lets tests read the lines.
 */
export function loggerParams(config: Config, stream?: DestinationStream): Params {
  const pretty = config.nodeEnv === 'development' && !stream;
  const options = {
    level: config.logLevel,
    // Fastify has given the request its id already (see newRequestId); this is only a fallback.
    genReqId: newRequestId,
    customSuccessObject: (req: IncomingMessage, _res: ServerResponse, value: object) => ({ ...value, route: routeOf(req) }),
    customErrorObject: (req: IncomingMessage, _res: ServerResponse, _error: Error, value: object) => ({ ...value, route: routeOf(req) }),
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    // A successful probe is not worth a line per kubelet tick (and its log write is most of its cost);
    // a failing one always is.
    customLogLevel: (req: IncomingMessage, res: ServerResponse, error?: Error) =>
      !config.logProbes && !error && res.statusCode < 400 && isProbe(req) ? ('silent' as const) : ('info' as const),
    customSuccessMessage: (req: IncomingMessage, res: ServerResponse, responseTime: number) =>
      `${req.method} ${routeOf(req) ?? req.url} ${res.statusCode} ${responseTime}ms`,
    customErrorMessage: (req: IncomingMessage, res: ServerResponse) => `${req.method} ${routeOf(req) ?? req.url} ${res.statusCode}`,
    redact: ['req.headers.authorization', 'req.headers.cookie'],
    hooks: { streamWrite: capLogLine },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:standard' } } } : {}),
  };
  return {
    pinoHttp: stream ? [options, stream] : options,
    // On Fastify the middleware must be bound to every path explicitly or no request is logged.
    forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
  };
}
