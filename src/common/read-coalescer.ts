import { Global, Inject, Injectable, Module } from '@nestjs/common';
import { CONFIG } from '../config/config.module.js';
import type { Config } from '../config/config.schema.js';

/**
 * Request coalescing for the answers every caller shares (leaderboards, summary, models): a request
 * that arrives while an identical one is being computed waits for that computation instead of
 * starting its own. Nothing is kept once the computation settles, so no answer is older than the
 * request it serves plus the time the query takes; there is no TTL and nothing to expire.
 *
 * A write in this process (an upload, a deletion, retention) bumps the generation, so reads that
 * arrive after it never join a computation that started before it. Writes in other replicas are
 * seen by the next computation, as with any read. COALESCE_READS=false turns this off.
 */
@Injectable()
export class ReadCoalescer {
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private generation = 0;

  constructor(@Inject(CONFIG) private readonly config: Config) {}

  /** Data changed here: later reads start fresh computations. */
  invalidate(): void {
    this.generation += 1;
  }

  run<T>(key: string, compute: () => Promise<T>): Promise<T> {
    if (!this.config.coalesceReads) return compute();
    const slot = `${this.generation}|${key}`;
    const running = this.inFlight.get(slot);
    if (running) return running as Promise<T>;
    const promise = compute().finally(() => this.inFlight.delete(slot));
    this.inFlight.set(slot, promise);
    return promise;
  }
}

@Global()
@Module({ providers: [ReadCoalescer], exports: [ReadCoalescer] })
export class ReadCoalescerModule {}
