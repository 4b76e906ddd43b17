/**
 * Runs tasks with the same key one after another, in arrival order; tasks with different keys run
 * side by side. Nothing is kept for a key once its last task settled, so the map holds only keys
 * with work in flight.
 */
export class KeyedQueue<K> {
  private readonly tails = new Map<K, Promise<unknown>>();

  run<T>(key: K, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with work in flight (for tests). */
  get size(): number {
    return this.tails.size;
  }
}
