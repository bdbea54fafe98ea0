import * as net from 'node:net';
import { once } from 'node:events';
import { Code, RpcError, type PeerIdentity, type TlsOptions } from '@meshlet/core';
import { Connection, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_FRAME_SIZE, ServerTls } from '@meshlet/core/engine';
import type { RelayCodec } from './relay/index.js';

export interface ListenerOptions {
  readonly host: string;
  readonly port: number;
  /** Where connections that start with an HTTP method go (the agent's API on the same port). */
  readonly http?: ((socket: net.Socket) => void) | undefined;
  readonly maxFrameSize?: number;
  /** Close connections silent for this long, ms (180 000: callers heartbeat well within it). */
  readonly idleTimeout?: number;
  /**
   * On stop, once no call is in flight, wait until none has arrived for this long, ms, before
   * closing (default 250): calls a caller sent before it read the stop signal, or that keep coming
   * from callers of a protocol without one until their health check moves them away, are served.
   */
  readonly closeLinger?: number;
  /**
   * On stop, callers of a protocol whose stop signal is refusing (Motan2) are still served for
   * this long, ms (at most half the grace period), then refused. 0 (default): refused at once, as
   * an app's own agent should (the app has no registry to see it withdrawn); callers that found
   * the port in a registry (ingress) get time to see it withdrawn, as a direct provider gives them.
   */
  readonly stopNotice?: number;
  /**
   * TLS on this port, as every engine listener has it (core's ServerTls): `strict` takes TLS only;
   * `permissive` also plaintext, told apart by the first byte (0x16 starts a ClientHello). The
   * protocol is sniffed inside the TLS stream, so one port still carries every protocol and the API.
   */
  readonly tls?: TlsOptions | undefined;
  /** Connections held at most; more are closed on arrival (core's DEFAULT_MAX_CONNECTIONS). */
  readonly maxConnections?: number | undefined;
  /**
   * Where HTTP/2 connections go (they start with the preface `PRI * HTTP/2.0`): Triple's stream
   * relay. It takes the socket paused, the preface unread, and is drained and stopped with the rest.
   */
  readonly h2?: StreamRelay | undefined;
}

/** A relay of a stream-shaped protocol (HTTP/2) on a sniffing port. */
export interface StreamRelay {
  readonly busy: boolean;
  readonly begun: number;
  readonly connectionCount: number;
  accept(socket: net.Socket): void;
  idle(): Promise<void>;
  goAway(): void;
  destroy(): void;
}

/** What a listener does with each accepted connection once it knows the protocol. */
export interface SessionLike {
  readonly busy: boolean;
  /** Requests taken so far. */
  readonly begun: number;
  onFrame(frame: Buffer): void;
  idle(): Promise<void>;
  /** Tells the caller to send no new calls (on stop); a refusing protocol's refusals begin after `noticeMs`. */
  goAway(noticeMs: number): void;
}

/** `identity`: over mTLS, who the caller's certificate says it is. */
export type SessionFactory = (connection: Connection, codec: RelayCodec, identity: PeerIdentity | undefined) => SessionLike;

/**
 * One TCP port for every protocol the agent relays: the first byte a caller sends names the
 * protocol (Dubbo's magic starts 0xda, Motan2's 0xf1, Bolt's protocol code is 0x01 or 0x02), and
 * the connection speaks that protocol from then on. So an app (or another agent) needs one agent
 * address whatever it speaks. `PRI` starts HTTP/2 (Triple): that connection goes to the stream
 * relay (`h2`). Another upper-case ASCII letter starts an HTTP request (GET, POST):
 * that connection goes to the agent's API, so one address serves registration too. A first byte
 * that starts none of them closes the connection.
 */
export class SniffingListener {
  #server: net.Server | undefined;
  #tls: ServerTls | undefined;
  #bound: { host: string; port: number } | undefined;
  readonly #byFirstByte = new Map<number, RelayCodec>();
  readonly #sessions = new Map<Connection, SessionLike>();
  /** Connections handed to the HTTP API: the listener closes them on stop (keep-alive would hold it open). */
  readonly #httpSockets = new Set<net.Socket>();
  #idleTimer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;

  constructor(codecs: readonly RelayCodec[], private readonly newSession: SessionFactory, private readonly options: ListenerOptions) {
    for (const c of codecs) for (const b of c.firstBytes) this.#byFirstByte.set(b, c);
  }

  get address(): { host: string; port: number } | undefined {
    return this.#bound;
  }

  get connectionCount(): number {
    return this.#sessions.size + (this.options.h2?.connectionCount ?? 0);
  }

  /** TLS handshakes refused on this port so far, by reason; undefined without TLS. */
  get tlsFailures(): ReadonlyMap<string, number> | undefined {
    return this.#tls?.failures;
  }

  async listen(): Promise<{ host: string; port: number }> {
    if (this.#bound) return this.#bound;
    // The listener opens only once its certificates are loaded (UNAVAILABLE when they never are).
    // With a stream relay, TLS offers ALPN: `h2` for HTTP/2 callers (gRPC clients insist on it),
    // `http/1.1` first so HTTPS clients that offer both still reach the API over HTTP/1.1.
    const alpn = this.options.h2 ? { alpn: ['http/1.1', 'h2'] } : {};
    if (this.options.tls) this.#tls ??= await ServerTls.create(this.options.tls, (socket, identity) => this.#sniff(socket, identity), alpn);
    const secure = this.#tls;
    const server = net.createServer(secure ? (socket) => this.#secure(secure, socket) : (socket) => this.#sniff(socket, undefined));
    server.maxConnections = this.options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.#server = server;
    server.listen(this.options.port, this.options.host);
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([err]) => {
        throw new RpcError(Code.InvalidArgument, `the agent cannot listen on ${this.options.host}:${this.options.port}: ${(err as Error).message}`, { cause: err });
      }),
    ]);
    const a = server.address() as net.AddressInfo;
    this.#bound = { host: a.address, port: a.port };
    const idle = this.options.idleTimeout ?? 180_000;
    this.#idleTimer = setInterval(() => this.#closeIdle(idle), Math.max(50, Math.min(idle / 3, 10_000)));
    this.#idleTimer.unref();
    return this.#bound;
  }

  /** A TCP socket of a TLS port: the TLS side handshakes it (or, permissive, passes plaintext on). */
  #secure(secure: ServerTls, socket: net.Socket): void {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    socket.on('error', () => {}); // a reset during the handshake is the TLS side's to count
    secure.accept(socket);
  }

  /** A socket ready for bytes (plaintext, or the clear side of TLS): its first byte names the protocol. */
  #sniff(socket: net.Socket, identity: PeerIdentity | undefined): void {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    socket.on('error', () => {}); // until a Connection owns it
    // A caller that connects and says nothing is not kept.
    const silent = setTimeout(() => socket.destroy(), Math.min(this.options.idleTimeout ?? 180_000, 30_000));
    silent.unref();
    socket.once('close', () => clearTimeout(silent));
    const h2 = this.options.h2;
    let head: Buffer | undefined;
    const onData = (chunk: Buffer) => {
      head = head === undefined ? chunk : Buffer.concat([head, chunk]);
      // HTTP/2's preface ("PRI") and HTTP's POST, PUT, PATCH share their first byte: three tell.
      if (h2 !== undefined && head[0] === 0x50 && head.length < 3) return;
      socket.off('data', onData);
      this.#route(socket, head, identity, silent);
    };
    socket.on('data', onData);
  }

  /** Hands the socket to what its first bytes name: HTTP/2 (Triple), the API's HTTP, or a frame protocol's session. */
  #route(socket: net.Socket, first: Buffer, identity: PeerIdentity | undefined, silent: NodeJS.Timeout): void {
    clearTimeout(silent);
    socket.pause();
    const h2 = this.options.h2;
    if (h2 !== undefined && first[0] === 0x50 && first[1] === 0x52 && first[2] === 0x49 && !this.#closing) {
      socket.unshift(first);
      h2.accept(socket); // paused: node:http2 reads the unshifted preface itself
      return;
    }
    const codec = this.#byFirstByte.get(first[0]!);
    const http = this.options.http;
    if (codec === undefined && http !== undefined && isUpperAscii(first[0]!) && !this.#closing) {
      socket.unshift(first);
      this.#httpSockets.add(socket);
      socket.once('close', () => this.#httpSockets.delete(socket));
      http(socket);
      socket.resume();
      return;
    }
    if (codec === undefined || this.#closing) {
      socket.destroy();
      return;
    }
    socket.unshift(first);
    const conn = new Connection(socket, codec.splitter, this.options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE);
    const session = this.newSession(conn, codec, identity);
    this.#sessions.set(conn, session);
    conn.start({ onFrame: (frame) => session.onFrame(frame), onClose: () => this.#sessions.delete(conn) });
    socket.resume();
  }

  #closeIdle(idleTimeout: number): void {
    const now = Date.now();
    for (const [conn, s] of this.#sessions) {
      if (!s.busy && now - conn.lastReadAt >= idleTimeout) conn.close(new RpcError(Code.ConnectionClosed, `idle for ${idleTimeout} ms`));
    }
  }

  /**
   * Stops accepting, tells every caller to send no more (the protocol's signal), serves what is in
   * flight and what still arrives until quiet (at most `graceMs`), then closes every connection.
   */
  close(graceMs = 5000): Promise<void> {
    this.#closing ??= this.#close(graceMs);
    return this.#closing;
  }

  async #close(graceMs: number): Promise<void> {
    if (this.#idleTimer) clearInterval(this.#idleTimer);
    this.#tls?.close();
    const server = this.#server;
    const closed = server ? new Promise<void>((r) => server.close(() => r())) : Promise.resolve();
    const notice = Math.min(this.options.stopNotice ?? 0, graceMs / 2);
    for (const s of this.#sessions.values()) s.goAway(notice);
    this.options.h2?.goAway();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#drain(Date.now() + graceMs), new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    for (const conn of [...this.#sessions.keys()]) conn.close(new RpcError(Code.Shutdown, 'agent stopped'));
    this.#sessions.clear();
    this.options.h2?.destroy();
    for (const s of this.#httpSockets) s.destroy();
    await closed;
  }

  /** Resolves once no call is in flight and none arrived for `closeLinger` ms (or the deadline passed). */
  async #drain(deadline: number): Promise<void> {
    const linger = this.options.closeLinger ?? 250;
    for (;;) {
      await Promise.all([...[...this.#sessions.values()].map((s) => s.idle()), this.options.h2?.idle()]);
      const remaining = deadline - Date.now();
      if (linger <= 0 || remaining <= 0) return;
      const begun = this.#begun();
      await new Promise<void>((r) => setTimeout(r, Math.min(linger, remaining)));
      if (this.#begun() === begun && ![...this.#sessions.values()].some((s) => s.busy) && !this.options.h2?.busy) return;
    }
  }

  #begun(): number {
    let n = 0;
    for (const s of this.#sessions.values()) n += s.begun;
    return n + (this.options.h2?.begun ?? 0);
  }
}

/** `A`..`Z`: how every HTTP method starts; no RPC frame does. */
function isUpperAscii(b: number): boolean {
  return b >= 0x41 && b <= 0x5a;
}
