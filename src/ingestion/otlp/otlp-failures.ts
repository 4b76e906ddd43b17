import type { FastifyInstance } from 'fastify';
import { encodingOf } from './otlp-decode.js';
import { failureResponse, type OtlpBodyFormat } from './otlp-response.js';

/** The receiver's routes, as Fastify registers them. */
export const OTLP_ROUTES: ReadonlySet<string> = new Set(['/v1/metrics', '/v1/logs']);

/**
 * OTLP/HTTP asks for a google.rpc.Status body on every 4xx and 5xx, in the request's encoding. The
 * service's refusals (the perimeter's 401 and 429, Fastify's 413, the filter's problem bodies) are
 * problem documents; on the receiver's routes they are rewritten here, keeping status, headers
 * (Retry-After, WWW-Authenticate) and the problem's detail as the Status message.
 */
export function registerOtlpFailureBodies(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode < 400 || !OTLP_ROUTES.has(request.routeOptions.url ?? '')) return done(null, payload);
    let message = `The request failed with status ${reply.statusCode}.`;
    try {
      const detail = (JSON.parse(String(payload)) as { detail?: unknown }).detail;
      if (typeof detail === 'string') message = detail;
    } catch {
      // not a problem body: the generic message stays
    }
    let format: OtlpBodyFormat = 'json';
    try {
      format = encodingOf(request.headers['content-type']);
    } catch {
      // an unsupported media type is answered in JSON
    }
    void reply.header('content-type', format === 'protobuf' ? 'application/x-protobuf' : 'application/json');
    done(null, failureResponse(format, message));
  });
}
