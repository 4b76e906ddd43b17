import { Global, Inject, Injectable, Module } from '@nestjs/common';
import { CONFIG } from '../config/config.module.js';
import type { Config } from '../config/config.schema.js';

interface Slot {
  /** The computation under way. */
  running: Promise<unknown>;
  /** The one that starts when it ends, shared by every request that arrived meanwhile. */
  next?: Promise<unknown>;
}

/**
 * Request coalescing for the answers every caller shares (leaderboards, summary, models): requests
 * that arrive while an identical one is being computed share one computation, the next one, which
 * starts when the running one ends. They never join the running one: it may have read the
 * database before a write that finished, on this replica or any other, before they arrived, and a
 * read must reflect every upload whose response came back before it was sent. So N identical
 * concurrent requests cost two computations, not N, and every answer is fresh; nothing is kept
 * once a computation settles, so there is no TTL and nothing to expire or to tell other replicas.
 * COALESCE_READS=false turns this off.
 */
@Injectable()
export class ReadCoalescer {
  private readonly slots = new Map<string, Slot>();

  constructor(@Inject(CONFIG) private readonly config: Config) {}

  run<T>(key: string, compute: () => Promise<T>): Promise<T> {
    if (!this.config.coalesceReads) return compute();
    const slot = this.slots.get(key);
    if (!slot) return this.start(key, compute);
    slot.next ??= slot.running.then(
      () => this.start(key, compute),
      () => this.start(key, compute),
    );
    return slot.next as Promise<T>;
  }

  private start<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const slot = {} as Slot;
    this.slots.set(key, slot);
    const running = compute().finally(() => {
      // A waiting `next` replaces this slot when it starts; otherwise the key is free again.
      if (this.slots.get(key) === slot && !slot.next) this.slots.delete(key);
    });
    slot.running = running;
    return running;
  }
}

@Global()
@Module({ providers: [ReadCoalescer], exports: [ReadCoalescer] })
export class ReadCoalescerModule {}
