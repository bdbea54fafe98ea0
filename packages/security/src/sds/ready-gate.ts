// The `ready()` of a source that loads in the background: each wait is bounded by a timeout, a
// wait that timed out does not end the loading (a later `ready()` waits again), and `close()`
// settles whatever is pending, so no promise is left hanging and no timer keeps the process.
import type { RpcError } from '@meshlet/core';

interface Wait {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (err: RpcError) => void;
  readonly timer: NodeJS.Timeout;
}

export class ReadyGate {
  private waiting: Wait | undefined;
  private state: 'loading' | 'open' | 'closed' = 'loading';

  /**
   * `timeoutError()` builds the rejection when a wait runs out (so it can carry the latest error);
   * the first wait starts now, so `ready()` called late is still bounded from the start.
   */
  constructor(private readonly timeout: number, private readonly timeoutError: () => RpcError, private readonly closedError: () => RpcError) {
    this.wait().catch(() => undefined); // its rejection is for callers of ready(); unhandled without them
  }

  wait(): Promise<void> {
    if (this.state === 'open') return Promise.resolve();
    if (this.state === 'closed') return Promise.reject(this.closedError());
    if (!this.waiting) {
      let resolve!: () => void;
      let reject!: (err: RpcError) => void;
      const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(this.timeoutError());
      }, this.timeout);
      this.waiting = { promise, resolve, reject, timer };
    }
    return this.waiting.promise;
  }

  open(): void {
    if (this.state !== 'loading') return;
    this.state = 'open';
    this.settle((w) => w.resolve());
  }

  /** Before the first load: pending and later waits reject with `closedError()`; after it, ready stays ready. */
  close(): void {
    if (this.state !== 'loading') return;
    this.state = 'closed';
    this.settle((w) => w.reject(this.closedError()));
  }

  private settle(how: (w: Wait) => void): void {
    const w = this.waiting;
    this.waiting = undefined;
    if (!w) return;
    clearTimeout(w.timer);
    how(w);
  }
}
