import * as net from 'node:net';
import { once } from 'node:events';
import { Code, Connection, DEFAULT_MAX_FRAME_SIZE, RpcError } from '@meshlet/core';
import type { RelayCodec } from './relay/index.js';

export interface ListenerOptions {
  readonly host: string;
  readonly port: number;
  /** Where connections that start with an HTTP method go (the agent's API on the same port). */
  readonly http?: ((socket: net.Socket) => void) | undefined;
  readonly maxFrameSize?: number;
  /** Close connections silent for this long, ms (180 000: callers heartbeat well within it). */
  readonly idleTimeout?: number;
}

/** What a listener does with each accepted connection once it knows the protocol. */
export interface SessionLike {
  readonly busy: boolean;
  onFrame(frame: Buffer): void;
  idle(): Promise<void>;
}

export type SessionFactory = (connection: Connection, codec: RelayCodec) => SessionLike;

/**
 * One TCP port for every protocol the agent relays: the first byte a caller sends names the
 * protocol (Dubbo's magic starts 0xda, Motan2's 0xf1, Bolt's protocol code is 0x01 or 0x02), and
 * the connection speaks that protocol from then on. So an app (or another agent) needs one agent
 * address whatever it speaks. An upper-case ASCII letter starts an HTTP request (GET, POST):
 * that connection goes to the agent's API, so one address serves registration too. A first byte
 * that starts none of them closes the connection.
 */
export class SniffingListener {
  #server: net.Server | undefined;
  #bound: { host: string; port: number } | undefined;
  readonly #byFirstByte = new Map<number, RelayCodec>();
  readonly #sessions = new Map<Connection, SessionLike>();
  #idleTimer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;

  constructor(codecs: readonly RelayCodec[], private readonly newSession: SessionFactory, private readonly options: ListenerOptions) {
    for (const c of codecs) for (const b of c.firstBytes) this.#byFirstByte.set(b, c);
  }

  get address(): { host: string; port: number } | undefined {
    return this.#bound;
  }

  get connectionCount(): number {
    return this.#sessions.size;
  }

  async listen(): Promise<{ host: string; port: number }> {
    if (this.#bound) return this.#bound;
    const server = net.createServer((socket) => this.#accept(socket));
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

  #accept(socket: net.Socket): void {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    socket.on('error', () => {}); // until a Connection owns it
    // A caller that connects and says nothing is not kept.
    const silent = setTimeout(() => socket.destroy(), Math.min(this.options.idleTimeout ?? 180_000, 30_000));
    silent.unref();
    socket.once('close', () => clearTimeout(silent));
    socket.once('data', (first: Buffer) => {
      clearTimeout(silent);
      socket.pause();
      const codec = this.#byFirstByte.get(first[0]!);
      const http = this.options.http;
      if (codec === undefined && http !== undefined && isUpperAscii(first[0]!) && !this.#closing) {
        socket.unshift(first);
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
      const session = this.newSession(conn, codec);
      this.#sessions.set(conn, session);
      conn.start({ onFrame: (frame) => session.onFrame(frame), onClose: () => this.#sessions.delete(conn) });
      socket.resume();
    });
  }

  #closeIdle(idleTimeout: number): void {
    const now = Date.now();
    for (const [conn, s] of this.#sessions) {
      if (!s.busy && now - conn.lastReadAt >= idleTimeout) conn.close(new RpcError(Code.ConnectionClosed, `idle for ${idleTimeout} ms`));
    }
  }

  /** Stops accepting, lets in-flight calls finish (at most `graceMs`), then closes every connection. */
  close(graceMs = 5000): Promise<void> {
    this.#closing ??= this.#close(graceMs);
    return this.#closing;
  }

  async #close(graceMs: number): Promise<void> {
    if (this.#idleTimer) clearInterval(this.#idleTimer);
    const server = this.#server;
    const closed = server ? new Promise<void>((r) => server.close(() => r())) : Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.#sessions.values()].map((s) => s.idle())),
      new Promise<void>((r) => (timer = setTimeout(r, graceMs))),
    ]);
    clearTimeout(timer);
    for (const conn of [...this.#sessions.keys()]) conn.close(new RpcError(Code.Shutdown, 'agent stopped'));
    this.#sessions.clear();
    await closed;
  }
}

/** `A`..`Z`: how every HTTP method starts; no RPC frame does. */
function isUpperAscii(b: number): boolean {
  return b >= 0x41 && b <= 0x5a;
}
