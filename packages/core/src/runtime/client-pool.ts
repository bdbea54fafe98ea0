import { endpointAddress, type Endpoint } from '../endpoint.js';
import { Code, RpcError } from '../errors.js';
import type { Invocation } from '../invocation.js';
import type { ClientOptions, Protocol, ProtocolClient } from '../protocol.js';
import { tlsHint } from '../provider-url.js';
import type { TlsOptions } from '../transport-options.js';
import { ConnectionSet, connectionsOf } from './connections.js';

/** Idle clients closed per turn of the event loop when many are let go of at once. */
const CLOSE_BATCH = 32;

/**
 * One protocol client per address, shared by every service referred at that address (Dubbo and
 * SOFARPC share connections the same way). Clients are closed when their address leaves every
 * directory that uses it.
 *
 * An address may get N connections (`connections`: per reference, else the endpoint URL's
 * `connections=`, else the runtime's, else 1): then its client is a `ConnectionSet` of N of the
 * protocol's clients, shared by the references that want the same N.
 */
export class ClientPool {
  private readonly clients = new Map<string, PooledClient>();
  /** Idle clients let go of and not closed yet (see `closeSoon`). */
  private closing: PooledClient[] = [];
  private closeTimer: NodeJS.Immediate | undefined;
  /** The client options without TLS, for endpoints dialed in plaintext; undefined without client TLS. */
  private readonly plain: ClientOptions | undefined;

  constructor(
    private readonly protocols: ReadonlyMap<string, Protocol>,
    private readonly options: ClientOptions,
    /** Connections per address unless a reference or the endpoint says otherwise (checked by the caller). */
    private readonly connections = 1,
  ) {
    this.plain = options.tls ? { ...options, tls: undefined } : undefined;
  }

  /** Client options per cluster TLS object (`acquire`'s `tls`), and the number keying its clients. */
  private readonly clusterTls = new WeakMap<TlsOptions, { readonly id: number; readonly options: ClientOptions }>();
  private clusterTlsIds = 0;

  /**
   * The pooled client of `endpoint`'s address; `connections`: the reference's own setting, if any;
   * `direct`: the endpoint is a reference's `url`, not a registry's (see `dialsTls`); `tls`: a
   * control plane's choice for the endpoint's cluster (`MeshCluster.tls`: these options, or
   * `false` for plaintext), over the runtime's client TLS.
   */
  acquire(endpoint: Endpoint, connections?: number, direct = false, tls?: TlsOptions | false): PooledClient {
    const n = connections ?? connectionsOf(endpoint) ?? this.connections;
    const address = endpointAddress(endpoint);
    const own = tls === undefined || tls === false ? undefined : this.clusterOptions(tls);
    const secure = tls === undefined ? this.plain !== undefined && dialsTls(this.options.tls!, endpoint, direct) : false;
    // A TLS and a plaintext client to one address are different connections: never shared; nor
    // are clients dialing with different cluster TLS options.
    const key = `${n === 1 ? address : `${address}#${n}`}${own !== undefined ? `+tls${own.id}` : secure ? '+tls' : ''}`;
    const pooled = this.clients.get(key);
    if (pooled) {
      pooled.refs++;
      return pooled;
    }
    const protocol = this.protocols.get(endpoint.protocol);
    if (protocol === undefined) throw new Error(`no protocol ${endpoint.protocol} configured`);
    const options = own !== undefined ? own.options : secure || this.plain === undefined ? this.options : this.plain;
    const client = n === 1 ? protocol.createClient(endpoint, options)
      : new ConnectionSet(Array.from({ length: n }, () => protocol.createClient(endpoint, options)));
    const created = new PooledClient(client, key);
    this.clients.set(key, created);
    return created;
  }

  private clusterOptions(tls: TlsOptions): { readonly id: number; readonly options: ClientOptions } {
    let held = this.clusterTls.get(tls);
    if (held === undefined) {
      held = { id: ++this.clusterTlsIds, options: { ...this.options, tls: { mode: 'strict', ...tls } } };
      this.clusterTls.set(tls, held);
    }
    return held;
  }

  /** A directory lets go of a client `acquire` gave it; the last one out closes it. */
  release(pooled: PooledClient): void {
    if (this.clients.get(pooled.key) === pooled && --pooled.refs === 0) {
      this.clients.delete(pooled.key);
      // An address leaves the directory when its provider deregisters, which a provider does
      // first when it shuts down gracefully: calls already sent are being drained over there,
      // so let them finish (each has its deadline) before the connection goes, as Dubbo does.
      if (pooled.inFlight === 0) this.closeSoon(pooled);
      else pooled.idle = () => void pooled.close();
    }
  }

  /**
   * Closes an idle client: at once while fewer than CLOSE_BATCH were closed in this turn, else a
   * turn or more later, CLOSE_BATCH per turn. A control plane's (or a registry's) change can drop
   * a thousand addresses at once: closed in one go, that took ~20 ms of the update's CPU and their
   * socket shutdowns all completed in one poll phase behind the calls in flight
   * (test/xds/mesh-endpoints-churn.test.js). A waiting client is out of the pool already: nothing
   * new reaches it.
   */
  private closeSoon(pooled: PooledClient): void {
    if (this.closing.length === 0 && this.closedThisTurn < CLOSE_BATCH) {
      if (this.closedThisTurn++ === 0) setImmediate(this.newTurn);
      void pooled.close();
      return;
    }
    this.closing.push(pooled);
    this.closeTimer ??= setImmediate(this.closeBatch);
  }

  private closedThisTurn = 0;
  private readonly newTurn = (): void => {
    this.closedThisTurn = 0;
  };

  private readonly closeBatch = (): void => {
    const batch = this.closing.length > CLOSE_BATCH ? this.closing.splice(0, CLOSE_BATCH) : this.closing;
    if (batch === this.closing) this.closing = [];
    for (const c of batch) void c.close();
    this.closeTimer = this.closing.length > 0 ? setImmediate(this.closeBatch) : undefined;
  };

  async close(): Promise<void> {
    if (this.closeTimer !== undefined) clearImmediate(this.closeTimer);
    this.closeTimer = undefined;
    const clients = [...this.clients.values(), ...this.closing];
    this.closing = [];
    this.clients.clear();
    await Promise.all(clients.map((c) => c.close()));
  }
}

/**
 * Whether a client with TLS options dials `endpoint` over TLS. By default every endpoint, as a
 * Java Dubbo 3 consumer with an SslConfig does (its providers advertise nothing), except one
 * that says `ssl-enabled=false` / `tls=false`. `strict`: every endpoint, whatever it says.
 * `permissive` (a fleet migrating, Istio's auto mTLS): only endpoints that say
 * `ssl-enabled=true` / `tls=true`, and a direct `url` that says nothing (`direct`: an app that
 * set TLS options and named an address is not quietly downgraded).
 */
export function dialsTls(tls: TlsOptions, endpoint: Endpoint, direct: boolean): boolean {
  if (tls.mode === 'strict') return true;
  const said = tlsHint(endpoint.params);
  return said ?? (tls.mode === 'permissive' ? direct : true);
}

/** How long an address sits out after its connection was refused or reset, doubling per repeat, ms. */
export const EJECT_BASE_MS = 500;
export const EJECT_MAX_MS = 30_000;

/**
 * Whether `err` says the address itself is gone (refused, reset, unreachable, closed under us)
 * rather than that one call failed. Errors with a peer status came in a response, so the peer is
 * up; timeouts may be a slow peer, which the balancer and breakers handle.
 */
export function isDeadEndpoint(err: unknown): boolean {
  return err instanceof RpcError && err.status === undefined &&
    (err.code === Code.Unavailable || err.code === Code.ConnectionClosed || err.code === Code.Shutdown);
}

/**
 * The protocol client with its in-flight calls counted, and outlier ejection: a call failing
 * because the connection was refused or reset takes the address out of every reference's choice at
 * once (they all share this client), instead of each reference finding out by failing calls on it
 * until the channel backs off. After the time out the next call probes it; a success readmits it.
 *
 * A class, so every pooled client has one shape: it was an object literal with getters made per
 * address, and a literal with accessors gets a hidden class of its own, so over 5,000 addresses
 * every read of `pendingCount` or `available` went megamorphic (a fifth of the client's CPU in the
 * fleet-size bench). The settle handlers are made once per client, not per call.
 */
export class PooledClient implements ProtocolClient {
  readonly endpoint: Endpoint;
  /** References holding this client. */
  refs = 1;
  /** Calls sent and not yet settled. */
  inFlight = 0;
  /** Set once released while calls were in flight: closes the client when the last settles. */
  idle: (() => void) | undefined = undefined;
  /** `performance.now()` before which the address sits out (its connection was refused or reset). */
  ejectedUntil = 0;
  /** Ejections in a row without a success between them: each doubles the time out. */
  ejections = 0;

  /** `key`: the pool's key for it (the address, with the connection count when more than one). */
  constructor(private readonly client: ProtocolClient, readonly key: string) {
    this.endpoint = client.endpoint;
  }

  /** Calls in flight to this address from every reference (what least-loaded balancers weigh). */
  get pendingCount(): number {
    return this.inFlight;
  }

  get available(): boolean {
    return this.client.available && (this.ejectedUntil === 0 || performance.now() >= this.ejectedUntil);
  }

  invoke(invocation: Invocation): Promise<unknown> {
    return this.send(invocation).then(this.succeeded, this.failed);
  }

  /**
   * `invoke` without settle handlers of its own, for a caller that settles on the same promise
   * anyway (a directory member): it calls `answered()` or `failedWith(err)` exactly once when the
   * returned promise settles, so a call costs one promise layer, not two.
   */
  send(invocation: Invocation): Promise<unknown> {
    let sent: Promise<unknown>;
    try {
      sent = this.client.invoke(invocation);
    } catch (err) {
      sent = Promise.reject(err); // counted in and out like any failed call
    }
    this.inFlight++;
    return sent;
  }

  /** A call sent with `send` was answered. */
  answered(): void {
    if (--this.inFlight === 0) this.idle?.();
    this.ejections = 0;
  }

  /** A call sent with `send` failed with `err`: a refused or reset connection ejects the address. */
  failedWith(err: unknown): void {
    if (--this.inFlight === 0) this.idle?.();
    if (isDeadEndpoint(err)) {
      const now = performance.now();
      // Calls failing together on one reset count as one ejection.
      if (now >= this.ejectedUntil) {
        this.ejectedUntil = now + Math.min(EJECT_MAX_MS, EJECT_BASE_MS * 2 ** this.ejections);
        this.ejections = Math.min(this.ejections + 1, 16);
      }
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private readonly succeeded = (value: unknown): unknown => {
    this.answered();
    return value;
  };

  private readonly failed = (err: unknown): never => {
    this.failedWith(err);
    throw err;
  };
}
