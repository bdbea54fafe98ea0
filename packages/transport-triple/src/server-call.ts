import * as http2 from 'node:http2';
import {
  Code, RpcError, callContext, toRpcError,
  type ExportedMethod, type Invocation, type PeerIdentity, type ServerHandler,
} from '@meshlet/core';
import { createServerInvocation, type DeadlineQueue } from '@meshlet/core/engine';
import { InboundItems } from './inbound.js';
import { TRI_EXCEPTION_CODE, encodeJavaException, methodCodec, type MethodCodec } from './codec.js';
import { CONTENT_TYPE_PROTO, H } from './constants.js';
import { MessageReader, frameMessage } from './framing.js';
import { attachmentsOf, headerOf } from './headers.js';
import { encodeRpcStatus } from './rpc-status.js';
import { GrpcStatus, MESHLET_CODE_TRAILER, encodeGrpcMessage, grpcFailureOf, statusForCode } from './status.js';
import { parseTimeout } from './timeout.js';
import { UNARY_CONTENT_TYPE, UNARY_PROTO, unaryError, unaryTimeout } from './unary-http.js';
import { decodeRequestWrapper } from './wrapper.js';

/** What one call needs from its server. */
export interface CallGate {
  readonly handler: ServerHandler;
  readonly accepting: boolean;
  readonly maxMessageSize: number;
  /** Request messages of a client or bidi stream held undelivered before reading pauses. */
  readonly window: number;
  /** ms for a unary or server-streaming request to arrive whole. */
  readonly requestTimeout: number;
  /** Requests still arriving (`requestTimeout`), behind one timer. */
  readonly arrivals: DeadlineQueue<Arrival>;
  /** Calls running, by their callers' deadlines, behind one timer. */
  readonly deadlines: DeadlineQueue<ServerCall>;
  begin(): void;
  end(): void;
}

/** A unary or server-streaming request still arriving: by `deadline` it must be whole. */
export interface Arrival {
  readonly deadline: number;
  done: boolean;
  readonly call: ServerCall;
}

/** Shared answers: node:http2 copies a headers object before it sends it, so one serves every call. */
const OK_TRAILERS: http2.OutgoingHttpHeaders = { [H.status]: '0' };
const RESPONSE_HEADERS = new Map<string, http2.OutgoingHttpHeaders>();
function responseHeaders(contentType: string, gzip: boolean): http2.OutgoingHttpHeaders {
  const key = `${contentType === 'application/grpc' ? 'application/grpc' : CONTENT_TYPE_PROTO}|${gzip}`;
  let h = RESPONSE_HEADERS.get(key);
  if (h === undefined) {
    h = {
      ':status': 200,
      [H.contentType]: contentType === 'application/grpc' ? 'application/grpc' : CONTENT_TYPE_PROTO,
      [H.acceptEncoding]: 'gzip,identity',
      ...(gzip ? { [H.encoding]: 'gzip' } : {}),
    };
    RESPONSE_HEADERS.set(key, h);
  }
  return h;
}
/** The body of an HTTP-style unary request, whole and bounded (MessageReader's shape: `push`, `partial`). */
class WholeBody {
  readonly partial = false;
  private readonly chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly max: number) {}
  push(chunk: Buffer): Buffer[] {
    this.size += chunk.length;
    if (this.size > this.max) throw new RpcError(Code.FrameTooLarge, `the request of more than ${this.max} bytes is larger than the message limit`);
    this.chunks.push(chunk);
    return [];
  }
  take(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}

/** `application/grpc`, alone or with `+codec` / parameters (the gRPC spec's Content-Type). */
const GRPC_CONTENT_TYPE = /^application\/grpc(?:$|[+;])/i;
/** The call a stream serves: its listeners are shared functions, not closures per call. */
const CALL = Symbol('meshlet.tri.serverCall');
type CallStream = http2.ServerHttp2Stream & { [CALL]: ServerCall };
function onWantTrailers(this: CallStream): void {
  this.sendTrailers(this[CALL].trailers ?? OK_TRAILERS);
}
function onCallStreamClose(this: CallStream): void {
  const call = this[CALL];
  if (!call.done) call.finish();
}

/**
 * Serves one HTTP/2 stream: one gRPC call (unary or server-streaming). Reads the request message
 * (bounded by the size limit), finds the method, calls it with the caller's deadline, and answers
 * with the message(s) and a status in trailers, or a trailers-only response when it fails before
 * any message. Never throws: every failure becomes a status.
 */
export function serveStream(
  gate: CallGate,
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
  peer: { remoteAddress: string; identity: PeerIdentity | undefined },
): void {
  const receivedAt = Date.now();
  const contentType = headerOf(headers, H.contentType) ?? '';
  // Triple's HTTP-style unary (dubbo-js v3, Connect): the bare message, answered the same way.
  const plain = UNARY_PROTO.test(contentType);
  if (headers[':method'] !== 'POST' || !(plain || GRPC_CONTENT_TYPE.test(contentType))) {
    // gRPC's spec: a request that is not gRPC gets HTTP 415, not a gRPC status. gRPC-Web
    // (application/grpc-web…) frames its requests as gRPC does but reads trailers from the body:
    // served here, the method would run and its caller fail, so it is refused before it runs.
    stream.respond({ ':status': 415, [H.status]: String(GrpcStatus.INTERNAL), [H.message]: encodeGrpcMessage(`content-type ${JSON.stringify(contentType)} is not application/grpc`) }, { endStream: true });
    return;
  }
  const encoding = headerOf(headers, plain ? 'content-encoding' : H.encoding);
  // Answers are compressed the way the request was (a caller that sends gzip reads it).
  const gzipOut = encoding === 'gzip' && !plain;
  const call = new ServerCall(gate, stream, contentType, gzipOut, plain);
  if (!gate.accepting) return call.fail(new RpcError(Code.Shutdown, 'the provider is shutting down: send the call elsewhere'));
  if (encoding !== undefined && encoding !== 'identity' && (plain || encoding !== 'gzip')) {
    // gRPC's answer to an unknown encoding: UNIMPLEMENTED naming what we accept.
    return call.fail(new RpcError(Code.Unsupported, plain ? `content-encoding ${encoding} is not supported (identity is)` : `grpc-encoding ${encoding} is not supported (gzip, identity are)`));
  }
  const path = headerOf(headers, ':path') ?? '';
  const slash = path.lastIndexOf('/');
  const iface = path.slice(1, slash);
  const methodName = path.slice(slash + 1);
  if (slash <= 0 || iface === '' || methodName === '') return call.fail(new RpcError(Code.MethodNotFound, `path ${JSON.stringify(path)} is not /{service}/{method}`));
  const key = { interface: iface, version: headerOf(headers, H.version) || undefined, group: headerOf(headers, H.group) || undefined };
  let exported: ExportedMethod;
  try {
    exported = gate.handler.resolve(key, methodName);
  } catch (err) {
    gate.handler.refused?.(key, methodName, err);
    return call.fail(err);
  }
  const reader = plain ? new WholeBody(gate.maxMessageSize) : new MessageReader(gate.maxMessageSize, encoding);
  const timeoutMs = plain ? unaryTimeout(headers) : parseTimeout(headerOf(headers, H.timeout));
  const streaming = exported.method.streaming;
  if (plain && (streaming !== 'unary' || methodCodec(exported.method).wrapped)) {
    return call.fail(new RpcError(Code.Unsupported, `${iface}/${methodName} is not a protobuf unary method: call it over gRPC (application/grpc)`));
  }
  if (streaming === 'client' || streaming === 'bidi') {
    // The method starts at once and pulls the request messages as they come (gRPC only: see above).
    const input = new InboundItems(stream, reader as MessageReader, methodCodec(exported.method), gate.window, `${iface}/${methodName}`);
    call.streamInput(exported);
    call.run(createServerInvocation(exported, [input.iterable()], attachmentsOf(headers), timeoutMs, peer, receivedAt));
    return;
  }
  const messages: Buffer[] = [];
  // A request that never finishes (a slow or stalled peer) holds a stream and its bytes: it has
  // `requestTimeout` to arrive whole, as every engine port bounds a frame's arrival.
  const arrival: Arrival = { deadline: receivedAt + gate.requestTimeout, done: false, call };
  const arrived = () => {
    if (arrival.done) return;
    arrival.done = true;
    gate.arrivals.settled();
  };
  // One timeout for every request: the queue is always in order (the timer fallback is for a clock step).
  const stall = gate.arrivals.add(arrival) ? undefined : setTimeout(() => call.fail(new RpcError(Code.BadRequest, `the request did not arrive whole within ${gate.requestTimeout} ms`)), gate.requestTimeout).unref();
  const stop = () => {
    if (stall === undefined) arrived();
    else clearTimeout(stall);
  };
  stream.once('close', stop);
  stream.on('data', (chunk: Buffer) => {
    if (call.done) return;
    try {
      for (const m of reader.push(chunk)) messages.push(m);
    } catch (err) {
      call.fail(err);
      return;
    }
    if (messages.length > 1) call.fail(new RpcError(Code.BadRequest, `${iface}/${methodName} takes one request message, got more`));
  });
  stream.on('end', () => {
    stop();
    if (call.done) return;
    if (reader instanceof WholeBody) messages.push(reader.take());
    if (reader.partial) return call.fail(new RpcError(Code.BadRequest, 'the request ended inside a message'));
    if (messages.length !== 1) return call.fail(new RpcError(Code.BadRequest, `${iface}/${methodName} takes one request message, got ${messages.length}`));
    let inv: Invocation;
    try {
      inv = call.prepare(exported, messages[0]!, key, methodName, headers, timeoutMs, peer, receivedAt);
    } catch (err) {
      return call.fail(err);
    }
    call.run(inv);
  });
}

export class ServerCall {
  done = false;
  /** The caller's deadline (DeadlineQueue's key), once the call runs. */
  deadline = Infinity;
  private queued = false;
  private responded = false;
  private codec: MethodCodec | undefined;
  private exported: ExportedMethod | undefined;
  private timer: NodeJS.Timeout | undefined;
  private iterator: AsyncIterator<unknown> | undefined;
  private counted = false;

  constructor(
    private readonly gate: CallGate,
    private readonly stream: http2.ServerHttp2Stream,
    private readonly contentType: string,
    private readonly gzip: boolean,
    /** Triple's HTTP-style unary: the bare message with HTTP 200, failures as JSON (unary-http.ts). */
    private readonly plain = false,
  ) {
    // A client's RST_STREAM (CANCEL), a dead connection: stop the producer, answer nothing.
    (stream as CallStream)[CALL] = this;
    stream.on('close', onCallStreamClose);
    stream.on('error', () => {});
  }

  prepare(
    exported: ExportedMethod, message: Buffer, key: { interface: string; version: string | undefined; group: string | undefined },
    methodName: string, headers: http2.IncomingHttpHeaders, timeoutMs: number | undefined,
    peer: { remoteAddress: string; identity: PeerIdentity | undefined }, receivedAt: number,
  ): Invocation {
    let target = exported;
    let codec = methodCodec(target.method);
    if (codec.wrapped) {
      // Wrapped mode names the Java parameter classes: they pick among overloads.
      let argTypes: readonly string[];
      try {
        argTypes = decodeRequestWrapper(message).argTypes;
      } catch (err) {
        throw new RpcError(Code.BadRequest, `cannot decode the request of ${key.interface}/${methodName}: ${(err as Error).message}`, { cause: err });
      }
      if (argTypes.length > 0 && argTypes.join(',') !== target.method.paramTypes.join(',')) {
        try {
          target = this.gate.handler.resolve(key, methodName, argTypes);
        } catch (err) {
          this.gate.handler.refused?.(key, methodName, err);
          throw err;
        }
        codec = methodCodec(target.method);
      }
    }
    this.exported = target;
    this.codec = codec;
    let args: unknown[];
    try {
      args = codec.decodeArgs(message);
    } catch (err) {
      throw new RpcError(Code.BadRequest, `cannot decode the arguments of ${key.interface}/${methodName}: ${(err as Error).message}`, { cause: err });
    }
    return createServerInvocation(target, args, attachmentsOf(headers), timeoutMs, peer, receivedAt);
  }

  /** A client or bidi stream: no request message to decode up front. */
  streamInput(exported: ExportedMethod): void {
    this.exported = exported;
    this.codec = methodCodec(exported.method);
  }

  run(inv: Invocation): void {
    this.counted = true;
    this.gate.begin();
    if (Number.isFinite(inv.deadline)) {
      // The caller stops waiting at its deadline: so do we (grpc-java answers DEADLINE_EXCEEDED).
      this.deadline = inv.deadline;
      this.queued = this.gate.deadlines.add(this);
      if (!this.queued) this.timer = setTimeout(() => this.expire(), Math.max(0, inv.deadline - Date.now()));
    }
    const method = this.exported!.method;
    let result: Promise<unknown>;
    try {
      result = callContext.run(inv, () => this.exported!.invoke(inv));
    } catch (err) {
      return this.fail(err);
    }
    result.then(
      (value) => {
        if (this.done) return;
        if (method.stream) void this.pump(inv, value);
        else this.sendOne(value);
      },
      (err: unknown) => this.fail(toRpcError(err, Code.Business)),
    );
  }

  /** The deadline queue's expiry. */
  expire(): void {
    this.fail(new RpcError(Code.Timeout, 'deadline exceeded on the provider'));
  }

  private sendOne(value: unknown): void {
    let frame: Buffer;
    try {
      frame = this.plain ? this.encode(value) : this.frame(value);
    } catch (err) {
      return this.fail(err);
    }
    if (this.plain) {
      this.responded = true;
      this.finish();
      this.stream.respond({ ':status': 200, [H.contentType]: UNARY_CONTENT_TYPE });
      this.stream.end(frame);
      return;
    }
    this.respond();
    // The message and the end of the stream in one write (the trailers follow on 'wantTrailers').
    this.succeed(frame);
  }

  /** A stream method: items as messages, each write waiting for the HTTP/2 window (no unbounded buffer). */
  private async pump(inv: Invocation, value: unknown): Promise<void> {
    const iterable = value as AsyncIterable<unknown> | null;
    if (typeof iterable?.[Symbol.asyncIterator] !== 'function') {
      return this.fail(new RpcError(Code.BadResponse, `${inv.service.interface}.${inv.method.name} is a stream method but returned no AsyncIterable`));
    }
    const it = (this.iterator = iterable[Symbol.asyncIterator]());
    this.respond();
    try {
      for (;;) {
        const next = await callContext.run(inv, () => it.next());
        if (this.done) return;
        if (next.done) break;
        const frame = this.frame(next.value);
        if (!this.stream.write(frame)) {
          await new Promise<void>((resolve) => {
            const go = () => {
              this.stream.off('drain', go);
              this.stream.off('close', go);
              resolve();
            };
            this.stream.on('drain', go);
            this.stream.on('close', go);
          });
          if (this.done) return;
        }
      }
    } catch (err) {
      return this.fail(toRpcError(err, Code.Business));
    }
    this.succeed();
  }

  private frame(value: unknown): Buffer {
    return frameMessage(this.encode(value), this.gzip);
  }

  private encode(value: unknown): Buffer {
    let bytes: Buffer;
    try {
      bytes = this.codec!.encodeResult(value);
    } catch (err) {
      const m = this.exported!.method;
      throw new RpcError(Code.BadResponse, `${this.exported!.service.interface}.${m.name} returned a value that is not a ${m.returns.javaType}: ${(err as Error).message}`, { cause: err });
    }
    if (bytes.length > this.gate.maxMessageSize) {
      throw new RpcError(Code.FrameTooLarge, `the result of ${bytes.length} bytes is larger than the message limit of ${this.gate.maxMessageSize}`);
    }
    return bytes;
  }

  private respond(): void {
    if (this.responded) return;
    this.responded = true;
    this.stream.respond(responseHeaders(this.contentType, this.gzip), { waitForTrailers: true });
    this.stream.once('wantTrailers', onWantTrailers);
  }

  /** @internal The trailers 'wantTrailers' sends. */
  trailers: http2.OutgoingHttpHeaders | undefined;

  private succeed(last?: Buffer): void {
    if (this.done) return;
    this.trailers = OK_TRAILERS;
    this.finish();
    if (last === undefined) this.stream.end();
    else this.stream.end(last);
  }

  /** Ends the call with a failure status: in trailers after headers, else trailers-only. */
  fail(err: unknown): void {
    if (this.done) return;
    const e = toRpcError(err, Code.Internal);
    const attached = grpcFailureOf(e);
    const status = attached?.status ?? statusForCode(e.code);
    const trailers: http2.OutgoingHttpHeaders = {
      [H.status]: String(status),
      [H.message]: encodeGrpcMessage(e.message),
      [MESHLET_CODE_TRAILER]: e.code,
    };
    const details = attached?.details ?? [];
    if (details.length > 0) {
      trailers[H.details] = encodeRpcStatus({ code: status, message: e.message, details }).toString('base64').replace(/=+$/, '');
    }
    this.finish();
    if (this.stream.destroyed || this.stream.closed) return;
    if (this.plain) {
      // Unary: nothing was sent before the failure.
      this.responded = true;
      const answer = unaryError(status, e.message, details);
      try {
        this.stream.respond({ ...answer.headers, [MESHLET_CODE_TRAILER]: e.code });
        this.stream.end(answer.body);
      } catch {
        this.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      }
      return;
    }
    if (!this.responded && e.code === Code.Business && attached?.status === undefined && this.codec?.wrapped) {
      return this.javaException(err, e);
    }
    if (this.responded) {
      this.trailers = trailers;
      if (!this.stream.writableEnded) this.stream.end();
      return;
    }
    this.responded = true;
    try {
      this.stream.respond({ ':status': 200, [H.contentType]: CONTENT_TYPE_PROTO, ...trailers }, { endStream: true });
    } catch {
      this.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    }
  }

  /**
   * A wrapped-mode method's business failure, as Dubbo 3 answers one: a success status, header
   * `tri-exception-code: 3`, and the Throwable as the message, so a Java consumer rethrows it as
   * its own class (a gRPC status would reach it as a StatusRpcException).
   */
  private javaException(thrown: unknown, e: RpcError): void {
    const javaClass = e.remoteClass || javaClassOf(thrown) || javaClassOf(e.cause) || 'java.lang.RuntimeException';
    let frame: Buffer;
    try {
      frame = frameMessage(encodeJavaException(javaClass, e.message), this.gzip);
    } catch {
      frame = frameMessage(encodeJavaException('java.lang.RuntimeException', e.message), false);
    }
    this.responded = true;
    this.trailers = { [H.status]: '0' };
    this.stream.respond({
      ':status': 200,
      [H.contentType]: this.contentType === 'application/grpc' ? 'application/grpc' : CONTENT_TYPE_PROTO,
      [H.exceptionCode]: TRI_EXCEPTION_CODE,
      ...(this.gzip ? { [H.encoding]: 'gzip' } : {}),
    }, { waitForTrailers: true });
    this.stream.once('wantTrailers', onWantTrailers);
    this.stream.end(frame);
  }

  /** @internal */
  finish(): void {
    this.done = true;
    if (this.queued) {
      this.queued = false;
      this.gate.deadlines.settled();
    } else if (this.timer !== undefined) clearTimeout(this.timer);
    const it = this.iterator;
    this.iterator = undefined;
    // Cancelled, failed or timed out mid-stream: the producer's finally blocks run.
    if (it?.return) void Promise.resolve().then(() => it.return!()).catch(() => {});
    if (this.counted) {
      this.counted = false;
      this.gate.end();
    }
  }
}

/** `err.javaClass`: user code that wants a specific Java exception class says so on the error. */
function javaClassOf(err: unknown): string | undefined {
  const c = (err as { javaClass?: unknown } | null | undefined)?.javaClass;
  return typeof c === 'string' && c !== '' ? c : undefined;
}
