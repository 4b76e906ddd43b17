import { setImmediate } from 'node:timers/promises';

/** Lets other work (requests, probes, timers) run before going on. */
export function nextTurn(): Promise<void> {
  return setImmediate();
}

/**
 * For long loops on the event loop (validating a large upload): `await slice()` in each round gives
 * other requests and the probes a turn once `budgetMs` has passed since the last turn, and costs
 * nothing otherwise.
 */
export function timeSlicer(budgetMs = 10): () => Promise<void> | undefined {
  let since = performance.now();
  return () => {
    if (performance.now() - since < budgetMs) return undefined;
    return nextTurn().then(() => {
      since = performance.now();
    });
  };
}
