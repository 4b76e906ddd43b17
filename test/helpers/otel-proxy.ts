import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small HTTP proxy in front of the service, for exporter retries: it forwards every request to the
 * service and waits for its answer (so the service has stored the batch), then, as the plan says for
 * that request, passes the answer on, answers 503 with Retry-After instead (the exporter sends the
 * same batch again), or drops the connection (the exporter sees a network error).
 */

export type Verdict = 'forward' | 'retry-after' | 'drop';

export interface Exchange {
  path: string;
  /** The body as the exporter sent it (gzipped when it was). */
  body: Buffer;
  headers: IncomingHttpHeaders;
  /** What the service answered. */
  status: number;
  verdict: Verdict;
}

export interface FlakyProxy {
  /** http://127.0.0.1:<port>: the endpoint to give the exporter. */
  endpoint: string;
  exchanges: Exchange[];
  close(): Promise<void>;
}

/** `plan(index, path)`: what to do with the index-th request (0-based, all paths together). */
export async function startFlakyProxy(target: string, plan: (index: number, path: string) => Verdict, retryAfterSeconds = 1): Promise<FlakyProxy> {
  const exchanges: Exchange[] = [];
  const { hostname, port } = new URL(target);
  let next = 0;
  const server = createServer((req, res) => {
    const index = next++;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      // The exporter streams its body (chunked); the service gets it whole, with its length.
      const { 'transfer-encoding': _chunked, ...sent } = req.headers;
      const headers = { ...sent, host: `${hostname}:${port}`, 'content-length': String(body.length) };
      const upstream = httpRequest({ hostname, port, path, method: req.method, headers, agent: false }, (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => parts.push(chunk));
        answer.on('end', () => {
          const verdict = plan(index, path);
          exchanges.push({ path, body, headers: req.headers, status: answer.statusCode ?? 0, verdict });
          if (verdict === 'drop') {
            req.socket.destroy();
            return;
          }
          if (verdict === 'retry-after') {
            res.writeHead(503, { 'retry-after': String(retryAfterSeconds), 'content-type': 'application/json' });
            res.end('{"code":14,"message":"try again"}');
            return;
          }
          const passed: Record<string, string> = {};
          for (const [k, v] of Object.entries(answer.headers)) if (typeof v === 'string' && k !== 'connection' && k !== 'keep-alive') passed[k] = v;
          res.writeHead(answer.statusCode ?? 502, passed);
          res.end(Buffer.concat(parts));
        });
      });
      upstream.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    exchanges,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
