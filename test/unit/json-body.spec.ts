import Fastify, { type FastifyInstance } from 'fastify';
import { DomainError, ErrorCode } from '../../src/common/errors.js';
import { bodyBytesOf, jsonDepth, MAX_JSON_DEPTH, registerJsonParser } from '../../src/common/json-body.js';

/**
 * The JSON body rules: nesting counted without parsing, and the parser Fastify gets. The parser is
 * tried on a bare Fastify instance with one route (no Nest app, no database), so what it refuses is
 * seen as the DomainError it hands Fastify.
 */

describe('jsonDepth', () => {
  it.each([
    ['', 0],
    ['42', 0],
    ['{}', 1],
    ['[]', 1],
    ['[[]]', 2],
    ['{"a":[{"b":1}]}', 3],
    ['[1,[2],[3,[4]]]', 3], // the deepest branch counts, not the number of brackets
    ['[[],[],[],[]]', 2],
    ['"[[[{{{"', 0], // brackets inside a string are text
    ['{"k":"}}}]]]","v":[[1]]}', 3], // closers inside a string do not lower the count
    ['["\\"[[["]', 1], // an escaped quote does not end the string
    ['["\\\\",[[1]]]', 3], // an escaped backslash does: the brackets after it count
  ])('%j is %i deep', (text, depth) => {
    expect(jsonDepth(text)).toBe(depth);
  });

  it('stops counting just past the limit, so a million brackets cost nothing', () => {
    expect(jsonDepth('['.repeat(1_000_000))).toBe(MAX_JSON_DEPTH + 1);
    expect(jsonDepth('[[[[[[', 3)).toBe(4);
    expect(jsonDepth(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`)).toBe(MAX_JSON_DEPTH);
  });
});

describe('registerJsonParser', () => {
  const LIMIT = 1_000;
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    app = Fastify();
    registerJsonParser(app, LIMIT);
    app.setErrorHandler((error, _request, reply) => {
      if (error instanceof DomainError) return reply.status(400).send({ code: error.code, message: error.message });
      const status = (error as { statusCode?: number }).statusCode ?? 500;
      return reply.status(status).send({ code: (error as { code?: string }).code });
    });
    app.post('/echo', (request) => ({ body: request.body, bytes: bodyBytesOf(request.raw) }));
    // A socket, not app.inject: light-my-request require()s the ESM-only cookie package, which jest cannot load.
    url = `${await app.listen({ port: 0, host: '127.0.0.1' })}/echo`;
  });
  afterAll(() => app.close());

  const post = async (payload: string, contentType = 'application/json') => {
    const response = await fetch(url, { method: 'POST', body: payload, headers: { 'content-type': contentType } });
    return { statusCode: response.status, json: JSON.parse(await response.text()) as unknown };
  };

  it('parses JSON and keeps the size in bytes, not characters', async () => {
    const payload = '{"name":"café"}'; // 15 characters; é is 2 bytes in UTF-8
    const response = await post(payload);
    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual({ body: { name: 'café' }, bytes: 16 });
  });

  it('takes a body of exactly MAX_JSON_DEPTH levels and refuses one level more', async () => {
    const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
    expect((await post(nested(MAX_JSON_DEPTH))).statusCode).toBe(200);
    const refused = await post(nested(MAX_JSON_DEPTH + 1));
    expect(refused.json).toEqual({ code: ErrorCode.MalformedBody, message: `The JSON is nested deeper than ${MAX_JSON_DEPTH} levels.` });
  });

  it.each(['', '   ', '\n\t '])('refuses the empty body %j as empty, not as bad JSON', async (payload) => {
    const response = await post(payload);
    expect(response.json).toMatchObject({ code: ErrorCode.MalformedBody, message: expect.stringContaining('The body is empty') });
  });

  it('refuses text that is not JSON, saying so', async () => {
    const response = await post('{"daily": [1, 2,]}');
    expect(response.json).toMatchObject({ code: ErrorCode.MalformedBody, message: expect.stringMatching(/^The body is not valid JSON: /) });
  });

  it('leaves the size limit to Fastify: one byte over is 413, the limit itself is read', async () => {
    const atLimit = `"${'x'.repeat(LIMIT - 2)}"`;
    expect(Buffer.byteLength(atLimit)).toBe(LIMIT);
    expect((await post(atLimit)).json).toEqual({ body: 'x'.repeat(LIMIT - 2), bytes: LIMIT });
    const over = await post(`"${'x'.repeat(LIMIT - 1)}"`);
    expect(over.statusCode).toBe(413);
  });

  it('takes no text/plain: every endpoint reads JSON', async () => {
    expect((await post('{}', 'text/plain')).statusCode).toBe(415);
  });

  it('counts no bytes for a request that had no body', () => {
    expect(bodyBytesOf({})).toBe(0);
  });
});
