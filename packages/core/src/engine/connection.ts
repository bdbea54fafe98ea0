import type { Socket } from 'node:net';
import { Code, RpcError, toRpcError } from '../errors.js';
import { FrameReader, type FrameSplitter } from './frame-reader.js';

export interface ConnectionHandler {
  /** One complete frame; a view valid only during the call. Throwing closes the connection. */
  onFrame(frame: Buffer): void;
  /** Called once, after the socket is gone. `error` says why when it was not a clean close. */
  onClose(error: RpcError): void;
}

/** Above this many unflushed bytes the connection reports itself congested. */
const CONGESTION_BYTES = 4 * 1024 * 1024;

/**
 * One socket speaking one frame protocol: splits frames, coalesces writes (every frame written in
 * one tick leaves in one writev), remembers when it last heard from the peer, and closes exactly
 * once. Holds no protocol knowledge.
 */
export class Connection {
  /** `Date.now()` of the last byte received. */
  lastReadAt = Date.now();
  private closed = false;
  private corked = false;
  private readonly reader: FrameReader;
  private readonly flushBound = () => this.flush();
  private handler: ConnectionHandler | undefined;
  readonly remoteAddress: string;

  constructor(
    readonly socket: Socket,
    splitter: FrameSplitter,
    maxFrameSize: number,
  ) {
    this.reader = new FrameReader(splitter, maxFrameSize);
    this.remoteAddress = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.setNoDelay(true);
  }

  /** Starts reading. Separate from the constructor so the handler may hold the connection. */
  start(handler: ConnectionHandler): void {
    this.handler = handler;
    const onFrame = (frame: Buffer) => handler.onFrame(frame);
    this.socket.on('data', (chunk: Buffer) => {
      this.lastReadAt = Date.now();
      try {
        this.reader.push(chunk, onFrame);
      } catch (err) {
        this.close(toRpcError(err, Code.Protocol));
      }
    });
    this.socket.on('error', (err) => this.close(new RpcError(Code.ConnectionClosed, `connection ${this.remoteAddress}: ${err.message}`, { cause: err })));
    this.socket.on('close', () => this.close(new RpcError(Code.ConnectionClosed, `connection ${this.remoteAddress} closed`)));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** True while the kernel and Node hold more than a few MiB we have not sent yet. */
  get congested(): boolean {
    return this.socket.writableLength > CONGESTION_BYTES;
  }

  /** Resolves when the connection can take more writes (or is closed). */
  drained(): Promise<void> {
    if (!this.congested || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  write(frame: Uint8Array): void {
    if (this.closed) return;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.flushBound);
    }
    this.socket.write(frame);
  }

  /** Flushes what is queued, then closes. Pending work is the handler's to settle in onClose. */
  close(error: RpcError = new RpcError(Code.ConnectionClosed, `connection ${this.remoteAddress} closed`)): void {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    this.socket.end();
    // A peer that never reads must not keep the socket (and us) alive.
    setTimeout(() => this.socket.destroy(), 1000).unref();
    this.handler?.onClose(error);
  }

  private flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }

  /** Closes at once, dropping unsent bytes. */
  destroy(error?: RpcError): void {
    this.close(error);
    this.socket.destroy();
  }
}

