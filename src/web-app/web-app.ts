import { extname } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { API_PREFIX } from '../common/api.js';
import type { WebAsset } from './web-assets.js';

const YEAR_SECONDS = 31_536_000;

function accepts(request: FastifyRequest, encoding: string): boolean {
  const header = request.headers['accept-encoding'];
  return typeof header === 'string' && header.split(',').some((part) => part.trim().split(';')[0].trim() === encoding && !/;\s*q=0(\.0*)?\s*$/.test(part));
}

function send(request: FastifyRequest, reply: FastifyReply, asset: WebAsset): FastifyReply {
  void reply.header('ETag', asset.etag);
  // Hashed files never change under their name; everything else (index.html) is revalidated, so a
  // new deployment reaches browsers on their next visit.
  void reply.header('Cache-Control', asset.immutable ? `public, max-age=${YEAR_SECONDS}, immutable` : 'no-cache');
  if (asset.gzip) void reply.header('Vary', 'Accept-Encoding');
  const given = request.headers['if-none-match'];
  if (typeof given === 'string' && given.split(',').some((tag) => tag.trim().replace(/^W\//, '') === asset.etag)) {
    return reply.code(304).send();
  }
  void reply.type(asset.type);
  if (asset.gzip && accepts(request, 'gzip')) return reply.header('Content-Encoding', 'gzip').send(asset.gzip);
  return reply.send(asset.body);
}

/** Paths the service itself answers: a miss under them is a 404, never the app (a probe of /health/livez must fail). */
const SERVICE_PREFIXES = [`/${API_PREFIX.split('/')[0]}`, '/v1', '/health', '/metrics', '/docs'];

function isServicePath(path: string): boolean {
  return SERVICE_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}-`));
}

/**
 * Serves the dashboard from `/`: its files by exact path, and index.html for every other GET path
 * that no route matched, so deep links (/u/alice, /leaderboard?period=7d) load the app, which routes
 * them itself and shows its own 404. It answers in an onRequest hook of requests Fastify found no
 * route for (`request.is404`) rather than through a catch-all route: a wildcard would also catch what
 * the router refuses under /api (a path parameter over its length limit is a 414, not a page), and
 * every route of the API takes precedence by construction. The service's own paths and missing asset
 * files keep the API's 404.
 */
export function registerWebApp(fastify: FastifyInstance, assets: ReadonlyMap<string, WebAsset>): void {
  const index = assets.get('/index.html');
  if (!index) throw new Error('the dashboard has no index.html');
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!request.is404 || (request.method !== 'GET' && request.method !== 'HEAD')) return done();
    const path = request.url.split('?')[0];
    const asset = assets.get(path);
    if (asset) return void send(request, reply, asset);
    // A missing file (an old hashed asset after a deployment, /robots.txt) is not a page. Only the top
    // level counts: /models/gemini-2.5-pro is a page, whatever its "extension".
    const missingFile = path.startsWith('/assets/') || (path.lastIndexOf('/') === 0 && extname(path) !== '');
    if (missingFile || isServicePath(path)) return done();
    return void send(request, reply, index);
  });
}
