import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppOptions } from './app.module.js';
import { registerJsonParser } from './common/json-body.js';
import { newRequestId } from './common/logging.js';
import { ProblemFilter } from './common/problem.filter.js';
import { SchemaValidationPipe } from './common/validation.pipe.js';
import type { Config } from './config/config.schema.js';
import { MetricsService } from './metrics/metrics.service.js';
import { setupSwagger } from './swagger.js';

/**
 * Builds the whole application, ready to listen: the same code path for `npm start` and the tests.
 */
export async function createApp(config: Config, options: AppOptions = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    // Let in-flight requests finish on shutdown but drop idle keep-alive sockets at once.
    forceCloseConnections: 'idle',
    // X-Request-Id when the caller sent a plain one, a new UUID otherwise; pino-http logs the same id.
    genReqId: newRequestId,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, options), adapter, {
    bufferLogs: true,
    abortOnError: false,
    // JSON bodies are parsed by registerJsonParser (depth limit, byte count).
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));

  const fastify = app.getHttpAdapter().getInstance();
  registerJsonParser(fastify, config.bodyLimitBytes);
  // The log line names the route pattern (/api/v1/users/:username), not the raw URL, and every
  // response, errors included, echoes the request id.
  fastify.addHook('onRequest', (request, reply, done) => {
    (request.raw as { routeUrl?: string; id?: string }).routeUrl = request.routeOptions.url;
    (request.raw as { id?: string }).id = request.id;
    void reply.header('X-Request-Id', request.id);
    done();
  });
  app.get(MetricsService).observeHttp(fastify);

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
  await app.init();
  return app;
}
