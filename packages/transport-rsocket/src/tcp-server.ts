import * as net from 'node:net';
import * as tls from 'node:tls';
import type { TlsOptions } from '@meshlet/core';
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
}

/**
 * The listening side of our TCP transport, as rsocket-core's server wants it: a Flowable of
 * accepted connections. `listening` resolves with the bound address; `stopAccepting` closes the
 * listener without touching open connections (graceful stop drains those first).
 */
export class TcpServerTransport implements ServerTransport {
  private server: net.Server | undefined;
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
          const onSocket = (socket: net.Socket) => sink.onNext(new TcpConnection(socket, this.options.maxFrameSize, undefined, this.options.frameTimeout, this.options.fragmentSize));
          const server = this.options.tls
            ? tls.createServer(this.options.tls, onSocket)
            : net.createServer(onSocket);
          this.server = server;
          // Before listening: the bind failed. After: nothing to do but keep serving.
          server.on('error', (err) => this.rejectBound(err));
          server.listen(this.options.port, this.options.host, () => {
            const a = server.address() as net.AddressInfo;
            this.resolveBound({ host: a.address, port: a.port });
          });
        },
        cancel: () => this.stopAccepting(),
      });
    });
  }

  /** Closes the listener; open connections stay. */
  stopAccepting(): void {
    this.server?.close();
  }

  stop(): void {
    this.stopAccepting();
  }
}
