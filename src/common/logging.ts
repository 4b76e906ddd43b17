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
        customSuccessMessage: (req: IncomingMessage, res: ServerResponse, responseTime: number) =>
          `${req.method} ${routeOf(req) ?? req.url} ${res.statusCode} ${responseTime}ms`,
        customErrorMessage: (req: IncomingMessage, res: ServerResponse) =>
          `${req.method} ${routeOf(req) ?? req.url} ${res.statusCode}`,
        redact: ['req.headers.authorization', 'req.headers.cookie'],
        ...(pretty ? { transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:standard' } } } : {}),
  };
  return {
    pinoHttp: stream ? [options, stream] : options,
    // On Fastify the middleware must be bound to every path explicitly or no request is logged.
    forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
  };
}
