import { Backoff, Code, RpcError, type BackoffOptions, type TlsOptions } from '@meshlet/core';
import { COMPOSITE_MIME, decodeComposite } from './composite-metadata.js';
import { MESHLET_MIME, decodeMeshlet } from './meshlet-metadata.js';
import { RSocketClient, SingleCtor, type ReceivedPayload, type ReactiveSocket, type Responder, type Single } from './rsocket-lib.js';
import { SETUP_DATA_MIME } from './constants.js';
import { installStreamTables } from './stream-table.js';
import { TcpConnection } from './tcp-connection.js';

export interface ChannelOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: TlsOptions | undefined;
  readonly connectTimeout?: number;
  /** KEEPALIVE interval, ms. */
  readonly keepAlive: number;
  /** How long the provider waits for a KEEPALIVE before it drops us, ms (SETUP `lifetime`). */
  readonly lifetime: number;
  readonly maxFrameSize: number;
  readonly backoff?: BackoffOptions;
}

/** A live connection: rsocket-core's requester and our transport under it. */
export interface Link {
  readonly socket: ReactiveSocket;
  readonly conn: TcpConnection;
}

type State = 'idle' | 'connecting' | 'ready' | 'backoff' | 'closed';

/**
 * One RSocket connection to one address, kept across failures as core's engine keeps its
 * channels: connects lazily on the first call, fails calls fast with UNAVAILABLE while backing off
 * (exponential, jittered: core's `Backoff`) after a failed connect, reconnects on the next call
 * after a lost connection, and stops offering itself once the provider said it is going away.
 */
export class Channel {
  private state: State = 'idle';
  private link: Link | undefined;
  private connecting: Promise<Link> | undefined;
  private readonly backoff: Backoff;
  private lastError: RpcError | undefined;
  private goneAway = false;
  readonly address: string;
  /** Told when a connection that was ready goes away (the client fails its calls on it). */
  onLost: ((conn: TcpConnection, error: RpcError) => void) | undefined;

  constructor(private readonly options: ChannelOptions) {
    this.backoff = new Backoff(options.backoff);
    this.address = `${options.host}:${options.port}`;
  }

  get available(): boolean {
    return this.state !== 'backoff' && this.state !== 'closed' && !this.goneAway;
  }

  /** The live link, if there is one right now (the fast path). */
  get current(): Link | undefined {
    return this.state === 'ready' ? this.link : undefined;
  }

  /** The live link, connecting first when needed; bounded by `deadline`. */
  ready(deadline: number): Promise<Link> {
    switch (this.state) {
      case 'ready':
        return Promise.resolve(this.link!);
      case 'connecting':
        return withDeadline(this.connecting!, deadline, this.address);
      case 'backoff':
        return Promise.reject(new RpcError(Code.Unavailable, `${this.address} is unreachable (retrying later): ${this.lastError?.message ?? ''}`, { cause: this.lastError }));
      case 'closed':
        return Promise.reject(new RpcError(Code.Shutdown, `RSocket client for ${this.address} is closed`));
      case 'idle':
        this.connecting = this.connect();
        this.connecting.catch(() => {}); // observed by the callers
        return withDeadline(this.connecting, deadline, this.address);
    }
  }

  private connect(): Promise<Link> {
    this.state = 'connecting';
    const conn = new TcpConnection(
      { host: this.options.host, port: this.options.port, tls: this.options.tls, connectTimeout: this.options.connectTimeout },
      this.options.maxFrameSize,
    );
    const client = new RSocketClient({
      setup: {
        keepAlive: this.options.keepAlive,
        lifetime: this.options.lifetime,
        dataMimeType: SETUP_DATA_MIME,
        metadataMimeType: COMPOSITE_MIME,
      },
      transport: conn,
      responder: this.responder(),
    });
    return new Promise<Link>((resolve, reject) => {
      client.connect().subscribe({
        onComplete: (socket) => {
          this.connecting = undefined;
          if (this.state === 'closed') {
            socket.close();
            reject(new RpcError(Code.Shutdown, `RSocket client for ${this.address} is closed`));
            return;
          }
          installStreamTables((socket as { _machine?: unknown })._machine);
          const link = { socket, conn };
          this.link = link;
          this.state = 'ready';
          this.goneAway = false;
          this.backoff.reset();
          watchClose(socket, () => this.lost(link));
          resolve(link);
        },
        onError: (err) => {
          this.connecting = undefined;
          conn.close();
          if (this.state === 'closed') {
            reject(new RpcError(Code.Shutdown, `RSocket client for ${this.address} is closed`));
            return;
          }
          this.lastError = new RpcError(Code.Unavailable, `cannot connect to ${this.address}: ${err.message}`, { cause: err });
          this.enterBackoff();
          reject(this.lastError);
        },
      });
    });
  }

  /** The provider may push `:goaway` (graceful stop): calls in flight finish, new ones go elsewhere. */
  private responder(): Responder {
    return {
      metadataPush: (payload: ReceivedPayload): Single<void> => {
        if (payload.metadata && isGoAway(payload.metadata)) this.goneAway = true;
        return new SingleCtor<void>((sink) => {
          sink.onSubscribe();
          sink.onComplete(undefined);
        });
      },
    };
  }

  private lost(link: Link): void {
    if (this.link !== link) return;
    this.link = undefined;
    // The `:goaway` concerned the connection that is now gone: a restarted provider at this address
    // serves again; one still down refuses the next connect, which backs off.
    this.goneAway = false;
    if (this.state === 'ready') this.state = 'idle';
    this.onLost?.(link.conn, link.conn.closeError ?? new RpcError(Code.ConnectionClosed, `RSocket connection ${this.address} closed`));
  }

  private enterBackoff(): void {
    this.state = 'backoff';
    const timer = setTimeout(() => {
      if (this.state === 'backoff') this.state = 'idle';
    }, this.backoff.next());
    timer.unref();
  }

  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    const link = this.link;
    this.link = undefined;
    link?.socket.close();
  }
}

function watchClose(socket: ReactiveSocket, onClose: () => void): void {
  socket.connectionStatus().subscribe({
    onSubscribe: (s) => s.request(Number.MAX_SAFE_INTEGER),
    onNext: (status) => {
      if (status.kind === 'CLOSED' || status.kind === 'ERROR') onClose();
    },
  });
}

function isGoAway(metadata: Buffer): boolean {
  try {
    return decodeComposite(metadata).some((e) => e.mime === MESHLET_MIME && decodeMeshlet(e.content).goaway);
  } catch {
    return false;
  }
}

function withDeadline<T>(promise: Promise<T>, deadline: number, address: string): Promise<T> {
  const ms = deadline - Date.now();
  if (ms <= 0) return Promise.reject(new RpcError(Code.Timeout, `no connection to ${address} before the deadline`));
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RpcError(Code.Timeout, `no connection to ${address} within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
