import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Short-lived HTTP caching for answers that many clients poll (leaderboards, summaries): a strong
 * ETag over the body and `Cache-Control` with a short max-age (private when reads need a token).
 * Returns true when the client's copy is current; the caller then answers 304 with no body.
 */
export function notModified(request: FastifyRequest, reply: FastifyReply, body: unknown, maxAgeSeconds: number, isPrivate: boolean): boolean {
  const etag = `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 27)}"`;
  void reply.header('ETag', etag);
  void reply.header('Cache-Control', `${isPrivate ? 'private' : 'public'}, max-age=${maxAgeSeconds}`);
  // Always: a shared cache must not hand an anonymous answer to a caller with a token, nor the reverse.
  void reply.header('Vary', 'Authorization');
  const given = request.headers['if-none-match'];
  if (!given) return false;
  const tags = given.split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (tags.includes(etag) || tags.includes('*')) {
    void reply.status(304);
    return true;
  }
  return false;
}
