import { errorMessage } from './errors.js';
import type { FlowableSink, Payload, Subscription } from './rsocket-lib.js';

export interface PublishOptions {
  /** Encodes one item as payload data; throws on an item that does not fit. */
  readonly encode: (item: unknown) => Buffer | string;
  /** Resolves when the socket can take more bytes (TCP back-pressure under request-n). */
  readonly drained: () => Promise<void>;
  readonly congested: () => boolean;
  /** Called once, when the stream ended in any way. */
  readonly onEnd: () => void;
}

/**
 * The provider side of request-stream: pulls items from the method's `AsyncIterable` only while
 * the requester has demand (request-n), so a producer written as an async generator is paused at
 * its `yield` when the consumer is slow, and its `finally` runs when the consumer cancels (the
 * iterator's `return()` is called). A method that is not a stream method answers a request-stream
 * with its one result.
 */
export class StreamPublisher implements Subscription {
  private demand = 0;
  private cancelled = false;
  private wake: (() => void) | undefined;

  constructor(private readonly sink: FlowableSink<Payload>, private readonly options: PublishOptions) {}

  request(n: number): void {
    this.demand = Math.min(Number.MAX_SAFE_INTEGER, this.demand + n);
    this.poke();
  }

  cancel(): void {
    this.cancelled = true;
    this.poke();
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private waitForDemand(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  /** Runs the stream to its end; never rejects. */
  async run(result: Promise<unknown>, single: boolean): Promise<void> {
    let iterator: AsyncIterator<unknown> | undefined;
    /** The producer ran to its end (or threw): nothing to release. */
    let finished = false;
    try {
      const value = await result;
      if (single) {
        finished = true;
        while (this.demand === 0 && !this.cancelled) await this.waitForDemand();
        if (!this.cancelled) this.sink.onNext({ data: this.options.encode(value), metadata: null });
        if (!this.cancelled) this.sink.onComplete();
        return;
      }
      if (typeof (value as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator] !== 'function') {
        finished = true;
        throw new TypeError('a stream method must return an AsyncIterable (an async generator, say)');
      }
      iterator = (value as AsyncIterable<unknown>)[Symbol.asyncIterator]();
      for (;;) {
        while (this.demand === 0 && !this.cancelled) await this.waitForDemand();
        if (this.cancelled) break;
        if (this.options.congested()) await this.options.drained();
        let next: IteratorResult<unknown>;
        try {
          next = await iterator.next();
        } catch (err) {
          finished = true;
          throw err;
        }
        if (this.cancelled) break;
        if (next.done) {
          finished = true;
          this.sink.onComplete();
          break;
        }
        this.demand--;
        this.sink.onNext({ data: this.options.encode(next.value), metadata: null });
      }
    } catch (err) {
      if (!this.cancelled) this.sink.onError(new Error(errorMessage(err)));
    } finally {
      // Cancelled or failed mid-way: let the producer run its `finally` and release what it holds.
      if (!finished && iterator?.return) await Promise.resolve(iterator.return()).catch(() => {});
      this.options.onEnd();
    }
  }
}
