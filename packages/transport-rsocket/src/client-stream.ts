import { Code, RpcError } from '@meshlet/core';
import { errorFromFrame } from './errors.js';
import type { ReceivedPayload, Subscriber, Subscription } from './rsocket-lib.js';

export interface ClientStreamOptions {
  /** Items requested ahead of the consumer: at most this many are buffered here. */
  readonly window: number;
  /** Absolute deadline of the whole stream (`Date.now()` ms). */
  readonly deadline: number;
  readonly decode: (data: Buffer | null) => unknown;
  readonly address: string;
  readonly signal?: AbortSignal | undefined;
  /** Called once, when the stream ended in any way. */
  readonly onEnd: (stream: ClientStream) => void;
}

/**
 * The consumer side of request-stream, as an `AsyncIterable`. Back-pressure: it asks for `window`
 * items up front and asks for more (request-n) only as the consumer takes them, once half the
 * window is free, so at most `window` items are ever on the way or waiting here. `return()` (a
 * `break` out of `for await`) sends CANCEL, and so do the deadline and the call's abort signal.
 */
export class ClientStream implements AsyncIterableIterator<unknown>, Subscriber<ReceivedPayload> {
  private items: unknown[] = [];
  private head = 0;
  private subscription: Subscription | undefined;
  /** Requested but not yet received. */
  private outstanding = 0;
  private ended = false;
  private failure: RpcError | undefined;
  private waiter: { resolve(r: IteratorResult<unknown>): void; reject(e: unknown): void } | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly onAbort: (() => void) | undefined;

  constructor(private readonly options: ClientStreamOptions) {
    const ms = Math.max(0, options.deadline - Date.now());
    this.timer = setTimeout(() => this.terminate(new RpcError(Code.Timeout, `stream from ${options.address} passed its deadline (${ms} ms)`)), ms);
    if (options.signal) {
      this.onAbort = () => this.terminate(new RpcError(Code.Cancelled, 'the stream was aborted by the caller', { cause: options.signal?.reason }));
      options.signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  // --- Subscriber (called by rsocket-core) ---

  onSubscribe(subscription: Subscription): void {
    this.subscription = subscription;
    if (this.ended) {
      subscription.cancel();
      return;
    }
    this.outstanding = this.options.window;
    subscription.request(this.options.window);
  }

  onNext(payload: ReceivedPayload): void {
    if (this.ended) return;
    this.outstanding--;
    let item: unknown;
    try {
      item = this.options.decode(payload.data);
    } catch (err) {
      this.terminate(new RpcError(Code.BadResponse, `stream item from ${this.options.address}: ${(err as Error).message}`, { cause: err }));
      return;
    }
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      waiter.resolve({ value: item, done: false });
      this.replenish();
    } else {
      this.items.push(item);
    }
  }

  onComplete(): void {
    this.finish(undefined);
  }

  onError(error: Error): void {
    this.finish(errorFromFrame(error, this.options.address));
  }

  // --- AsyncIterator (called by the consumer) ---

  next(): Promise<IteratorResult<unknown>> {
    if (this.head < this.items.length) {
      const value = this.items[this.head];
      this.items[this.head++] = undefined;
      if (this.head === this.items.length) {
        this.items = [];
        this.head = 0;
      }
      this.replenish();
      return Promise.resolve({ value, done: false });
    }
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** The consumer stopped: cancel the stream; the provider stops producing. */
  return(): Promise<IteratorResult<unknown>> {
    this.terminate(undefined);
    this.items = [];
    this.head = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Ends the stream from this side: CANCEL to the provider, `error` (if any) to the consumer. */
  terminate(error: RpcError | undefined): void {
    if (this.ended) return;
    this.subscription?.cancel();
    this.finish(error);
  }

  /** Items waiting here, not yet taken by the consumer. */
  get buffered(): number {
    return this.items.length - this.head;
  }

  private replenish(): void {
    if (this.ended || this.subscription === undefined) return;
    const window = this.options.window;
    const free = window - this.outstanding - this.buffered;
    if (free >= window / 2) {
      this.outstanding += free;
      this.subscription.request(free);
    }
  }

  private finish(error: RpcError | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    clearTimeout(this.timer);
    if (this.onAbort) this.options.signal?.removeEventListener('abort', this.onAbort);
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter !== undefined) {
      if (error !== undefined) waiter.reject(error);
      else waiter.resolve({ value: undefined, done: true });
    }
    this.options.onEnd(this);
  }
}
