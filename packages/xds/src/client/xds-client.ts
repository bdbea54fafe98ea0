// The xDS client: one ADS stream to the bootstrap's first server, state-of-the-world or delta,
// multiplexing every resource type; watchers by type and name; a cache that serves on while the
// control plane is away; reconnects with backoff; a CSDS-like dump. @grpc/grpc-js is loaded (and
// Envoy's protos parsed) when the client starts, not when this module is imported.
import { readFileSync } from 'node:fs';
import type * as grpcTypes from '@grpc/grpc-js';
import { Code, RpcError } from '@meshlet/core';
import { Backoff, type BackoffOptions } from '@meshlet/core/engine';
import { parseBootstrap, type XdsBootstrap, type XdsServerConfig } from '../bootstrap/bootstrap.js';
import { bootstrapFromEnv } from '../bootstrap/from-env.js';
import { xdsNack } from '../metrics.js';
import { envoyRoot } from '../protos/envoy-root.js';
import { shortTypeName } from '../type-urls.js';
import { clientConfigOf, type XdsClientConfig } from './dump.js';
import { DeltaProtocol } from './delta.js';
import { nodeMessage } from './messages.js';
import type { AdsContext, AdsProtocol } from './protocol.js';
import { ResourceCache, type ResourceStatus, type ResourceWatcher } from './resource-cache.js';
import { SotwProtocol } from './sotw.js';

const VERSION = '0.1.0';

/** The server feature that asks for incremental xDS (ours: gRPC's bootstrap has none). */
export const DELTA_FEATURE = 'meshlet_delta';

export interface XdsClientOptions {
  /** Incremental (delta) ADS instead of state-of-the-world; default: the server's `meshlet_delta` feature. */
  readonly delta?: boolean | undefined;
  /** ms a requested resource may take before it is said not to exist (default 15 000, as gRPC). */
  readonly resourceTimeoutMs?: number | undefined;
  /** Reconnect delays (default 200 ms growing by 1.6 to 10 s, ±20 %). */
  readonly backoff?: BackoffOptions | undefined;
}

export type XdsClientState = 'starting' | 'connecting' | 'open' | 'backoff' | 'closed' | 'failed';

export interface XdsClientStatus {
  readonly server: string;
  readonly mode: 'sotw' | 'delta';
  readonly state: XdsClientState;
  /** Streams opened so far (1 + reconnects). */
  readonly streams: number;
  readonly acks: number;
  readonly nacks: number;
  readonly lastError?: { readonly message: string; readonly at: Date } | undefined;
  /** Per type (short name): how many resources are in each status. */
  readonly resources: Record<string, Partial<Record<ResourceStatus, number>>>;
}

type Grpc = typeof grpcTypes;

async function importGrpc(): Promise<Grpc> {
  try {
    return await import('@grpc/grpc-js');
  } catch (err) {
    throw new RpcError(Code.InvalidArgument, '@meshlet/xds needs the optional package @grpc/grpc-js: npm install @grpc/grpc-js@^1.14.7', { cause: err });
  }
}

function credentialsOf(grpc: Grpc, server: XdsServerConfig): grpcTypes.ChannelCredentials {
  const creds = server.channelCreds;
  if (creds.type === 'insecure') return grpc.credentials.createInsecure();
  const read = (f: string | undefined) => (f === undefined ? null : readFileSync(f));
  return grpc.credentials.createSsl(read(creds.caCertificateFile), read(creds.privateKeyFile), read(creds.certificateFile));
}

function grpcTarget(uri: string): string {
  return uri.startsWith('xds://') ? uri.slice('xds://'.length) : uri;
}

export class XdsClient {
  readonly bootstrap: XdsBootstrap;
  readonly server: XdsServerConfig;
  readonly mode: 'sotw' | 'delta';
  private readonly cache: ResourceCache;
  private readonly protocol: AdsProtocol;
  private readonly backoff: Backoff;
  private readonly backoffOptions: BackoffOptions;
  private readonly started: Promise<void>;
  private grpc: Grpc | undefined;
  private client: grpcTypes.Client | undefined;
  private call: grpcTypes.ClientDuplexStream<Buffer, Buffer> | undefined;
  private nodeSent = false;
  private timer: NodeJS.Timeout | undefined;
  private state: XdsClientState = 'starting';
  private streams = 0;
  private acks = 0;
  private nacks = 0;
  private lastError: { message: string; at: Date } | undefined;

  /** The bootstrap the environment names (MESHLET_XDS, GRPC_XDS_BOOTSTRAP, GRPC_XDS_BOOTSTRAP_CONFIG). */
  static fromEnv(options: XdsClientOptions = {}, env: NodeJS.ProcessEnv = process.env): XdsClient {
    const bootstrap = bootstrapFromEnv(env);
    if (bootstrap === undefined) {
      throw new RpcError(Code.InvalidArgument, 'xDS: no bootstrap: set MESHLET_XDS (a bootstrap file, xds://host:port or unix:/path), GRPC_XDS_BOOTSTRAP or GRPC_XDS_BOOTSTRAP_CONFIG');
    }
    return new XdsClient(bootstrap, options);
  }

  constructor(bootstrap: XdsBootstrap, options: XdsClientOptions = {}) {
    const timeout = options.resourceTimeoutMs ?? 15_000;
    if (!(Number.isFinite(timeout) && timeout > 0)) throw new RpcError(Code.InvalidArgument, 'xDS: resourceTimeoutMs must be a positive number of ms');
    const server = bootstrap.xdsServers[0];
    if (server === undefined) throw new RpcError(Code.InvalidArgument, 'xDS: the bootstrap names no server');
    this.bootstrap = bootstrap;
    this.server = server;
    this.mode = options.delta ?? this.server.serverFeatures.includes(DELTA_FEATURE) ? 'delta' : 'sotw';
    this.cache = new ResourceCache(timeout);
    this.backoffOptions = { initial: 200, max: 10_000, ...options.backoff };
    this.backoff = new Backoff(this.backoffOptions);
    const ctx: AdsContext = {
      cache: this.cache,
      ignoreResourceDeletion: this.server.serverFeatures.includes('ignore_resource_deletion'),
      send: (bytes) => {
        const call = this.call;
        if (call !== undefined && !call.writableEnded) call.write(bytes);
      },
      node: () => {
        if (this.nodeSent) return undefined;
        this.nodeSent = true;
        return nodeMessage(this.bootstrap.node, VERSION);
      },
      acked: () => {
        this.acks++;
      },
      nacked: (typeUrl, message) => {
        this.nacks++;
        this.lastError = { message: `NACKed ${typeUrl}: ${message}`, at: new Date() };
        xdsNack(typeUrl);
      },
      unreadable: (message) => {
        this.lastError = { message: `an unreadable response: ${message}`, at: new Date() };
      },
    };
    this.protocol = this.mode === 'delta' ? new DeltaProtocol(ctx) : new SotwProtocol(ctx);
    this.started = this.start();
    this.started.catch(() => {}); // observed by ready() and status()
  }

  /** Resolves once gRPC and Envoy's protos are loaded and the first stream is opening; rejects (RpcError) when they cannot be. */
  ready(): Promise<void> {
    return this.started;
  }

  /**
   * Watches one resource (`name`), or every resource of the type (`'*'`, LDS/CDS wildcard). The
   * watcher gets each new value, `undefined` when the resource does not exist; what is cached is
   * replayed to it at once (synchronously). Returns the unwatch function.
   */
  watch(typeUrl: string, name: string, watcher: ResourceWatcher): () => void {
    if (typeof typeUrl !== 'string' || !typeUrl.includes('/')) throw new RpcError(Code.InvalidArgument, `xDS: ${String(typeUrl)} is not a type URL`);
    if (typeof name !== 'string' || name === '') throw new RpcError(Code.InvalidArgument, 'xDS: a resource name must be a non-empty string');
    if (this.state === 'closed') throw new RpcError(Code.Shutdown, 'xDS client closed');
    const fresh = this.cache.watch(typeUrl, name, watcher);
    if (fresh && this.call !== undefined) this.protocol.subscriptionChanged(typeUrl, name, true);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const gone = this.cache.unwatch(typeUrl, name, watcher);
      if (gone && this.call !== undefined && this.state !== 'closed') this.protocol.subscriptionChanged(typeUrl, name, false);
    };
  }

  status(): XdsClientStatus {
    const resources: Record<string, Partial<Record<ResourceStatus, number>>> = {};
    for (const t of this.cache.types.values()) {
      const counts: Partial<Record<ResourceStatus, number>> = {};
      for (const e of t.entries.values()) counts[e.status] = (counts[e.status] ?? 0) + 1;
      resources[shortTypeName(t.typeUrl)] = counts;
    }
    return {
      server: this.server.serverUri, mode: this.mode, state: this.state, streams: this.streams, acks: this.acks, nacks: this.nacks,
      lastError: this.lastError, resources,
    };
  }

  /** CSDS' ClientConfig as JSON: the node and, per resource, version, status, last update, error, config. */
  dump(): XdsClientConfig {
    return clientConfigOf(this.bootstrap.node, this.cache);
  }

  /** Ends the stream, the timers and the channel; watchers hear nothing more. */
  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.timer);
    this.timer = undefined;
    this.cache.stopTimers();
    const call = this.call;
    this.call = undefined;
    call?.cancel();
    this.client?.close();
  }

  private async start(): Promise<void> {
    try {
      const grpc = await importGrpc();
      envoyRoot(); // parse the protos now: a missing @grpc/grpc-js-xds shows here, not on the first response
      if (this.state === 'closed') return;
      this.grpc = grpc;
      // grpc-js' own reconnect backoff (1 s to 120 s) would hold a restarted control plane away for
      // minutes; keep it within ours.
      this.client = new grpc.Client(grpcTarget(this.server.serverUri), credentialsOf(grpc, this.server), {
        'grpc.initial_reconnect_backoff_ms': this.backoffOptions.initial ?? 200,
        'grpc.max_reconnect_backoff_ms': this.backoffOptions.max ?? 10_000,
        'grpc.max_receive_message_length': 64 * 1024 * 1024,
      });
      this.open();
    } catch (err) {
      if (this.state !== 'closed') this.state = 'failed';
      const e = err instanceof RpcError ? err : new RpcError(Code.Internal, `xDS client: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      this.lastError = { message: e.message, at: new Date() };
      throw e;
    }
  }

  private open(): void {
    if (this.state === 'closed' || this.client === undefined) return;
    this.state = 'connecting';
    this.streams++;
    this.nodeSent = false;
    const call = this.client.makeBidiStreamRequest<Buffer, Buffer>(this.protocol.method, (b: Buffer) => b, (b: Buffer) => b);
    this.call = call;
    call.on('data', (bytes: Buffer) => {
      if (call !== this.call) return;
      this.state = 'open';
      this.backoff.reset();
      try {
        this.protocol.onResponse(bytes);
      } catch (err) {
        // Every decode error is caught inside; this is a bug of ours, not the server's.
        this.lastError = { message: `handling a response: ${err instanceof Error ? err.message : String(err)}`, at: new Date() };
      }
    });
    call.on('error', (err: grpcTypes.ServiceError) => this.onBroken(call, err.details || err.message));
    call.on('end', () => this.onBroken(call, 'the server ended the stream'));
    this.protocol.streamStarted();
  }

  private onBroken(call: grpcTypes.ClientDuplexStream<Buffer, Buffer>, why: string): void {
    if (call !== this.call || this.state === 'closed') return;
    this.call = undefined;
    call.cancel();
    this.cache.stopTimers();
    this.lastError = { message: `ADS stream to ${this.server.serverUri} broke: ${why}`, at: new Date() };
    this.state = 'backoff';
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.open();
    }, this.backoff.next());
  }
}

/** A client for a bootstrap given as an object, its JSON text, or already parsed. */
export function createXdsClient(bootstrap: XdsBootstrap | string | Record<string, unknown>, options: XdsClientOptions = {}): XdsClient {
  const parsed = typeof bootstrap === 'object' && bootstrap !== null && 'xdsServers' in bootstrap ? (bootstrap as XdsBootstrap) : parseBootstrap(bootstrap);
  return new XdsClient(parsed, options);
}
