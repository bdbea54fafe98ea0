/**
 * Runs operations one at a time per key (different keys run in parallel), so a slow write for a
 * registration can never land after a later delete of it.
 */
export class Serial {
  readonly #tails = new Map<string, Promise<void>>();

  run<T>(key: string, op: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(op);
    const tail = result.then(
      () => {},
      () => {},
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }
}

/**
 * Reads of one source that never overlap: `refresh()` resolves after a read that started after the
 * call, and calls made while a read runs share the next one. A failed read goes to `onError`.
 */
export class CoalescedReads {
  readonly #read: () => Promise<void>;
  readonly #onError: (err: unknown) => void;
  #running = false;
  #next: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(read: () => Promise<void>, onError: (err: unknown) => void) {
    this.#read = read;
    this.#onError = onError;
  }

  refresh(): Promise<void> {
    if (this.#next) return this.#next.promise;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.#next = { promise, resolve };
    if (!this.#running) this.#kick();
    return promise;
  }

  #kick(): void {
    const waiting = this.#next;
    this.#next = undefined;
    this.#running = true;
    void this.#read()
      .catch(this.#onError)
      .finally(() => {
        this.#running = false;
        waiting?.resolve();
        if (this.#next) this.#kick();
      });
  }
}

/** Callers waiting for a first successful read, each released by `release()` or by its own timeout. */
export class FirstReadWaiters {
  #waiters: (() => void)[] = [];

  wait(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== done);
        resolve();
      }, timeoutMs);
      this.#waiters.push(done);
    });
  }

  release(): void {
    for (const w of this.#waiters.splice(0)) w();
  }
}
