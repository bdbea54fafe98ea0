import * as http2 from 'node:http2';
import { Code, RpcError, type Invocation } from '@meshlet/core';
import type { DeadlineQueue } from '@meshlet/core/engine';
import { decodeJavaException, methodCodec, type MethodCodec } from './codec.js';
import { H } from './constants.js';
import { MessageReader, frameMessage } from './framing.js';
import { decodeRpcStatus } from './rpc-status.js';
import { GrpcStatus, MESHLET_CODE_TRAILER, decodeGrpcMessage, errorForStatus, type StatusDetail } from './status.js';

export interface ClientCallOptions {
  readonly gzip: boolean;
  readonly maxMessageSize: number;
  /** Stream items held unread before reading pauses. */
  readonly window: number;
  readonly onEnd: (call: ClientCall) => void;
  /** The session's deadlines, one timer for all (a call whose deadline breaks its order gets its own). */
  readonly deadlines: DeadlineQueue<ClientCall>;
}

/** The call a stream belongs to: the stream's listeners are shared functions, not closures per call. */
const CALL = Symbol('meshlet.tri.call');
type CallStream = http2.ClientHttp2Stream & { [CALL]: ClientCall };
function onResponse(this: CallStream, h: http2.IncomingHttpHeaders): void {
  this[CALL].onHeaders(h);
}
function onStreamData(this: CallStream, chunk: Buffer): void {
  this[CALL].onData(chunk);
}
function onStreamTrailers(this: CallStream, t: http2.IncomingHttpHeaders): void {
  this[CALL].onTrailers(t);
}
function onStreamError(this: CallStream, err: Error): void {
  // A stream still pending (no id yet: its session never connected, e.g. the provider was killed
  // and the reconnect was refused) sent nothing: UNAVAILABLE, which failover may send elsewhere
  // even for a call that is not idempotent.
  if (this.pending) this[CALL].terminate(new RpcError(Code.Unavailable, `stream not sent: ${err.message}`, { cause: err }));
  else this[CALL].terminate(new RpcError(Code.ConnectionClosed, `stream failed: ${err.message}`, { cause: err }));
}
function onStreamClose(this: CallStream): void {
  const call = this[CALL];
  if (call.done) return;
  const code = this.rstCode;
  if (code === http2.constants.NGHTTP2_REFUSED_STREAM) call.terminate(new RpcError(Code.Unavailable, 'stream refused by the provider (GOAWAY): not executed'));
  // A provider given our grpc-timeout (grpc-go) cancels the stream at that deadline; its timer and
  // ours race by a millisecond: a cancel once the deadline has passed is the deadline.
  else if (code === http2.constants.NGHTTP2_CANCEL && Date.now() >= call.deadline) call.expire();
  // Node closes the streams of a session that is gone (the provider's process killed: its socket
  // ended) with CANCEL too; that is the connection closing, not the provider cancelling.
  else if (code === http2.constants.NGHTTP2_CANCEL && (this.session === undefined || this.session.destroyed || this.session.closed)) {
    call.terminate(new RpcError(Code.ConnectionClosed, 'stream closed with its connection'));
  } else if (code === http2.constants.NGHTTP2_CANCEL) call.terminate(new RpcError(Code.Cancelled, 'stream cancelled by the provider'));
  else call.terminate(new RpcError(Code.ConnectionClosed, `stream closed without a status (RST_STREAM ${code ?? 0})`));
}

/**
 * One call on one HTTP/2 stream. Unary: resolves with the one message once the trailers say OK.
 * Stream methods: resolves, once the response headers arrive, with an AsyncIterable of the items;
 * reading pauses while `window` items wait unread, so HTTP/2 flow control holds the provider
 * (nothing buffers without bound). The deadline, the caller's AbortSignal and a `break` out of the
 * loop reset the stream (RST_STREAM CANCEL), which the provider sees as a cancellation.
 */
export class ClientCall {
  private req: http2.ClientHttp2Stream | undefined;
  private readonly codec: MethodCodec;
  private reader: MessageReader | undefined;
  private readonly items: unknown[] = [];
  /** DATA that arrived before the response headers were emitted (see onData). */
  private early: Buffer[] | undefined;
  private ended = false;
  /** Settled (DeadlineQueue's mark; the same as `ended`). */
  done = false;
  readonly deadline: number;
  private queued = false;
  private failure: RpcError | undefined;
  private headersSeen = false;
  /** Dubbo's `tri-exception-code`: non-zero, the message is the provider's Java exception. */
  private javaException = false;
  private resolveOpen: ((value: unknown) => void) | undefined;
  private rejectOpen: ((err: RpcError) => void) | undefined;
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly onAbort = () => this.terminate(new RpcError(Code.Cancelled, 'call cancelled by the caller'));

  constructor(
    private readonly session: http2.ClientHttp2Session,
    private readonly headers: http2.OutgoingHttpHeaders,
    private readonly body: Buffer | AsyncIterable<unknown>,
    private readonly inv: Invocation,
    private readonly options: ClientCallOptions,
  ) {
    this.codec = methodCodec(inv.method);
    this.deadline = inv.deadline;
  }

  /** The deadline queue's expiry. */
  expire(): void {
    this.terminate(new RpcError(Code.Timeout, `${this.inv.service.interface}.${this.inv.method.name} timed out (deadline exceeded)`));
  }

  start(): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      this.resolveOpen = resolve;
      this.rejectOpen = reject;
      const { inv } = this;
      if (inv.signal?.aborted) return this.terminate(new RpcError(Code.Cancelled, 'call cancelled by the caller'));
      inv.signal?.addEventListener('abort', this.onAbort, { once: true });
      if (Number.isFinite(inv.deadline)) {
        // Calls of one reference share a timeout: their deadlines queue in order behind one timer.
        this.queued = this.options.deadlines.add(this);
        if (!this.queued) this.timer = setTimeout(() => this.expire(), Math.max(0, inv.deadline - Date.now()));
      }
      let req: http2.ClientHttp2Stream;
      try {
        req = this.session.request(this.headers, { endStream: false });
      } catch (err) {
        return this.terminate(new RpcError(Code.Unavailable, `cannot open a stream: ${(err as Error).message}`, { cause: err }));
      }
      this.req = req;
      (req as CallStream)[CALL] = this;
      req.on('response', onResponse);
      req.on('data', onStreamData);
      req.on('trailers', onStreamTrailers);
      req.on('error', onStreamError);
      req.on('close', onStreamClose);
      if (Buffer.isBuffer(this.body)) req.end(frameMessage(this.body, this.options.gzip));
      else void this.sendItems(req, this.body);
    });
  }

  /**
   * A client or bidi stream: the caller's items as messages, each write waiting for the HTTP/2
   * window, so a slow provider stops us pulling the caller's iterable (nothing buffers without
   * bound). A failing iterable cancels the call with its error.
   */
  private async sendItems(req: http2.ClientHttp2Stream, items: AsyncIterable<unknown>): Promise<void> {
    const it = items[Symbol.asyncIterator]();
    try {
      for (;;) {
        if (this.ended) break;
        if (req.closed || req.destroyed) break;
        const next = await it.next();
        if (next.done) break;
        if (req.closed || req.destroyed) break;
        let bytes: Buffer;
        try {
          bytes = this.codec.encodeArgs([next.value]);
        } catch (err) {
          throw RpcError.is(err) && err.code !== Code.Serialization ? err : new RpcError(Code.Serialization, `cannot encode an item of ${this.inv.service.interface}.${this.inv.method.name}: ${(err as Error).message}`, { cause: err });
        }
        if (bytes.length > this.options.maxMessageSize) {
          throw new RpcError(Code.FrameTooLarge, `request message of ${bytes.length} bytes is larger than the limit of ${this.options.maxMessageSize}`);
        }
        if (!req.write(frameMessage(bytes, this.options.gzip))) {
          await new Promise<void>((resolve) => {
            const go = () => {
              req.off('drain', go);
              req.off('close', go);
              resolve();
            };
            req.on('drain', go);
            req.on('close', go);
          });
        }
      }
      if (!req.closed && !req.destroyed && !req.writableEnded) req.end();
    } catch (err) {
      this.terminate(RpcError.is(err) ? err : new RpcError(Code.Cancelled, `the request stream failed: ${(err as Error).message}`, { cause: err }));
    } finally {
      // Stopped early (the call ended): let the caller's generator run its finally blocks.
      if (req.closed || req.destroyed || this.ended) void Promise.resolve(it.return?.()).catch(() => {});
    }
  }

  /** @internal */
  onHeaders(h: http2.IncomingHttpHeaders): void {
    if (this.ended) return;
    const status = Number(h[':status']);
    // Trailers-only. Dubbo 3 answers its own deadline with `:status 408` and grpc-status 2
    // (UNKNOWN, "Request Timeout"): that is a TIMEOUT, not an application failure.
    if (h[H.status] !== undefined && status === 408 && h[H.status] === String(GrpcStatus.UNKNOWN)) {
      return this.terminate(new RpcError(Code.Timeout, `${this.inv.service.interface}.${this.inv.method.name}: the provider's deadline passed (HTTP 408)`, { status: GrpcStatus.UNKNOWN }));
    }
    if (h[H.status] !== undefined) return this.onTrailers(h);
    if (status !== 200) return this.terminate(new RpcError(httpCode(status), `HTTP status ${status} from the provider`));
    this.headersSeen = true;
    const exceptionCode = h[H.exceptionCode];
    this.javaException = exceptionCode !== undefined && exceptionCode !== '0';
    const enc = h[H.encoding];
    this.reader = new MessageReader(this.options.maxMessageSize, Array.isArray(enc) ? enc[0] : enc);
    const early = this.early;
    this.early = undefined;
    if (early !== undefined) for (const chunk of early) this.onData(chunk);
    if (this.inv.method.stream) this.resolveOpen?.(this.iterable());
  }

  /** @internal */
  onData(chunk: Buffer): void {
    if (this.ended) return;
    if (this.reader === undefined) {
      // Node emits 'response' on the next tick but DATA at once: when one read brings headers and
      // message together (a TLS record often does), the message comes first. Dropped, the call
      // ended "a unary call got 0 response messages" (a third of the calls under mTLS at 128 in
      // flight). Kept until the headers say how to read it; the HTTP/2 window bounds it.
      (this.early ??= []).push(chunk);
      return;
    }
    let messages: Buffer[];
    try {
      messages = this.reader.push(chunk);
    } catch (err) {
      return this.terminate(err as RpcError);
    }
    for (const m of messages) {
      if (this.javaException) return this.terminate(decodeJavaException(m));
      try {
        this.items.push(this.codec.decodeResult(m));
      } catch (err) {
        return this.terminate(new RpcError(Code.BadResponse, `cannot decode the result of ${this.inv.service.interface}.${this.inv.method.name}: ${(err as Error).message}`, { cause: err }));
      }
    }
    if (!this.inv.method.stream && this.items.length > 1) {
      return this.terminate(new RpcError(Code.BadResponse, 'a unary call got more than one response message'));
    }
    if (this.items.length >= this.options.window) this.req?.pause();
    this.wake?.();
  }

  /** @internal */
  onTrailers(t: http2.IncomingHttpHeaders): void {
    if (this.ended) return;
    const status = Number(t[H.status] ?? NaN);
    if (!Number.isInteger(status)) return this.terminate(new RpcError(Code.Protocol, 'the response ended without grpc-status'));
    const one = (name: string) => {
      const v = t[name];
      return Array.isArray(v) ? v[0] : v;
    };
    let details: StatusDetail[] | undefined;
    const bin = one(H.details);
    if (bin !== undefined) {
      try {
        details = [...decodeRpcStatus(Buffer.from(bin, 'base64')).details];
      } catch {
        details = undefined; // a malformed detail does not hide the status itself
      }
    }
    const err = errorForStatus(status, decodeGrpcMessage(one(H.message) ?? ''), one(MESHLET_CODE_TRAILER), details);
    if (err) return this.terminate(err);
    if (this.reader?.partial) return this.terminate(new RpcError(Code.BadResponse, 'the response ended inside a message'));
    if (!this.inv.method.stream) {
      if (this.items.length !== 1) return this.terminate(new RpcError(Code.BadResponse, `a unary call got ${this.items.length} response messages`));
      const value = this.items[0];
      this.settle();
      this.resolveOpen?.(value);
      return;
    }
    this.settle();
    if (!this.headersSeen) this.resolveOpen?.(this.iterable());
    this.wake?.();
  }

  /** Ends the call with `err`: rejects the pending promise or fails the stream's reader, resets the HTTP/2 stream. */
  terminate(err: RpcError): void {
    if (this.ended) return;
    this.failure = err;
    this.settle();
    const req = this.req;
    if (req && !req.closed && !req.destroyed) req.close(http2.constants.NGHTTP2_CANCEL);
    this.rejectOpen?.(err);
    this.wake?.();
  }

  private settle(): void {
    this.ended = true;
    this.done = true;
    if (this.queued) this.options.deadlines.settled();
    else if (this.timer !== undefined) clearTimeout(this.timer);
    this.inv.signal?.removeEventListener('abort', this.onAbort);
    this.options.onEnd(this);
  }

  private iterable(): AsyncIterable<unknown> {
    const next = async (): Promise<IteratorResult<unknown>> => {
      for (;;) {
        if (this.items.length > 0) {
          const value = this.items.shift();
          if (this.items.length < this.options.window && !this.ended) this.req?.resume();
          return { value, done: false };
        }
        if (this.failure) throw this.failure;
        if (this.ended) return { value: undefined, done: true };
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
      }
    };
    const it: AsyncIterator<unknown> = {
      next,
      return: async () => {
        // `break` out of `for await`: cancel the call, the provider's producer stops.
        if (!this.ended) this.terminate(new RpcError(Code.Cancelled, 'stream cancelled by the consumer'));
        this.items.length = 0;
        this.failure = undefined;
        return { value: undefined, done: true };
      },
    };
    return { [Symbol.asyncIterator]: () => it };
  }
}

function httpCode(status: number): Code {
  if (status === 401 || status === 403) return Code.PermissionDenied;
  if (status === 404) return Code.MethodNotFound;
  if (status === 429 || status === 502 || status === 503 || status === 504) return Code.Unavailable;
  return Code.Protocol;
}
