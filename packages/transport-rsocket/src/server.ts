import { type RpcError, type ProtocolServer, type ServerHandler, type ServerOptions } from '@meshlet/core';
import { inFlightLimit } from '@meshlet/core/engine';
import { encodeEntry } from './composite-metadata.js';
import { DEFAULT_MAX_FRAME_SIZE } from './constants.js';
import { Key, MESHLET_MIME, encodePairs } from './meshlet-metadata.js';
import { JSON_MIME, PROTOBUF_MIME } from './payload-codec.js';
import { ACCEPTED_METADATA_MIMES } from './request-metadata.js';
import { ConnectionResponder, type ServerGate } from './responder.js';
import { RSocketServer as LibServer, type ReactiveSocket, type Responder } from './rsocket-lib.js';
import { installStreamTables } from './stream-table.js';
import { TcpConnection } from './tcp-connection.js';
import { TcpServerTransport } from './tcp-server.js';

/** Data MIME types a client may announce in SETUP (empty: it did not say). */
const ACCEPTED_DATA_MIMES = new Set(['', JSON_MIME, PROTOBUF_MIME, 'application/octet-stream']);

export interface RSocketServerOptions {
  /** Told about fire-and-forget calls that failed (nobody else hears of them). */
  readonly onOnewayError?: (error: RpcError) => void;
  /**
   * Frames we send larger than this many bytes (length prefix excluded) go as fragments (FOLLOWS).
   * Default 16 MiB - 1, the most one frame can say: only payloads that need it are fragmented.
   * Lower it for a peer that takes smaller frames; at least 64.
   */
  readonly fragmentSize?: number;
}

/**
 * Meshlet's RSocket provider. Graceful stop: stop listening, push `:goaway` to every client (they
 * stop choosing this provider), refuse new requests with SHUTDOWN (the caller's cluster sends them
 * elsewhere), let in-flight calls and streams finish for at most `graceMs`, then close.
 */
export class RSocketProtocolServer implements ProtocolServer, ServerGate {
  private transport: TcpServerTransport | undefined;
  private lib: InstanceType<typeof LibServer> | undefined;
  private bound: { host: string; port: number } | undefined;
  private readonly connections = new Map<TcpConnection, ReactiveSocket>();
  private inFlight = 0;
  private drainWaiter: (() => void) | undefined;
  accepting = true;
  readonly maxFrameSize: number;
  readonly maxInFlightPerConnection: number;
  readonly onOnewayError: ((error: RpcError) => void) | undefined;
  private readonly fragmentSize: number | undefined;

  constructor(
    private readonly handler: ServerHandler,
    private readonly options: ServerOptions = {},
    rsocketOptions: RSocketServerOptions = {},
  ) {
    this.onOnewayError = rsocketOptions.onOnewayError;
    this.fragmentSize = rsocketOptions.fragmentSize;
    // Past 16 MiB - 1 (the 24-bit frame length) requests and results travel as fragments.
    this.maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    this.maxInFlightPerConnection = inFlightLimit(options.maxInFlightPerConnection);
  }

  get address(): { host: string; port: number } | undefined {
    return this.bound;
  }

  async listen(): Promise<{ host: string; port: number }> {
    if (this.bound) return this.bound;
    const transport = new TcpServerTransport({
      host: this.options.host ?? '0.0.0.0',
      port: this.options.port ?? 0,
      tls: this.options.tls,
      maxFrameSize: this.maxFrameSize,
      fragmentSize: this.fragmentSize,
      frameTimeout: this.options.frameTimeout,
      maxConnections: this.options.maxConnections,
    });
    this.transport = transport;
    this.lib = new LibServer({
      transport,
      getRequestHandler: (socket) => this.accept(socket),
      errorHandler: () => {},
    });
    this.lib.start();
    this.bound = await transport.listening;
    return this.bound;
  }

  /** A client's SETUP: check what it announced, then give the connection its responder. */
  private accept(socket: ReactiveSocket): Responder {
    const conn = TcpConnection.delivering;
    if (conn === undefined) throw new Error('SETUP outside of a connection (internal error)');
    const setup = conn.setup!;
    if (!ACCEPTED_METADATA_MIMES.has(setup.metadataMimeType)) {
      // rsocket-core answers a throw here with REJECTED_SETUP carrying this message.
      throw new Error(`metadata MIME type ${JSON.stringify(setup.metadataMimeType)} is not supported: use ${[...ACCEPTED_METADATA_MIMES].join(' or ')}`);
    }
    if (!ACCEPTED_DATA_MIMES.has(setup.dataMimeType)) {
      throw new Error(`data MIME type ${JSON.stringify(setup.dataMimeType)} is not supported: use ${JSON_MIME} or ${PROTOBUF_MIME}`);
    }
    if (!this.accepting) throw new Error('the provider is shutting down');
    // rsocket-core hands us its protocol machine as `socket`.
    installStreamTables(socket);
    this.connections.set(conn, socket);
    socket.connectionStatus().subscribe({
      onSubscribe: (s) => s.request(Number.MAX_SAFE_INTEGER),
      onNext: (status) => {
        if (status.kind === 'CLOSED' || status.kind === 'ERROR') this.connections.delete(conn);
      },
    });
    return new ConnectionResponder(this.handler, conn, this);
  }

  begin(): void {
    this.inFlight++;
  }

  end(): void {
    if (--this.inFlight === 0 && this.drainWaiter) this.drainWaiter();
  }

  /** Calls and streams being served right now. */
  get pendingCount(): number {
    return this.inFlight;
  }

  async close(graceMs = 10_000): Promise<void> {
    if (!this.accepting) return;
    this.accepting = false;
    this.transport?.stopAccepting();
    const goaway = encodeEntry(MESHLET_MIME, encodePairs([[Key.goaway, '1']]));
    for (const socket of this.connections.values()) {
      socket.metadataPush({ data: null, metadata: goaway }).subscribe({});
    }
    if (this.inFlight > 0 && graceMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.drainWaiter = resolve;
        timer = setTimeout(resolve, graceMs);
      });
      clearTimeout(timer);
      this.drainWaiter = undefined;
    }
    // Still running after the grace period: their connections close under them.
    for (const conn of this.connections.keys()) conn.close();
    this.connections.clear();
    this.lib?.stop();
  }
}

