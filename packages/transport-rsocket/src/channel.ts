import { Code, RpcError, type TlsOptions } from '@meshlet/core';
import { Backoff, notReadyError, withDeadline, type BackoffOptions } from '@meshlet/core/engine';
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
  /** Frames larger than this are sent as fragments (16 MiB - 1 when unset). */
  readonly fragmentSize?: number | undefined;
  readonly backoff?: BackoffOptions;
  /** After a call times out with nothing read since it was sent, ms a KEEPALIVE probe waits for any byte (3000). */
  readonly probeTimeout?: number | undefined;
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
  /**
   * The provider answers nothing at all (a probe unanswered, a connect timed out: a partition):
   * reconnect in the background, after backoff, and let no call wait on it (as core's channel).
   */
  private silent = false;
  private probeTimer: NodeJS.Timeout | undefined;
  readonly address: string;
  /** Told when a connection that was ready goes away (the client fails its calls on it). */
  onLost: ((conn: TcpConnection, error: RpcError) => void) | undefined;

  constructor(private readonly options: ChannelOptions) {
    this.backoff = new Backoff(options.backoff);
    this.address = `${options.host}:${options.port}`;
  }

  get available(): boolean {
    return this.state !== 'backoff' && this.state !== 'closed' && !this.goneAway && !this.silent;
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
        if (this.silent) return Promise.reject(notReadyError(this.address, 'silent', this.lastError));
        return withDeadline(this.connecting!, deadline, (ms) => this.noConnection(ms));
      case 'backoff':
        return Promise.reject(notReadyError(this.address, 'backoff', this.lastError));
      case 'closed':
        return Promise.reject(new RpcError(Code.Shutdown, `RSocket client for ${this.address} is closed`));
      case 'idle':
        this.connecting = this.connect();
        this.connecting.catch(() => {}); // observed by the callers
        return withDeadline(this.connecting, deadline, (ms) => this.noConnection(ms));
    }
  }

  private noConnection(ms: number): RpcError {
    return new RpcError(Code.Timeout, ms > 0 ? `no connection to ${this.address} within ${ms} ms` : `no connection to ${this.address} before the deadline`);
  }

  private connect(): Promise<Link> {
    this.state = 'connecting';
    const conn = new TcpConnection(
      { host: this.options.host, port: this.options.port, tls: this.options.tls, connectTimeout: this.options.connectTimeout },
      this.options.maxFrameSize,
      undefined,
      undefined,
      this.options.fragmentSize,
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
          this.silent = false;
          this.backoff.reset();
          watchClose(socket, () => this.lost(link));
          resolve(link);
        },
        onError: (err) => {
          this.connecting = undefined;
          if (conn.connectTimedOut) this.silent = true;
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
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    if (this.state === 'ready') {
      if (this.silent) this.enterBackoff();
      else this.state = 'idle';
    }
    this.onLost?.(link.conn, link.conn.closeError ?? new RpcError(Code.ConnectionClosed, `RSocket connection ${this.address} closed`));
  }

  private enterBackoff(): void {
    this.state = 'backoff';
    const timer = setTimeout(() => {
      if (this.state !== 'backoff') return;
      if (this.silent) {
        // Nobody calls an unavailable address to reconnect it: try again from here.
        this.connecting = this.connect();
        this.connecting.catch(() => {});
      } else {
        this.state = 'idle';
      }
    }, this.backoff.next());
    timer.unref();
  }

  /**
   * A call on `conn` timed out after `ms` on the wire. Not one byte back in that time may be a
   * partition (no FIN, no RST; the KEEPALIVE lifetime would say so only after 90 s): ask with a
   * KEEPALIVE, and silence for `probeTimeout` more closes the connection (see core's
   * `ClientChannel.timedOut`).
   */
  timedOut(conn: TcpConnection, ms: number): void {
    if (this.link?.conn !== conn || this.state !== 'ready' || this.probeTimer !== undefined) return;
    const sentAt = Date.now() - ms;
    if (conn.lastReadAt > sentAt) return;
    const asked = Date.now();
    conn.probe();
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      if (this.link?.conn !== conn || conn.lastReadAt >= asked) return;
      this.silent = true;
      conn.fail(new RpcError(Code.ConnectionClosed,
        `RSocket connection ${this.address} sent nothing for ${Date.now() - sentAt} ms, not even a KEEPALIVE reply: presumed dead`));
    }, this.options.probeTimeout ?? 3000);
    this.probeTimer.unref();
  }

  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
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
