/**
 * The client side of bench/upload-event-loop.mjs, in a worker thread: it polls /health/live and
 * sends the upload from an event loop of its own, so that what it records is the service's
 * blocking and not its own. Times are absolute (timeOrigin + now) so the main thread can compare.
 *
 * Messages in: { type: 'start', pollMs, request?: { method, url, token, body? } }, { type: 'stop' }.
 * Messages out: { type: 'answered', response: { start, end, status, body } } when the request has
 * its answer, { type: 'stopped', answers: number[], failures } on stop.
 */
import { parentPort, workerData } from 'node:worker_threads';

const clock = () => performance.timeOrigin + performance.now();
const { baseUrl } = workerData;

let running = false;
let answers = [];
let failures = 0;
let requestPromise;
let pollPromise;

async function poll(pollMs) {
  while (running) {
    const sent = clock();
    try {
      const res = await fetch(`${baseUrl}/health/live`);
      await res.arrayBuffer();
      if (res.ok) answers.push(clock());
      else failures += 1;
    } catch {
      failures += 1;
    }
    const wait = pollMs - (clock() - sent);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}

async function send({ method, url, token, body }) {
  const start = clock();
  const headers = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${baseUrl}${url}`, { method, headers, body });
  const text = await res.text();
  return { start, end: clock(), status: res.status, body: text.length > 2000 ? `${text.slice(0, 2000)}…` : text };
}

parentPort.on('message', async (message) => {
  if (message.type === 'start') {
    running = true;
    answers = [];
    failures = 0;
    pollPromise = poll(message.pollMs);
    requestPromise = message.request ? send(message.request) : undefined;
    if (requestPromise) parentPort.postMessage({ type: 'answered', response: await requestPromise });
    return;
  }
  if (message.type === 'stop') {
    running = false;
    await pollPromise;
    parentPort.postMessage({ type: 'stopped', answers, failures });
  }
});
