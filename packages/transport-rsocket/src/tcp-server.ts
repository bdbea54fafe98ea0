import * as net from 'node:net';
import type { PeerIdentity, TlsOptions } from '@meshlet/core';
import { DEFAULT_MAX_CONNECTIONS, ServerTls } from '@meshlet/core/engine';
import { FlowableCtor, type DuplexConnection, type Flowable, type ServerTransport } from './rsocket-lib.js';
import { TcpConnection } from './tcp-connection.js';

export interface TcpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: TlsOptions | undefined;
  readonly maxFrameSize: number;
  /** Frames larger than this are sent as fragments (16 MiB - 1 when unset). */
  readonly fragmentSize?: number | undefined;
  /** ms for a frame to complete once its length prefix arrived (core's DEFAULT_FRAME_TIMEOUT). */
  readonly frameTimeout?: number | undefined;
  /** Connections held at most; more are closed on arrival (core's DEFAULT_MAX_CONNECTIONS). */
  readonly maxConnections?: number | undefined;
}

/**
 * The listening side of our TCP transport, as rsocket-core's server wants it: a Flowable of
 * accepted connections. `listening` resolves with the bound address; `stopAccepting` closes the
 * listener without touching open connections (graceful stop drains those first).
 */
export class TcpServerTransport implements ServerTransport {
  private server: net.Server | undefined;
  private tls: ServerTls | undefined;
  private readonly bound: Promise<{ host: string; port: number }>;
  private resolveBound!: (address: { host: string; port: number }) => void;
  private rejectBound!: (error: Error) => void;

  constructor(private readonly options: TcpServerOptions) {
    this.bound = new Promise((resolve, reject) => {
      this.resolveBound = resolve;
      this.rejectBound = reject;
    });
    this.bound.catch(() => {}); // observed by `listening`
  }

  /** Resolves once listening (after rsocket-core's server called `start()`). */
  get listening(): Promise<{ host: string; port: number }> {
    return this.bound;
  }

  start(): Flowable<DuplexConnection> {
    return new FlowableCtor<DuplexConnection>((sink) => {
      sink.onSubscribe({
        request: () => {
          if (this.server !== undefined) return;
          const onSocket = (socket: net.Socket, identity: PeerIdentity | undefined) => {
            const conn = new TcpConnection(socket, this.options.maxFrameSize, undefined, this.options.frameTimeout, this.options.fragmentSize);
            conn.identity = identity;
            sink.onNext(conn);
          };
          this.server = net.createServer();
          this.bind(onSocket).catch((err: Error) => this.rejectBound(err));
        },
        cancel: () => this.stopAccepting(),
      });
    });
  }

  /**
   * TLS as every engine listener has it (core's ServerTls: certificates from a rotating source,
   * strict or permissive, the handshake limit, the caller's identity): the TCP listener accepts,
   * the TLS side handshakes (or, permissive, passes plaintext through) and hands on the socket.
   */
  private async bind(onSocket: (socket: net.Socket, identity: PeerIdentity | undefined) => void): Promise<void> {
    const server = this.server!;
    if (this.options.tls) {
      // The listener opens only once its certificates are there (UNAVAILABLE when they never come).
      const secure = await ServerTls.create(this.options.tls, onSocket);
      this.tls = secure;
      if (this.stopped) {
        secure.close();
        throw new Error('stopped before listening');
      }
      server.on('connection', (socket: net.Socket) => secure.accept(socket));
    } else {
      server.on('connection', (socket: net.Socket) => onSocket(socket, undefined));
    }
    server.maxConnections = this.options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    // Before listening: the bind failed. After: nothing to do but keep serving.
    server.on('error', (err) => this.rejectBound(err));
    server.listen(this.options.port, this.options.host, () => {
      const a = server.address() as net.AddressInfo;
      this.resolveBound({ host: a.address, port: a.port });
    });
  }

  private stopped = false;

  /** Closes the listener; open connections stay. */
  stopAccepting(): void {
    this.stopped = true;
    this.tls?.close();
    this.server?.close();
  }

  stop(): void {
    this.stopAccepting();
  }
}
