import * as net from 'node:net';
import { once } from 'node:events';
import { Code, RpcError } from '../errors.js';
import { Connection } from './connection.js';
import type { FrameSplitter } from './frame-reader.js';
import { DEFAULT_MAX_FRAME_SIZE, DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION, inFlightLimit, type ListenOptions } from './options.js';
import { connectionChanged } from '../telemetry/metrics.js';
import type { PeerIdentity } from '../transport-options.js';
import { ServerTls } from './tls.js';

/** The protocol side of a server connection. */
export interface ServerCodec {
  readonly splitter: FrameSplitter;
  /** Handles one inbound frame. Requests are tracked with `conn.begin()` / `conn.end()`. Throwing closes the connection. */
  onFrame(conn: ServerConnection, frame: Buffer): void;
  /** The frame telling a client to send no new calls on this connection, if the protocol has one. */
  encodeGoAway(): Uint8Array | undefined;
}

export interface FrameServerOptions extends ListenOptions {
  /**
   * On graceful stop, once every connection is drained, keep them open (still serving) until no
   * request has arrived for this long, ms, before closing (bounded by the grace period; default 0).
   * For clients that fail their pending calls the moment they read the close, before they have
   * handled the replies read just ahead of it (Java Bolt's client), and that keep sending to a
   * stopping server for want of a GoAway they understand.
   */
  readonly closeLinger?: number | undefined;
}

/**
 * Connections one listener holds at most (default); more are closed as they arrive. Java Dubbo
 * and Netty set no limit; a port that faces the public needs one.
 */
export const DEFAULT_MAX_CONNECTIONS = 10_000;

/** A server-side connection that counts the requests it is still answering. */
export class ServerConnection {
  private inFlight = 0;
  private begunCount = 0;
  private drainWaiters: (() => void)[] = [];

  constructor(
    readonly connection: Connection,
    /** Over mTLS, who the client's certificate says it is. */
    readonly identity?: PeerIdentity | undefined,
    /** Requests in flight at which `full` turns true (ListenOptions.maxInFlightPerConnection). */
    private readonly maxInFlight = DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION,
  ) {}

  get remoteAddress(): string {
    return this.connection.remoteAddress;
  }

  get busy(): boolean {
    return this.inFlight > 0;
  }

  /**
   * True when this connection already has its limit of requests in flight: the codec answers the
   * next request with its busy refusal before decoding it, and does not `begin()` it. One compare
   * per request, in the codec's own order (heartbeats and events are never refused).
   */
  get full(): boolean {
    return this.inFlight >= this.maxInFlight;
  }

  /** Requests begun on this connection so far. */
  get begun(): number {
    return this.begunCount;
  }

  begin(): void {
    this.inFlight++;
    this.begunCount++;
  }

  end(): void {
    if (--this.inFlight === 0 && this.drainWaiters.length > 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    }
  }

  write(frame: Uint8Array): void {
    this.connection.write(frame);
  }

  /** Resolves when no request is in flight. */
  idle(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((r) => this.drainWaiters.push(r));
  }
}

/**
 * A TCP (or TLS) listener for one frame protocol: accepts connections, closes idle ones, and stops
 * gracefully: no new connections, a GoAway to every client, in-flight requests drained, then close.
 */
export class FrameServer {
  private server: net.Server | undefined;
  private tls: ServerTls | undefined;
  private readonly connections = new Set<ServerConnection>();
  private idleTimer: NodeJS.Timeout | undefined;
  private bound: { host: string; port: number } | undefined;
  private closing: Promise<void> | undefined;
  private maxInFlight = DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION;

  constructor(
    private readonly codec: ServerCodec,
    private readonly options: FrameServerOptions = {},
  ) {}

  get address(): { host: string; port: number } | undefined {
    return this.bound;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  async listen(): Promise<{ host: string; port: number }> {
    if (this.bound) return this.bound;
    this.maxInFlight = inFlightLimit(this.options.maxInFlightPerConnection);
    if (this.options.tls) this.tls ??= await ServerTls.create(this.options.tls, (socket, identity) => this.accept(socket, identity));
    const secure = this.tls;
    const server = net.createServer(secure ? (socket) => secure.accept(socket) : (socket) => this.accept(socket, undefined));
    server.maxConnections = this.options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.server = server;
    // No host: Node listens on every interface (`::` with IPv4 mapped, or `0.0.0.0` without IPv6),
    // because a provider exists to be called from other hosts and registers a non-loopback address.
    server.listen(this.options.port ?? 0, this.options.host);
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([err]) => {
        throw new RpcError(Code.InvalidArgument, `cannot listen on ${this.options.host ?? '*'}:${this.options.port ?? 0}: ${(err as Error).message}`, { cause: err });
      }),
    ]);
    const addr = server.address() as net.AddressInfo;
    this.bound = { host: addr.address, port: addr.port };
    const idleTimeout = this.options.idleTimeout ?? 180_000;
    this.idleTimer = setInterval(() => this.closeIdle(idleTimeout), Math.max(50, Math.min(idleTimeout / 3, 10_000)));
    this.idleTimer.unref();
    return this.bound;
  }

  private accept(socket: net.Socket, identity: PeerIdentity | undefined): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const conn = new Connection(socket, this.codec.splitter, this.options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE, {
      frameTimeout: this.options.frameTimeout,
      writeHighWater: this.options.writeHighWater,
      pauseReadsWhenCongested: true,
    });
    const sc = new ServerConnection(conn, identity, this.maxInFlight);
    this.connections.add(sc);
    connectionChanged('server', 1);
    conn.start({
      onFrame: (frame) => this.codec.onFrame(sc, frame),
      onClose: () => {
        connectionChanged('server', -1);
        this.connections.delete(sc);
      },
    });
  }

  private closeIdle(idleTimeout: number): void {
    const now = Date.now();
    for (const sc of this.connections) {
      if (!sc.busy && now - sc.connection.lastReadAt >= idleTimeout) {
        sc.connection.close(new RpcError(Code.ConnectionClosed, `idle for ${idleTimeout} ms`));
      }
    }
  }

  /** Graceful stop; in-flight requests get at most `graceMs` to finish. */
  close(graceMs = 10_000): Promise<void> {
    this.closing ??= this.doClose(graceMs);
    return this.closing;
  }

  /** Resolves once no connection has a request in flight and, with `closeLinger`, none arrived for that long. */
  private async drain(deadline: number): Promise<void> {
    const linger = this.options.closeLinger ?? 0;
    for (;;) {
      await Promise.all([...this.connections].map((sc) => sc.idle()));
      const remaining = deadline - Date.now();
      if (linger <= 0 || remaining <= 0) return;
      const begun = this.begunTotal();
      await new Promise<void>((r) => setTimeout(r, Math.min(linger, remaining)));
      if (this.begunTotal() === begun) return;
    }
  }

  private begunTotal(): number {
    let n = 0;
    for (const sc of this.connections) n += sc.begun;
    return n;
  }

  private async doClose(graceMs: number): Promise<void> {
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.tls?.close();
    const server = this.server;
    const closed = server ? new Promise<void>((r) => server.close(() => r())) : Promise.resolve();
    const goAway = this.codec.encodeGoAway();
    if (goAway) for (const sc of this.connections) sc.write(goAway);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((r) => (timer = setTimeout(r, graceMs)));
    await Promise.race([this.drain(Date.now() + graceMs), timedOut]);
    clearTimeout(timer);
    for (const sc of this.connections) sc.connection.close(new RpcError(Code.Shutdown, 'server stopped'));
    this.connections.clear();
    await closed;
  }
}
