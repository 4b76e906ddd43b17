import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AppModule, type AppOptions } from './app.module.js';
import { registerJsonParser, registerProtobufParser } from './common/json-body.js';
import { newRequestId } from './common/logging.js';
import { ProblemFilter } from './common/problem.filter.js';
import { sendProblem, toProblem } from './common/problem.js';
import { SchemaValidationPipe } from './common/validation.pipe.js';
import type { Config, TrustProxy } from './config/config.schema.js';
import { HealthService } from './health/health.service.js';
import { registerOtlpFailureBodies } from './ingestion/otlp/otlp-failures.js';
import { MetricsService } from './metrics/metrics.service.js';
import { answerClientError } from './security/client-errors.js';
import { SECURITY_HEADERS } from './security/http-headers.js';
import { Perimeter } from './security/perimeter.js';
import { SMALL_BODY_LIMIT_BYTES } from './security/route-policy.js';
import { defaultPasswordWarning } from './security/startup-checks.js';
import { setupSwagger } from './swagger.js';
import { registerWebApp } from './web-app/web-app.js';
import { loadWebAssets, WEB_DIR } from './web-app/web-assets.js';

/**
 * How often Node looks for requests past REQUEST_TIMEOUT_MS (its default, 30 s, would let a slow
 * body run that much longer): a quarter of the timeout, between 250 ms and 5 s.
 */
function timeoutCheckInterval(requestTimeoutMs: number): number {
  return Math.min(5_000, Math.max(250, Math.floor(requestTimeoutMs / 4)));
}

/**
 * TRUST_PROXY as Fastify takes it. Fastify 5 no longer honours a hop count (a number trusts
 * nothing); a count here means what it meant before: the address `hops` proxies back from the
 * socket, whoever sent the headers. Only safe when nothing reaches the service but through them.
 */
function trustProxyOption(trust: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}

/**
 * Builds the whole application, ready to listen: the same code path for `npm start` and the tests.
 */
export async function createApp(config: Config, options: AppOptions = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    // Every route's own limit is set by the perimeter (the upload's is BODY_LIMIT_BYTES); this one
    // is for requests that match no route.
    bodyLimit: SMALL_BODY_LIMIT_BYTES,
    // A slow body is cut with a 408 once the whole request has taken REQUEST_TIMEOUT_MS; a socket
    // silent for CONNECTION_TIMEOUT_MS is closed; keep-alive outlives the usual 60 s of proxies.
    requestTimeout: config.http.requestTimeoutMs,
    connectionTimeout: config.http.connectionTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    http: { requestTimeout: config.http.requestTimeoutMs, connectionsCheckingInterval: timeoutCheckInterval(config.http.requestTimeoutMs) },
    clientErrorHandler: answerClientError,
    // Errors of Fastify's router (a bad percent-escape, an over-long path parameter) never reach
    // Nest's filter, nor the hooks that add the security headers: they get both here.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) =>
      sendProblem(reply.headers(SECURITY_HEADERS), { ...toProblem(error).problem, requestId: request.id }),
    trustProxy: trustProxyOption(config.http.trustProxy),
    // Let in-flight requests finish on shutdown but drop idle keep-alive sockets at once.
    forceCloseConnections: 'idle',
    // X-Request-Id when the caller sent a plain one, a new UUID otherwise; pino-http logs the same id.
    genReqId: (request: object) => newRequestId(request as IncomingMessage),
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, options), adapter, {
    bufferLogs: true,
    abortOnError: false,
    // JSON bodies are parsed by registerJsonParser (depth limit, byte count).
    bodyParser: false,
  });
  app.useLogger(app.get(PinoLogger));
  const warning = defaultPasswordWarning(config);
  if (warning) new Logger('Security').warn(warning);

  const fastify = app.getHttpAdapter().getInstance();
  registerJsonParser(fastify, SMALL_BODY_LIMIT_BYTES);
  registerProtobufParser(fastify, SMALL_BODY_LIMIT_BYTES);
  // The log line names the route pattern (/api/v1/users/:username), not the raw URL, and every
  // response, errors included, echoes the request id.
  fastify.addHook('onRequest', (request, reply, done) => {
    (request.raw as { routeUrl?: string; id?: string }).routeUrl = request.routeOptions.url;
    (request.raw as { id?: string }).id = request.id;
    void reply.header('X-Request-Id', request.id);
    done();
  });
  app.get(MetricsService).observeHttp(fastify);
  registerOtlpFailureBodies(fastify);
  // Liveness answered here, before the perimeter's hooks and Nest's pipeline: a kubelet asks every
  // few seconds and the answer never varies (HealthService.live). HealthController keeps the route
  // for the OpenAPI document, HEAD and the rare request this does not see; onSend hooks (headers,
  // metrics) still run.
  const live = app.get(HealthService).live();
  fastify.addHook('onRequest', (request, reply, done) => {
    if (request.method === 'GET' && request.routeOptions.url === '/health/live') {
      void reply.code(live.status).header('Cache-Control', 'no-store').send(live.body);
      return;
    }
    done();
  });
  // After the request id hook, so refused requests carry their id too.
  const perimeter = app.get(Perimeter);
  await perimeter.install(app);

  // On shutdown Node closes the sockets that are idle at that moment; a keep-alive socket whose
  // request is still running would stay open until its keep-alive timeout. Responses sent while
  // closing therefore ask the client to close the connection.
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });

  app.useGlobalPipes(new SchemaValidationPipe());
  app.useGlobalFilters(new ProblemFilter());
  app.enableShutdownHooks();
  setupSwagger(app);
  const dashboard = loadWebAssets();
  if (dashboard) registerWebApp(fastify, dashboard);
  else new Logger('Dashboard').warn(`no dashboard at ${WEB_DIR} (npm run build makes it); / answers 404`);
  await app.init();
  perimeter.assertPoliciesMatched();
  return app;
}
