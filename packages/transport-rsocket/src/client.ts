import {
  Code, RpcError, toRpcError,
  type ClientOptions, type Endpoint, type Invocation, type ProtocolClient,
} from '@meshlet/core';
import { withDeadline } from '@meshlet/core/engine';
import { Channel, type Link } from './channel.js';
import { ClientStream } from './client-stream.js';
import { DEFAULT_MAX_FRAME_SIZE } from './constants.js';
import { errorFromFrame } from './errors.js';
import { payloadExceeds } from './frame-writer.js';
import { methodCodec, type MethodCodec } from './payload-codec.js';
import { requestMetadataEncoder } from './request-metadata.js';
import type { Payload, ReceivedPayload, SingleSubscriber } from './rsocket-lib.js';
import { SlotSet } from './stream-table.js';
import type { TcpConnection } from './tcp-connection.js';

export interface RSocketClientOptions {
  /** Stream items requested ahead of the consumer (request-n window). Default 256. */
  readonly streamWindow?: number;
  /**
   * Frames we send larger than this many bytes (length prefix excluded) go as fragments (FOLLOWS).
   * Default 16 MiB - 1, the most one frame can say: only payloads that need it are fragmented.
   * Lower it for a peer that takes smaller frames; at least 64.
   */
  readonly fragmentSize?: number;
}

/**
 * One request-response call: rsocket-core's subscriber for the reply, the deadline timer and the
 * abort listener, in one object (no closures per call).
 */
class PendingCall implements SingleSubscriber<ReceivedPayload> {
  slot = -1;
  cancel: (() => void) | undefined;
  timer: NodeJS.Timeout | undefined;
  onAbort: (() => void) | undefined;
  done = false;

  constructor(
    private readonly client: RSocketProtocolClient,
    readonly conn: TcpConnection,
    private readonly codec: MethodCodec,
    private readonly inv: Invocation,
    private readonly resolve: (value: unknown) => void,
    private readonly reject: (error: RpcError) => void,
  ) {}

  onSubscribe(cancel: () => void): void {
    this.cancel = cancel;
  }

  onComplete(payload: ReceivedPayload): void {
    if (!this.settle()) return;
    let value: unknown;
    try {
      value = this.codec.decodeResult(payload.data);
    } catch (err) {
      this.reject(new RpcError(Code.BadResponse, `${this.inv.method.name}: ${(err as Error).message}`, { cause: err }));
      return;
    }
    this.resolve(value);
  }

  onError(error: Error): void {
    if (this.settle()) this.reject(errorFromFrame(error, this.client.address));
  }

  /** Ends the call from this side (deadline, abort, client closed): CANCEL to the provider. */
  fail(error: RpcError): void {
    if (!this.settle()) return;
    this.cancel?.();
    this.reject(error);
  }

  private settle(): boolean {
    if (this.done) return false;
    this.done = true;
    clearTimeout(this.timer);
    if (this.onAbort) this.inv.signal?.removeEventListener('abort', this.onAbort);
    this.client.forget(this);
    return true;
  }
}

/**
 * Meshlet's RSocket client for one provider address: request-response for ordinary methods,
 * fire-and-forget for oneway ones, request-stream for stream methods (resolving, once the request
 * is sent, to an `AsyncIterable`). Every call has the invocation's deadline, sent along as the
 * remaining budget, and ends with a result or a typed error — on timeout, abort, connection loss
 * and `close()` alike.
 */
export class RSocketProtocolClient implements ProtocolClient {
  private readonly channel: Channel;
  private readonly calls = new SlotSet<PendingCall>();
  private readonly streams = new Set<ClientStream>();
  private readonly streamWindow: number;
  private readonly maxFrameSize: number;

  constructor(readonly endpoint: Endpoint, options: ClientOptions = {}, rsocketOptions: RSocketClientOptions = {}) {
    const heartbeat = options.heartbeatInterval ?? 20_000;
    // Past 16 MiB - 1 (the 24-bit frame length) requests and results travel as fragments.
    this.maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    this.channel = new Channel({
      host: endpoint.host,
      port: endpoint.port,
      tls: options.tls,
      connectTimeout: options.connectTimeout,
      keepAlive: heartbeat,
      lifetime: options.idleTimeout ?? Math.max(90_000, 3 * heartbeat),
      maxFrameSize: this.maxFrameSize,
      fragmentSize: rsocketOptions.fragmentSize,
      probeTimeout: options.probeTimeout,
    });
    this.channel.onLost = (conn, error) => this.failOn(conn, error);
    this.streamWindow = Math.max(1, Math.floor(rsocketOptions.streamWindow ?? 256));
  }

  get address(): string {
    return this.channel.address;
  }

  get available(): boolean {
    return this.channel.available;
  }

  /** Calls and streams in flight (the least-pending balancer reads it). */
  get pendingCount(): number {
    return this.calls.size + this.streams.size;
  }

  invoke(inv: Invocation): Promise<unknown> {
    if (inv.signal?.aborted) return Promise.reject(new RpcError(Code.Cancelled, 'the call was aborted before it was sent'));
    let payload: Payload;
    let codec: MethodCodec;
    try {
      codec = methodCodec(inv.method);
      payload = { data: codec.encodeArgs(inv.args), metadata: requestMetadataEncoder(inv.service, inv.method).encode(inv) };
    } catch (err) {
      return Promise.reject(toRpcError(err, Code.Serialization));
    }
    if (payloadExceeds(payload.data, payload.metadata, this.maxFrameSize)) {
      return Promise.reject(new RpcError(Code.FrameTooLarge, `${inv.method.name}: the request is larger than the frame limit of ${this.maxFrameSize} bytes`));
    }
    const link = this.channel.current;
    if (link !== undefined && !link.conn.congested) return this.send(link, inv, codec, payload);
    return this.sendWhenReady(inv, codec, payload);
  }

  private async sendWhenReady(inv: Invocation, codec: MethodCodec, payload: Payload): Promise<unknown> {
    const link = await this.channel.ready(inv.deadline);
    if (link.conn.congested) await withDeadline(link.conn.drained(), inv.deadline, () => new RpcError(Code.Timeout, `${this.address} stayed congested past the deadline`));
    if (link.conn.isClosed) throw link.conn.closeError ?? new RpcError(Code.ConnectionClosed, `RSocket connection ${this.address} closed`);
    // Connecting took part of the budget: send what is left, not what was left before.
    payload.metadata = requestMetadataEncoder(inv.service, inv.method).encode(inv);
    return this.send(link, inv, codec, payload);
  }

  private send(link: Link, inv: Invocation, codec: MethodCodec, payload: Payload): Promise<unknown> {
    const method = inv.method;
    if (method.oneway) {
      link.socket.fireAndForget(payload);
      return Promise.resolve(undefined);
    }
    if (method.stream) return Promise.resolve(this.openStream(link, inv, codec, payload));
    return new Promise((resolve, reject) => {
      const ms = inv.deadline - Date.now();
      if (ms <= 0) {
        reject(new RpcError(Code.Timeout, `${method.name} to ${this.address}: the deadline passed before it was sent`));
        return;
      }
      const call = new PendingCall(this, link.conn, codec, inv, resolve, reject);
      this.calls.add(call);
      call.timer = setTimeout(timeoutCall, ms, call, ms, method.name, this);
      if (inv.signal) {
        call.onAbort = () => call.fail(new RpcError(Code.Cancelled, `${method.name} was aborted by the caller`, { cause: inv.signal?.reason }));
        inv.signal.addEventListener('abort', call.onAbort, { once: true });
      }
      link.socket.requestResponse(payload).subscribe(call);
    });
  }

  private openStream(link: Link, inv: Invocation, codec: MethodCodec, payload: Payload): ClientStream {
    const stream = new ClientStream({
      window: this.streamWindow,
      deadline: inv.deadline,
      decode: (data) => codec.decodeResult(data),
      address: this.address,
      signal: inv.signal,
      onEnd: (s) => this.streams.delete(s),
    });
    this.streams.add(stream);
    link.socket.requestStream(payload).subscribe(stream);
    return stream;
  }

  /** A call on `conn` timed out: the channel may probe whether the provider is there at all. */
  timedOut(conn: TcpConnection, ms: number): void {
    this.channel.timedOut(conn, ms);
  }

  /** A call settled: drop it from the pending set. */
  forget(call: PendingCall): void {
    this.calls.delete(call);
  }

  /** The connection under these calls is gone: rsocket-core errs its streams too; this is the guarantee. */
  private failOn(conn: TcpConnection, error: RpcError): void {
    const lost = new RpcError(Code.ConnectionClosed, error.message, { cause: error });
    for (const call of this.calls.snapshot()) if (call.conn === conn) call.fail(lost);
  }

  /** Settles every call and stream with CONNECTION_CLOSED, then closes the connection. */
  async close(): Promise<void> {
    const closed = new RpcError(Code.ConnectionClosed, `RSocket client for ${this.address} closed`);
    for (const call of this.calls.snapshot()) call.fail(closed);
    for (const stream of [...this.streams]) stream.terminate(closed);
    this.channel.close();
  }
}

function timeoutCall(call: PendingCall, ms: number, method: string, client: RSocketProtocolClient): void {
  call.fail(new RpcError(Code.Timeout, `${method} to ${client.address} timed out after ${ms} ms`));
  client.timedOut(call.conn, ms);
}
