import * as http2 from 'node:http2';
import * as net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Code, RpcError, type PeerIdentity, type ProtocolServer, type ServerHandler, type ServerOptions } from '@meshlet/core';
import { DeadlineQueue, peerIdentityOf, ServerTls, tlsReady } from '@meshlet/core/engine';
import { DEFAULT_MAX_MESSAGE_SIZE } from './constants.js';
import { serveStream, type Arrival, type CallGate, type ServerCall } from './server-call.js';
import { http2TlsOptions } from './tls.js';
import { widenSessionWindow } from './session-window.js';

export interface TripleServerOptions {
  /** Largest request message taken and response message sent, bytes (default: `maxFrameSize`, else 8 MiB). */
  readonly maxMessageSize?: number;
  /** Concurrent calls one connection may have (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS; default `maxInFlightPerConnection`, else 4096). */
  readonly maxConcurrentStreams?: number;
  /** Request messages of a client or bidi stream held unread before reading pauses (default 16). */
  readonly streamWindow?: number;
}

/**
 * Meshlet's Triple provider: an HTTP/2 server (cleartext h2c, TLS with ALPN `h2`, or both on one
 * port with `tls.mode: 'permissive'`), one call
 * per stream. Graceful stop: no new connections, GOAWAY on every session (the peer sends no new
 * calls on it; those it had in flight finish), at most `graceMs` for them, then every session is
 * destroyed.
 */
export class TripleProtocolServer implements ProtocolServer, CallGate {
  private server: http2.Http2Server | http2.Http2SecureServer | undefined;
  /** What listens: the HTTP/2 server itself, or on a permissive port the TCP server in front of it. */
  private listening: net.Server | undefined;
  private bound: { host: string; port: number } | undefined;
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private inFlight = 0;
  private stopWatching: (() => void) | undefined;
  accepting = true;
  readonly maxMessageSize: number;
  readonly window: number;
  readonly requestTimeout: number;
  /** Requests still arriving, by when they must be whole: one timer for all (one timeout: always in order). */
  readonly arrivals = new DeadlineQueue<Arrival>((a) => a.call.fail(new RpcError(Code.BadRequest, `the request did not arrive whole within ${this.requestTimeout} ms`)));
  /** Calls running, by their callers' deadlines: one timer, a call out of order gets its own. */
  readonly deadlines = new DeadlineQueue<ServerCall>((c) => c.expire());
  private readonly maxConcurrentStreams: number;

  constructor(
    readonly handler: ServerHandler,
    private readonly options: ServerOptions = {},
    tripleOptions: TripleServerOptions = {},
  ) {
    this.maxMessageSize = tripleOptions.maxMessageSize ?? options.maxFrameSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.window = Math.max(1, tripleOptions.streamWindow ?? 16);
    this.requestTimeout = options.frameTimeout ?? 30_000;
    this.maxConcurrentStreams = tripleOptions.maxConcurrentStreams ?? options.maxInFlightPerConnection ?? 4096;
  }

  get address(): { host: string; port: number } | undefined {
    return this.bound;
  }

  /** Calls being served right now. */
  get pendingCount(): number {
    return this.inFlight;
  }

  async listen(): Promise<{ host: string; port: number }> {
    if (this.bound) return this.bound;
    const settings: http2.Settings = { maxConcurrentStreams: this.maxConcurrentStreams };
    const tls = this.options.tls;
    let server: http2.Http2Server | http2.Http2SecureServer;
    let listening: net.Server | http2.Http2Server | http2.Http2SecureServer;
    if (tls?.mode === 'permissive') {
      // TLS and plaintext h2c on one port: the engine's TLS side looks at the first byte (0x16 is a
      // ClientHello, anything else the "PRI * HTTP/2.0" preface) and hands both kinds of socket to
      // one cleartext HTTP/2 server: over TLS (ALPN h2) its sessions run on the TLSSocket.
      const h2 = http2.createServer({ settings });
      const secure = await ServerTls.create(tls, (socket) => h2.emit('connection', socket), { alpn: ['h2'], plainPaused: true });
      this.stopWatching = () => secure.close();
      server = h2;
      listening = net.createServer({ noDelay: true }, (socket) => secure.accept(socket));
    } else if (tls) {
      await tlsReady(tls);
      const secure = http2.createSecureServer({ ...http2TlsOptions(tls), settings, allowHTTP1: false });
      server = secure;
      this.stopWatching = tls.source?.onChange(() => {
        try {
          secure.setSecureContext(http2TlsOptions(tls));
        } catch {
          // The previous certificates stay in use.
        }
      });
      listening = secure;
    } else {
      server = http2.createServer({ settings });
      listening = server;
    }
    this.server = server;
    this.listening = listening;
    // Small frames (headers, a short message, trailers) must go out now: with Nagle on, an answer
    // waits for the peer's delayed ACK (~40 ms) and throughput collapses to a window per 40 ms.
    if (listening === server) server.on('connection', (socket: Socket) => socket.setNoDelay(true));
    server.on('session', (session: http2.ServerHttp2Session) => this.adopt(session));
    server.on('stream', (stream, headers) => {
      const session = stream.session as http2.ServerHttp2Session & { meshletPeer?: { remoteAddress: string; identity: PeerIdentity | undefined } };
      serveStream(this, stream, headers, session.meshletPeer ?? { remoteAddress: '', identity: undefined });
    });
    server.on('sessionError', () => {});
    listening.maxConnections = this.options.maxConnections ?? 10_000;
    const host = this.options.host ?? '0.0.0.0';
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(this.options.port ?? 0, host, () => {
        listening.off('error', reject);
        resolve();
      });
    });
    const addr = listening.address() as AddressInfo;
    this.bound = { host, port: addr.port };
    return this.bound;
  }

  private adopt(session: http2.ServerHttp2Session): void {
    widenSessionWindow(session);
    const socket = session.socket;
    const tlsSocket = socket as TLSSocket;
    let identity: PeerIdentity | undefined;
    if (this.options.tls?.requestCert === true && tlsSocket.authorized) {
      const cert = tlsSocket.getPeerX509Certificate?.();
      if (cert) identity = peerIdentityOf(cert);
    }
    const host = socket.remoteAddress ?? '';
    (session as http2.ServerHttp2Session & { meshletPeer?: unknown }).meshletPeer = {
      remoteAddress: `${host.includes(':') ? `[${host}]` : host}:${socket.remotePort ?? 0}`,
      identity,
    };
    session.on('error', () => {});
    if (!this.accepting) {
      session.close();
      return;
    }
    this.sessions.add(session);
    session.once('close', () => this.sessions.delete(session));
    // A connection silent for `idleTimeout` (default 180 s, as the engine's ports) is closed the
    // graceful way: GOAWAY, then whatever calls are still open finish first.
    session.setTimeout(this.options.idleTimeout ?? 180_000, () => session.close());
  }

  begin(): void {
    this.inFlight++;
  }

  end(): void {
    this.inFlight--;
  }

  async close(graceMs = 10_000): Promise<void> {
    if (!this.accepting) return;
    this.accepting = false;
    this.stopWatching?.();
    const server = this.listening;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    // GOAWAY: the peer opens no new streams here; the ones in flight run on.
    for (const session of this.sessions) session.close();
    // Each session closes by itself once its last stream has sent its trailers (counting calls
    // alone would destroy a session whose final trailers are still unflushed).
    const sessionsGone = Promise.all([...this.sessions].map((s) => (s.closed && s.destroyed ? undefined : new Promise<void>((resolve) => s.once('close', () => resolve())))));
    if (graceMs > 0 && (this.inFlight > 0 || this.sessions.size > 0)) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        sessionsGone,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(timer);
    }
    for (const session of this.sessions) session.destroy();
    this.sessions.clear();
    await closed;
  }
}
