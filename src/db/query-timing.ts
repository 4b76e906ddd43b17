import { performance } from 'node:perf_hooks';

/** Told about every statement a driver ran: its text, how long it took, and whether it failed. */
export type QueryObserver = (text: string, ms: number, outcome: 'ok' | 'error') => void;

export type QueryFn = (...args: unknown[]) => unknown;

/** A driver client whose query() can be wrapped. */
export interface Queryable {
  query: QueryFn;
}

/**
 * Wraps a driver's query(), timed from the call to its result: promise calls (Drizzle) and
 * callback calls (pg-pool's own pool.query() calls client.query with a callback) alike.
 */
export function timed(original: QueryFn, observe: QueryObserver): QueryFn {
  return function (this: unknown, ...args: unknown[]) {
    const started = performance.now();
    const first = args[0];
    const text = typeof first === 'string' ? first : ((first as { text?: string } | undefined)?.text ?? '');
    const done = (outcome: 'ok' | 'error') => observe(text, performance.now() - started, outcome);
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = (error: unknown, ...rest: unknown[]) => {
        done(error ? 'error' : 'ok');
        return (callback as (...a: unknown[]) => unknown)(error, ...rest);
      };
    }
    const result = original.apply(this, args);
    if (result instanceof Promise) {
      result.then(
        () => done('ok'),
        () => done('error'),
      );
    }
    return result;
  };
}
