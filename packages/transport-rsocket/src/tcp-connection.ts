import * as net from 'node:net';
import { Code, RpcError, toRpcError, type PeerIdentity, type TlsOptions } from '@meshlet/core';
import { DEFAULT_FRAME_TIMEOUT, DEFAULT_WRITE_HIGH_WATER, FrameDeadline, connectTls, tlsReady } from '@meshlet/core/engine';
import { errorMessage } from './errors.js';
import { FrameReader, LENGTH_PREFIX, MAX_FRAME_LENGTH } from './frame-reader.js';
import { MIN_FRAGMENT_SIZE, fragmentParts, frameParts, payloadExceeds } from './frame-writer.js';
import { Reassembler, isFragmentable } from './reassembly.js';
import {
  BufferEncoders, ErrorCode, Flag, FlowableCtor, FrameType, deserializeFrame,
  type ConnectionStatus, type DuplexConnection, type Flowable, type FlowableSink, type Frame, type Subscription,
} from './rsocket-lib.js';

/** KEEPALIVE's Respond flag (the bit other frame types use for FOLLOWS). */
const KEEPALIVE_RESPOND = 0x80;

/** Length prefix, stream id and type: enough to tell a first frame is SETUP. */
const OPENING_BYTES = LENGTH_PREFIX + 6;

/**
 * Above this many unflushed bytes the connection reports itself congested (clients wait), and an
 * accepted connection stops reading until the peer takes our replies (DEFAULT_WRITE_HIGH_WATER).
 */
const CONGESTION_BYTES = DEFAULT_WRITE_HIGH_WATER;

export interface TcpConnectOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: TlsOptions | undefined;
  readonly connectTimeout?: number;
}

/**
 * rsocket-core's transport contract over one TCP (or TLS) socket: 24-bit length-prefixed frames,
 * the frame size limit enforced before buffering, fragmentation of frames over `fragmentSize` and
 * reassembly of the peer's (ours, linear and capped at `maxFrameSize` bytes per connection: the
 * library's is quadratic and unbounded, and never sees a fragment), and coalesced writes (all
 * frames of one tick leave in one writev). A malformed frame closes this connection with a
 * PROTOCOL error; nothing is thrown out.
 */
export class TcpConnection implements DuplexConnection {
  private socket: net.Socket | undefined;
  private status: ConnectionStatus;
  private readonly statusSinks = new Set<FlowableSink<ConnectionStatus>>();
  private readonly receivers = new Set<FlowableSink<Frame>>();
  private readonly senders = new Set<Subscription>();
  private readonly reader: FrameReader;
  /** The peer's fragmented frames, per stream, until their last fragment. */
  private readonly reassembler: Reassembler;
  private readonly fragmentSize: number;
  private corked = false;
  private readonly flushBound = () => this.flush();
  private readsPaused = false;
  private draining: Promise<void> | undefined;
  /** Deadline for a frame begun to complete. */
  private readonly deadline: FrameDeadline;
  /** The error the connection closed with, once closed. */
  closeError: RpcError | undefined;
  /** `Date.now()` of the last byte received (the client's silent-peer probe reads it). */
  lastReadAt = Date.now();
  /** Set when a connect ran out of time: the address answered nothing, which a refusal is not. */
  connectTimedOut = false;
  remoteAddress = '';
  /**
   * Server side, over mTLS: who the client's certificate says it is (set by the listener before
   * the first frame), so every call's `Invocation.identity` carries it.
   */
  identity: PeerIdentity | undefined;
  /** The MIME types the client's SETUP frame named (server side). */
  setup: { readonly metadataMimeType: string; readonly dataMimeType: string } | undefined;
  private readonly accepted: boolean;

  /**
   * The connection whose frame is being delivered right now. rsocket-core's server calls
   * `getRequestHandler` synchronously while it handles the SETUP frame, without saying which
   * transport connection the frame came on; this is how the handler finds out.
   */
  static delivering: TcpConnection | undefined;

  /** A server-side connection for an accepted socket, or a client one that `connect()` opens. */
  constructor(
    socketOrTarget: net.Socket | TcpConnectOptions,
    private readonly maxFrameSize: number,
    setupTimeout = 10_000,
    frameTimeout = DEFAULT_FRAME_TIMEOUT,
    /** Frames we send larger than this (length prefix excluded) go as fragments; at most 16 MiB - 1. */
    fragmentSize = MAX_FRAME_LENGTH,
  ) {
    this.fragmentSize = Math.max(MIN_FRAGMENT_SIZE, Math.min(Math.floor(fragmentSize), MAX_FRAME_LENGTH));
    // One frame cannot say more than 24 bits; a larger limit is for reassembled frames.
    this.reader = new FrameReader(Math.min(maxFrameSize, MAX_FRAME_LENGTH));
    this.reassembler = new Reassembler(maxFrameSize, (first, error) => this.refuseFragmented(first, error));
    this.deadline = new FrameDeadline(frameTimeout, () => {
      this.fail(new RpcError(Code.Timeout, `RSocket connection ${this.remoteAddress}: a frame was not complete ${frameTimeout} ms after it began`));
    });
    this.accepted = socketOrTarget instanceof net.Socket;
    if (socketOrTarget instanceof net.Socket) {
      this.status = { kind: 'CONNECTED' };
      this.opening = Buffer.alloc(0);
      // A peer that never sends SETUP must not hold the connection forever.
      const timer = setTimeout(() => {
        if (this.setup === undefined) this.fail(new RpcError(Code.Protocol, `${this.remoteAddress} sent no SETUP within ${setupTimeout} ms`));
      }, setupTimeout);
      timer.unref();
      socketOrTarget.once('close', () => clearTimeout(timer));
      this.attach(socketOrTarget);
    } else {
      this.status = { kind: 'NOT_CONNECTED' };
      this.target = socketOrTarget;
    }
  }

  private target: TcpConnectOptions | undefined;
  /** Accepted connections: the first bytes, until there are enough to tell the first frame's type. */
  private opening: Buffer | undefined;

  /** True while more than a few MiB wait in the socket's buffers. */
  get congested(): boolean {
    return (this.socket?.writableLength ?? 0) > CONGESTION_BYTES;
  }

  get isClosed(): boolean {
    return this.status.kind === 'CLOSED' || this.status.kind === 'ERROR';
  }

  /** Resolves once the socket can take more writes, or is gone. */
  drained(): Promise<void> {
    const socket = this.socket;
    if (socket === undefined || !this.congested) return Promise.resolve();
    // One listener pair however many calls wait.
    this.draining ??= new Promise((resolve) => {
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        this.draining = undefined;
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
    return this.draining;
  }

  connect(): void {
    const target = this.target;
    if (target === undefined || this.status.kind !== 'NOT_CONNECTED') return;
    this.setStatus({ kind: 'CONNECTING' });
    const { host, port, tls } = target;
    const timeout = target.connectTimeout ?? 3000;
    let socket: net.Socket | undefined;
    // One timer covers both the certificates still loading (a source's first answer) and the dial.
    const timer = setTimeout(() => {
      this.connectTimedOut = true;
      const err = new Error(`connect timed out after ${timeout} ms`);
      if (socket) socket.destroy(err);
      else this.fail(new RpcError(Code.Unavailable, `RSocket connection ${host}:${port}: ${err.message}`));
    }, timeout);
    const dial = () => {
      if (this.isClosed) {
        clearTimeout(timer);
        return;
      }
      // The engine's dialer: the source's current certificate per connection, `identities` checked.
      const s = tls ? connectTls(tls, host, port) : net.connect({ host, port });
      socket = s;
      s.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        if (this.isClosed) {
          s.destroy();
          return;
        }
        this.setStatus({ kind: 'CONNECTED' });
      });
      s.once('close', () => clearTimeout(timer));
      this.attach(s);
    };
    if (tls?.source) {
      tlsReady(tls).then(dial, (err: unknown) => {
        clearTimeout(timer);
        this.fail(RpcError.is(err) ? err : new RpcError(Code.Unavailable, `TLS certificates not loaded: ${(err as Error).message}`, { cause: err }));
      });
    } else {
      dial();
    }
  }

  private attach(socket: net.Socket): void {
    this.socket = socket;
    this.remoteAddress = `${socket.remoteAddress ?? this.target?.host}:${socket.remotePort ?? this.target?.port}`;
    socket.setNoDelay(true);
    const onFrame = (bytes: Buffer) => {
      this.deadline.frameRead();
      this.onFrame(bytes);
    };
    socket.on('data', (chunk: Buffer) => {
      this.lastReadAt = Date.now();
      try {
        if (this.opening !== undefined) this.checkOpening(chunk);
        this.reader.push(chunk, onFrame);
      } catch (err) {
        this.fail(toRpcError(err, Code.Protocol));
        return;
      }
      this.watchPartial();
    });
    socket.on('error', (err) => this.fail(new RpcError(Code.ConnectionClosed, `RSocket connection ${this.remoteAddress}: ${err.message}`, { cause: err })));
    socket.on('close', () => this.fail(new RpcError(Code.ConnectionClosed, `RSocket connection ${this.remoteAddress} closed`)));
  }

  /**
   * A client's first frame must be SETUP (or RESUME, which rsocket-core refuses properly). Checked
   * from its first 9 bytes, so a peer speaking something else (HTTP, say) is dropped at once
   * instead of being waited on for a "frame" as long as its first three bytes say.
   */
  private checkOpening(chunk: Buffer): void {
    const opening = Buffer.concat([this.opening!, chunk.subarray(0, OPENING_BYTES)]);
    if (opening.length < OPENING_BYTES) {
      this.opening = opening;
      return;
    }
    this.opening = undefined;
    const type = opening[LENGTH_PREFIX + 4]! >>> 2;
    if (opening.readUInt32BE(LENGTH_PREFIX) !== 0 || (type !== FrameType.SETUP && type !== FrameType.RESUME)) {
      throw new RpcError(Code.Protocol, `${this.remoteAddress} does not speak RSocket: its first frame is not SETUP`);
    }
  }

  private onFrame(bytes: Buffer): void {
    if (this.isClosed) return;
    let frame: Frame;
    try {
      frame = deserializeFrame(bytes, BufferEncoders);
    } catch (err) {
      throw new RpcError(Code.Protocol, `malformed RSocket frame from ${this.remoteAddress}: ${(err as Error).message}`, { cause: err });
    }
    if (frame.streamId !== 0) {
      const whole = this.reassembler.accept(frame, bytes.length);
      if (whole === undefined) return; // a fragment: held, or dropped
      frame = whole;
    } else if (frame.type === FrameType.SETUP && this.setup === undefined) {
      this.setup = { metadataMimeType: frame.metadataMimeType ?? '', dataMimeType: frame.dataMimeType ?? '' };
    }
    TcpConnection.delivering = this;
    try {
      for (const r of this.receivers) r.onNext(frame);
    } finally {
      TcpConnection.delivering = undefined;
    }
  }

  /** A frame whose length prefix arrived must complete within the frame timeout. */
  private watchPartial(): void {
    this.deadline.check(this.reader.pending);
  }


  /** Bytes held in the peer's incomplete fragmented frames. */
  get reassemblyBytes(): number {
    return this.reassembler.bytes;
  }

  /**
   * A fragmented frame would pass the reassembly limit: that stream fails alone with FRAME_TOO_LARGE
   * and the rest of its fragments are dropped as they come. A request is answered with an ERROR
   * frame (a fire-and-forget with nothing); a response fails our call as if the peer had sent that
   * ERROR, and CANCEL asks the peer to stop sending it.
   */
  private refuseFragmented(first: Frame, error: RpcError): void {
    const streamId = first.streamId;
    if (first.type === FrameType.PAYLOAD) {
      const refusal = { type: FrameType.ERROR, flags: 0, streamId, code: ErrorCode.APPLICATION_ERROR, message: errorMessage(error) } as Frame;
      for (const r of this.receivers) r.onNext(refusal);
      this.sendOne({ type: FrameType.CANCEL, flags: 0, streamId } as Frame);
    } else if (first.type !== FrameType.REQUEST_FNF) {
      this.sendOne({ type: FrameType.ERROR, flags: 0, streamId, code: ErrorCode.APPLICATION_ERROR, message: errorMessage(error) } as Frame);
    }
  }

  sendOne(frame: Frame): void {
    const socket = this.socket;
    if (socket === undefined || this.isClosed) return;
    let parts: readonly Buffer[];
    try {
      parts = this.encode(frame);
    } catch (err) {
      if (RpcError.is(err, Code.FrameTooLarge)) this.fail(err);
      // A frame we cannot encode is our bug, not the peer's: fail the connection loudly.
      else this.fail(new RpcError(Code.Internal, `cannot encode RSocket frame: ${(err as Error).message}`, { cause: err }));
      return;
    }
    if (frame.type === FrameType.CANCEL || frame.type === FrameType.ERROR) this.reassembler.abandon(frame.streamId);
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      process.nextTick(this.flushBound);
    }
    for (const bytes of parts) socket.write(bytes);
    // A peer that sends requests and never reads the replies: stop reading it until it does.
    if (this.accepted && !this.readsPaused && socket.writableLength > CONGESTION_BYTES) {
      this.readsPaused = true;
      socket.pause();
      socket.once('drain', () => {
        this.readsPaused = false;
        if (!this.isClosed) socket.resume();
      });
    }
  }

  /**
   * The frame's bytes: fragments when it is larger than `fragmentSize`. Callers refuse a payload over
   * `maxFrameSize` before it gets here (FRAME_TOO_LARGE for that call); this is the backstop.
   */
  private encode(frame: Frame): readonly Buffer[] {
    if (!isFragmentable(frame.type)) return frameParts(frame);
    // payloadExceeds counts the largest fixed part (request-n, metadata length): a frame within a few
    // bytes of fragmentSize may be fragmented too, which is harmless.
    const data = frame.data ?? null;
    const metadata = (frame.flags & Flag.METADATA) !== 0 ? frame.metadata ?? null : null;
    if (payloadExceeds(data, metadata, this.maxFrameSize)) {
      throw new RpcError(Code.FrameTooLarge, `an RSocket frame on stream ${frame.streamId} exceeds the limit of ${this.maxFrameSize} bytes`);
    }
    return payloadExceeds(data, metadata, this.fragmentSize) ? fragmentParts(frame, this.fragmentSize) : frameParts(frame);
  }

  private flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket?.uncork();
  }

  send(frames: Flowable<Frame>): void {
    let subscription: Subscription | undefined;
    frames.subscribe({
      onSubscribe: (s) => {
        subscription = s;
        this.senders.add(s);
        s.request(Number.MAX_SAFE_INTEGER);
      },
      onNext: (frame) => this.sendOne(frame),
      onComplete: () => subscription && this.senders.delete(subscription),
      onError: (error) => {
        if (subscription) this.senders.delete(subscription);
        this.fail(toRpcError(error, Code.Internal));
      },
    });
  }

  receive(): Flowable<Frame> {
    return new FlowableCtor<Frame>((sink) => {
      sink.onSubscribe({
        request: () => this.receivers.add(sink),
        cancel: () => this.receivers.delete(sink),
      });
    });
  }

  connectionStatus(): Flowable<ConnectionStatus> {
    return new FlowableCtor<ConnectionStatus>((sink) => {
      sink.onSubscribe({
        request: () => {
          if (this.statusSinks.has(sink)) return;
          this.statusSinks.add(sink);
          sink.onNext(this.status);
        },
        cancel: () => this.statusSinks.delete(sink),
      });
    });
  }

  /** KEEPALIVE with the Respond flag: a live peer answers it from its I/O loop, however busy its methods. */
  probe(): void {
    this.sendOne({ type: FrameType.KEEPALIVE, streamId: 0, flags: KEEPALIVE_RESPOND, lastReceivedPosition: 0, data: null } as unknown as Frame);
  }

  /** Flushes what is queued, then closes cleanly. */
  close(): void {
    this.shutdown(undefined);
  }

  /** Closes with an error: every stream on it fails with `error`. */
  fail(error: RpcError): void {
    this.shutdown(error);
  }

  private shutdown(error: RpcError | undefined): void {
    if (this.isClosed) return;
    this.deadline.clear();
    this.reassembler.clear();
    this.closeError = error ?? new RpcError(Code.ConnectionClosed, `RSocket connection ${this.remoteAddress} closed`);
    this.setStatus(error ? { kind: 'ERROR', error } : { kind: 'CLOSED' });
    // Before SETUP a provider has no streams to fail, and rsocket-core's server would only
    // console.error the error: end such a connection quietly.
    const quiet = this.accepted && this.setup === undefined;
    for (const r of this.receivers) {
      if (error && !quiet) r.onError(error);
      else r.onComplete();
    }
    this.receivers.clear();
    for (const s of this.senders) s.cancel();
    this.senders.clear();
    const socket = this.socket;
    if (socket !== undefined) {
      this.flush();
      socket.end();
      // A peer that never reads must not keep the socket (and the process) alive.
      setTimeout(() => socket.destroy(), 1000).unref();
    }
  }

  private setStatus(status: ConnectionStatus): void {
    this.status = status;
    for (const s of this.statusSinks) s.onNext(status);
  }
}
