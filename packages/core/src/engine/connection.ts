import type { Socket } from 'node:net';
import { Code, RpcError, toRpcError } from '../errors.js';
import { FrameReader, type FrameSplitter } from './frame-reader.js';
import { DEFAULT_FRAME_TIMEOUT, DEFAULT_WRITE_HIGH_WATER, engineLimits, type ConnectionLimits } from './options.js';
import { FrameDeadline } from './frame-deadline.js';
import { WriteBatch } from './write-batch.js';

export interface ConnectionHandler {
  /** One complete frame; a view valid only during the call. Throwing closes the connection. */
  onFrame(frame: Buffer): void;
  /** Called once, after the socket is gone. `error` says why when it was not a clean close. */
  onClose(error: RpcError): void;
}

export interface ConnectionSettings extends ConnectionLimits {
  /**
   * Stop reading while our writes are above the high-water mark (servers). Clients leave it off:
   * what they read is bounded by the calls they sent, and a client that stopped reading while
   * its requests back up would deadlock against a server doing the same.
   */
  readonly pauseReadsWhenCongested?: boolean | undefined;
}

/** Partial-frame bytes held by every connection of the process (checked against engineLimits). */
let processBuffered = 0;

/** Bytes of partial frames all connections of this process hold now. */
export function processBufferedBytes(): number {
  return processBuffered;
}

/**
 * One socket speaking one frame protocol: splits frames, coalesces writes (every frame written in
 * one tick leaves in one writev), remembers when it last heard from the peer, and closes exactly
 * once. Holds no protocol knowledge.
 */
export class Connection {
  /** `Date.now()` of the last byte received. */
  lastReadAt = Date.now();
  private closed = false;
  /** Frames written this tick, sent together on the next one (see `write`). */
  private readonly batch = new WriteBatch();
  private readonly reader: FrameReader;
  private readonly flushBound = () => this.flush();
  private handler: ConnectionHandler | undefined;
  /** Partial-frame bytes this connection counts in `processBuffered`. */
  private held = 0;
  private readonly deadline: FrameDeadline;
  private readsPaused = false;
  private draining: Promise<void> | undefined;
  private drainDone: (() => void) | undefined;
  private readonly highWater: number;
  private readonly pauseReads: boolean;
  readonly remoteAddress: string;
  readonly maxFrameSize: number;

  constructor(
    readonly socket: Socket,
    splitter: FrameSplitter,
    maxFrameSize: number,
    settings: ConnectionSettings = {},
  ) {
    this.maxFrameSize = maxFrameSize;
    this.reader = new FrameReader(splitter, maxFrameSize);
    const frameTimeout = settings.frameTimeout ?? DEFAULT_FRAME_TIMEOUT;
    this.deadline = new FrameDeadline(frameTimeout, () => {
      this.close(new RpcError(Code.Timeout, `connection ${this.remoteAddress}: a frame was not complete ${frameTimeout} ms after it began (${this.reader.buffered} bytes held)`));
    });
    this.highWater = settings.writeHighWater ?? DEFAULT_WRITE_HIGH_WATER;
    this.pauseReads = settings.pauseReadsWhenCongested ?? false;
    this.remoteAddress = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.setNoDelay(true);
  }

  /** Starts reading. Separate from the constructor so the handler may hold the connection. */
  start(handler: ConnectionHandler): void {
    this.handler = handler;
    const onFrame = (frame: Buffer) => {
      this.deadline.frameRead();
      handler.onFrame(frame);
    };
    this.socket.on('data', (chunk: Buffer) => {
      // Closed (ending, destroyed within a second): bytes still arriving are dropped, never
      // counted against the process limit again after release() (a dripping peer left 1 byte).
      if (this.closed) return;
      this.lastReadAt = Date.now();
      try {
        this.reader.push(chunk, onFrame);
      } catch (err) {
        this.close(toRpcError(err, Code.Protocol));
        return;
      }
      this.account();
    });
    this.socket.on('error', (err) => this.close(new RpcError(Code.ConnectionClosed, `connection ${this.remoteAddress}: ${err.message}`, { cause: err })));
    this.socket.on('close', () => this.close(new RpcError(Code.ConnectionClosed, `connection ${this.remoteAddress} closed${this.closedHint()}`)));
  }

  /**
   * Why a TLS connection may have closed before the peer sent one byte. Under TLS 1.3 a client's
   * handshake completes before the server has checked the client's certificate; a server that
   * refuses it (untrusted, expired) just closes, and the client would otherwise only see "closed".
   */
  private closedHint(): string {
    const secure = (this.socket as { encrypted?: boolean }).encrypted === true;
    return secure && this.socket.bytesRead === 0 ? ' right after the TLS handshake, before the peer sent anything: it may have refused our certificate (untrusted, expired or missing)' : '';
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** True while the kernel, Node and this tick's batch hold more than the high-water mark we have not sent yet. */
  get congested(): boolean {
    return this.socket.writableLength + this.batch.bytes > this.highWater;
  }

  /** Resolves when the connection can take more writes (or is closed). */
  drained(): Promise<void> {
    if (!this.congested || this.closed) return Promise.resolve();
    // One listener pair however many calls wait (300 pipelined calls would add 300 each).
    this.draining ??= new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        this.draining = undefined;
        this.drainDone = undefined;
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
      // Congested by this tick's batch alone: the socket may take all of it at once and then owe
      // no 'drain', so the flush looks again.
      this.drainDone = done;
    });
    return this.draining;
  }

  /**
   * Queues a frame; everything written in this tick (and its promise continuations) leaves on the
   * next one as one socket write, as a raw echo batches: small frames are joined into one buffer
   * (a copy of a few KiB costs less than a stream write per frame), large ones go as they are, in
   * the same writev. nextTick, not setImmediate: setImmediate batched more (half the writev calls)
   * but cost a loop turn of latency: 80k vs 115k calls/s at 1 KiB ×128 measured side by side.
   */
  write(frame: Uint8Array): void {
    if (this.closed) return;
    if (this.batch.length === 0) process.nextTick(this.flushBound);
    this.batch.push(frame);
  }

  /** Stops reading until the peer has taken our replies: it cannot make us queue more. */
  private pauseReading(): void {
    this.readsPaused = true;
    this.socket.pause();
    this.socket.once('drain', () => {
      this.readsPaused = false;
      if (!this.closed) this.socket.resume();
    });
  }

  /**
   * Keeps the process-wide count of partial-frame bytes, closes a connection that would take it
   * past engineLimits.maxProcessBuffered, and arms the deadline for a frame begun to complete.
   */
  private account(): void {
    const now = this.reader.buffered;
    if (now !== this.held) {
      processBuffered += now - this.held;
      this.held = now;
      if (now > 0 && processBuffered > engineLimits.maxProcessBuffered) {
        this.close(new RpcError(Code.FrameTooLarge, `connection ${this.remoteAddress}: partial frames of all connections hold ${processBuffered} bytes, over the process limit of ${engineLimits.maxProcessBuffered}`));
        return;
      }
    }
    this.deadline.check(now);
  }

  private release(): void {
    this.deadline.clear();
    processBuffered -= this.held;
    this.held = 0;
    this.reader.reset();
  }

  /** Flushes what is queued, then closes. Pending work is the handler's to settle in onClose. */
  close(error: RpcError = new RpcError(Code.ConnectionClosed, `connection ${this.remoteAddress} closed`)): void {
    if (this.closed) return;
    this.closed = true;
    this.release();
    this.flush();
    this.socket.end();
    // A peer that never reads must not keep the socket (and us) alive.
    setTimeout(() => this.socket.destroy(), 1000).unref();
    this.handler?.onClose(error);
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    const socket = this.socket;
    this.batch.writeTo(socket);
    if (this.pauseReads && !this.readsPaused && socket.writableLength > this.highWater) this.pauseReading();
    if (this.drainDone !== undefined && !this.congested) this.drainDone();
  }

  /** Closes at once, dropping unsent bytes. */
  destroy(error?: RpcError): void {
    this.close(error);
    this.socket.destroy();
  }
}

