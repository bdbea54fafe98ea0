import type { EndpointBreakers } from '../breakers.js';
import type { Code } from '../errors.js';
import type { Endpoint } from '../endpoint.js';
import type { Invocation } from '../invocation.js';
import type { LoadBalancer } from '../load-balancer.js';
import type { ServiceDefinition } from '../service.js';
import type { TlsOptions } from '../transport-options.js';

/**
 * A control plane that drives references (`RuntimeOptions.mesh`; `xdsMesh(client)` of
 * `@meshlet/xds` is one). Asked once per reference; a reference it takes routes each call by the
 * live policy it supplies instead of the registry, the runtime's router and cluster strategy.
 *
 * The contract that keeps it cheap: the control plane compiles each configuration into immutable
 * objects (`MeshPolicy`, `MeshRoute`, `MeshCluster`) and swaps the whole policy when config
 * changes; the runtime reads `policy` once per call and never parses or matches anything itself.
 * A call finishes on the route and cluster it began with.
 */
export interface MeshControl {
  /** The reference's live policy, or undefined: the control plane does not manage it (registry path as usual). */
  reference(target: MeshService): MeshReference | undefined;
}

/** What a reference asks a control plane about. */
export interface MeshService {
  readonly service: ServiceDefinition;
  /** The reference's protocol: its endpoints' protocol unless the control plane says otherwise per endpoint. */
  readonly protocol: string;
}

/** One reference's view of the control plane. */
export interface MeshReference {
  /** The policy now; undefined until the first configuration arrived (calls wait for it, within their deadline). */
  readonly policy: MeshPolicy | undefined;
  /**
   * Calls `listener` after each swap of `policy` (the runtime then retires the clusters the new
   * policy no longer names, once their calls finish). Returns the unsubscribe.
   */
  onChange(listener: () => void): () => void;
  close(): void;
}

/** A compiled configuration: routes a call in O(routes matched), allocating nothing. */
export interface MeshPolicy {
  /** The route of one call, or the error it fails with, unsent (no route matches; the listener does not exist). */
  route(invocation: Invocation): MeshRoute | MeshRefusal;
  /** Every cluster some route of this policy sends to. */
  readonly clusters: readonly MeshCluster[];
}

/** A call the policy refuses; the runtime turns it into a fresh `RpcError` per call. */
export interface MeshRefusal {
  readonly refusal: Code;
  readonly message: string;
}

/** Where one matched route sends a call, and how. */
export interface MeshRoute {
  /** The target clusters, one chosen per call with probability weight / sum of weights. */
  readonly targets: readonly MeshTarget[];
  /** Sum of the targets' weights (> 0). */
  readonly totalWeight: number;
  /** Caps the call's deadline at this many ms from its start (never extends it); undefined: the reference's timeout alone. */
  readonly timeoutMs?: number | undefined;
  readonly retry?: MeshRetryPolicy | undefined;
  /** The ring-hash key of a call (`Invocation.hashKey`), undefined: none (the balancer hashes at random). */
  readonly hashKey?: ((invocation: Invocation) => string | undefined) | undefined;
  readonly fault?: MeshFault | undefined;
}

/** A weighted target (`MeshRoute.targets`). */
export interface MeshTarget {
  readonly cluster: MeshCluster;
  readonly weight: number;
}

/** Envoy's retry policy, in Meshlet's codes. */
export interface MeshRetryPolicy {
  /** Attempts after the first (Envoy's num_retries; 1 by default there). */
  readonly retries: number;
  /** The failures retried. */
  readonly on: ReadonlySet<Code>;
  /** An attempt that outlives `perTryTimeoutMs` is retried when this is true (Envoy: under 5xx, gateway-error, reset). */
  readonly perTryTimeoutRetried?: boolean;
  /** Each attempt's own deadline, ms after it is sent (capped by the call's). */
  readonly perTryTimeoutMs?: number | undefined;
  /** Fully jittered exponential backoff: attempt n waits random(0, min(max, base·(2ⁿ−1))) ms. */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
}

/** Envoy's fault filter, resolved for one route. */
export interface MeshFault {
  /** Share (0–1) of calls delayed by `delayMs` before they are sent. */
  readonly delayShare: number;
  readonly delayMs: number;
  /** Share (0–1) of calls failed, unsent, with `abortCode`. */
  readonly abortShare: number;
  readonly abortCode: Code;
}

/**
 * An upstream cluster: its endpoints, how it balances and breaks. Kept by the runtime (a
 * directory, connections, counters) for as long as some policy names this object; a changed
 * cluster is a new object.
 */
export interface MeshCluster {
  readonly name: string;
  /** Full endpoint sets as they change (the registry contract: the current set at once, then each change). */
  subscribe(listener: (endpoints: readonly Endpoint[]) => void): () => void;
  /** A balancer for this cluster; undefined: the runtime's. */
  balancer?(): LoadBalancer;
  /** Outlier detection; undefined: the runtime's breakers. */
  breakers?(): EndpointBreakers | undefined;
  /** Set when the control plane says the cluster cannot take calls (it does not exist): calls to it fail UNAVAILABLE with this message, unsent. */
  readonly unavailable?: string | undefined;
  /** Envoy's circuit-breaker thresholds: over them a call fails unsent with SERVER_BUSY (Envoy's overflow). */
  readonly limits?: MeshLimits | undefined;
  /**
   * How its endpoints are dialed: these TLS options (every endpoint over TLS, `mode` strict unless
   * set), `false` (plaintext, whatever the runtime's client TLS says), or undefined (the runtime's
   * client TLS, as for a registry's endpoints). Clients are pooled per options object: keep one
   * object while the configuration is the same, so connections are shared and kept.
   */
  readonly tls?: TlsOptions | false | undefined;
}

export interface MeshLimits {
  /** Calls in flight to the cluster (max_requests; Envoy's default 1024). */
  readonly maxRequests: number;
  /** Retries in flight to the cluster (max_retries; Envoy's default 3). */
  readonly maxRetries: number;
  /**
   * Envoy's retry_budget: when set, it replaces `maxRetries`: retries in flight may be `percent` of
   * the calls in flight, and at least `minConcurrency` (Envoy's defaults 20 % and 3).
   */
  readonly retryBudget?: { readonly percent: number; readonly minConcurrency: number } | undefined;
}
