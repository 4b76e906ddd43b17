/**
 * The baseline of bench/limits.mjs: bare Fastify 5 (the version the service runs on) answering
 * /health/live with a body of the same shape, and nothing else: no logging, no hooks, no headers.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
const body = { status: 'ok', info: { process: { status: 'up' } }, error: {}, details: { process: { status: 'up' } } };
app.get('/health/live', async (_request, reply) => {
  void reply.header('Cache-Control', 'no-store');
  return body;
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
