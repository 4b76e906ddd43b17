import type { FastifyRateLimitStore } from '@fastify/rate-limit';
import type { Logger } from '@nestjs/common';
import type { RateLimitRepository } from './rate-limit.repository.js';

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/**
 * Keys known to be at or over their limit, with their count and the end of their window: the next
 * requests on such a key are answered here without a database round trip, so a flood of refused
 * requests costs no writes. Sound across replicas because a count only grows within its window.
 * Bounded: the oldest entry goes when it is full.
 */
export class OverLimitMemo {
  private readonly entries = new Map<string, { hits: number; until: number }>();

  constructor(private readonly capacity = 10_000) {}

  get(key: string): { hits: number; ttlMs: number } | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const ttlMs = entry.until - Date.now();
    if (ttlMs <= 0) {
      this.entries.delete(key);
      return undefined;
    }
    return { hits: entry.hits, ttlMs };
  }

  set(key: string, hits: number, ttlMs: number): void {
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { hits, until: Date.now() + ttlMs });
  }
}

/**
 * The store contract of @fastify/rate-limit over runtime.rate_limits, the table every replica
 * shares. `read` (used for failed authentication, which is checked before it is counted) never
 * counts. A database error is passed on; the limiter is set to let the request through then
 * (skipOnError), since the request will meet the same database anyway.
 */
export class SharedCounterStore implements FastifyRateLimitStore {
  /** While the database is down every limited request fails here: one warning per interval is enough. */
  private lastFailureLog = 0;

  constructor(
    private readonly repository: RateLimitRepository,
    private readonly memo: OverLimitMemo,
    private readonly logger: Logger,
  ) {}

  incr(key: string, callback: Callback, timeWindow: number, max: number): void {
    const known = this.memo.get(key);
    if (known && known.hits > max) return callback(null, { current: known.hits, ttl: known.ttlMs });
    this.repository.hit(key, timeWindow).then(
      ({ hits, ttlMs }) => {
        if (hits >= max) this.memo.set(key, hits, ttlMs);
        if (hits === max + 1) this.logger.warn(`rate limit reached: ${key} (${max} per ${timeWindow / 1000} s)`);
        callback(null, { current: hits, ttl: Math.max(ttlMs, 1) });
      },
      (error: unknown) => this.failed(key, error, callback),
    );
  }

  read(key: string, callback: Callback, _timeWindow: number, max: number): void {
    const known = this.memo.get(key);
    if (known && known.hits >= max) return callback(null, { current: known.hits, ttl: known.ttlMs });
    this.repository.read(key).then(
      ({ hits, ttlMs }) => {
        if (hits >= max) this.memo.set(key, hits, ttlMs);
        callback(null, { current: hits, ttl: Math.max(ttlMs, 1) });
      },
      (error: unknown) => this.failed(key, error, callback),
    );
  }

  /** Every route shares the one table; keys carry the budget's name. */
  child(): FastifyRateLimitStore {
    return this;
  }

  private failed(key: string, error: unknown, callback: Callback): void {
    if (Date.now() - this.lastFailureLog > 10_000) {
      this.lastFailureLog = Date.now();
      this.logger.warn(`rate limits not counted, the store is unavailable (${key}): ${error instanceof Error ? error.message : String(error)}`);
    }
    callback(error instanceof Error ? error : new Error(String(error)));
  }
}
