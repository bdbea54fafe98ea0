import type { ServerHttp2Stream } from 'node:http2';
import { Code, RpcError } from '@meshlet/core';
import type { MethodCodec } from './codec.js';
import type { MessageReader } from './framing.js';

/**
 * The request messages of a client or bidi stream, as the `AsyncIterable` the method takes.
 * Reading pauses while `window` decoded items wait (HTTP/2 flow control then holds the caller),
 * so a method that reads slowly never makes us buffer without bound. A malformed message ends the
 * iteration with BAD_REQUEST; the caller cancelling ends it with CANCELLED.
 */
export class InboundItems {
  private readonly items: unknown[] = [];
  private ended = false;
  private failure: RpcError | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly stream: ServerHttp2Stream,
    reader: MessageReader,
    codec: MethodCodec,
    private readonly window: number,
    what: string,
  ) {
    stream.on('data', (chunk: Buffer) => {
      if (this.ended) return;
      try {
        for (const m of reader.push(chunk)) this.items.push(codec.decodeArgs(m)[0]);
      } catch (err) {
        const e = RpcError.is(err) && err.code !== Code.Serialization ? err : new RpcError(Code.BadRequest, `cannot decode a request message of ${what}: ${(err as Error).message}`, { cause: err });
        return this.end(e);
      }
      if (this.items.length >= this.window) stream.pause();
      this.wake?.();
    });
    const cancelled = () => new RpcError(Code.Cancelled, 'the caller cancelled the stream');
    stream.on('end', () => {
      // An RST_STREAM ends the readable side too, before 'close': its code tells a cancel from
      // the caller's END_STREAM (undefined while the stream is open, 0 for NO_ERROR).
      if (stream.rstCode) return this.end(cancelled());
      this.end(reader.partial ? new RpcError(Code.BadRequest, 'the request ended inside a message') : undefined);
    });
    stream.on('close', () => this.end(cancelled()));
  }

  private end(err: RpcError | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = err;
    this.wake?.();
  }

  iterable(): AsyncIterable<unknown> {
    const it: AsyncIterator<unknown> = {
      next: async () => {
        for (;;) {
          if (this.items.length > 0) {
            const value = this.items.shift();
            if (this.items.length < this.window && !this.ended) this.stream.resume();
            return { value, done: false };
          }
          if (this.ended) {
            if (this.failure) throw this.failure;
            return { value: undefined, done: true };
          }
          await new Promise<void>((resolve) => (this.wake = resolve));
          this.wake = undefined;
        }
      },
      return: async () => {
        // The method stopped reading: drop what is left unread, keep the stream open for its answer.
        this.items.length = 0;
        this.ended = true;
        this.stream.resume();
        return { value: undefined, done: true };
      },
    };
    return { [Symbol.asyncIterator]: () => it };
  }
}
