import { Code, type Invocation, type MeshCluster, type MeshFault, type MeshPolicy, type MeshRefusal, type MeshRoute, type MeshTarget } from '@meshlet/core';
import { faultOverride, meshFault } from './fault.js';
import { hashKeyOf } from './hash-policy.js';
import { headerMatcher, pathMatcher, virtualHostFor, type AttachmentTest } from './matchers.js';
import { retryPolicy } from './retry-policy.js';
import { durationMs, fraction, list, obj, str, wrapped, type Obj } from './values.js';

/** A fault filter of the listener's HttpConnectionManager: its instance name (the key of per-route overrides) and config. */
export interface FaultFilter {
  readonly name: string;
  readonly config: Obj | undefined;
}

export interface PolicyInput {
  /** The name the virtual host is chosen by (the listener's name: the reference's target). */
  readonly authority: string;
  /** The interface: calls' paths are `/{interface}/{method}`. */
  readonly service: string;
  readonly routeConfig: Obj;
  readonly faultFilters: readonly FaultFilter[];
  /** The HttpConnectionManager's common_http_protocol_options.max_stream_duration: the timeout of a route that sets none. */
  readonly listenerMaxStreamMs?: number | undefined;
  /** The live MeshCluster of a cluster name (the same object for the same Cluster resource). */
  cluster(name: string): MeshCluster;
  /** For hash_policy filter_state io.grpc.channel_id and connection_properties.source_ip. */
  readonly channelId: string;
  readonly sourceIp: string;
}

interface CompiledRoute {
  readonly path: (path: string) => boolean;
  readonly headers: readonly AttachmentTest[];
  /** runtime_fraction's default share; undefined: always. */
  readonly share: number | undefined;
  readonly outcome: MeshRoute | MeshRefusal;
}

/** A method's routes are resolved once (path matching done) and cached: at most this many method names per policy. */
const MAX_CACHED_METHODS = 4096;

/**
 * A RouteConfiguration compiled for one reference: per method, the routes whose path matches, in
 * order, found once; per call, only their header and runtime-fraction checks run, and the first
 * that passes gives its precompiled MeshRoute (gRPC's matching: first match wins; none matched
 * fails the call UNAVAILABLE, unsent).
 */
export class RoutePolicy implements MeshPolicy {
  readonly clusters: readonly MeshCluster[];
  private readonly routes: readonly CompiledRoute[];
  private readonly byMethod = new Map<string, readonly CompiledRoute[]>();
  private readonly noRoute: MeshRefusal | undefined;

  constructor(private readonly input: PolicyInput) {
    const vh = virtualHostFor(list(input.routeConfig.virtualHosts), input.authority);
    const clusters = new Set<MeshCluster>();
    if (vh === undefined) {
      this.routes = [];
      this.noRoute = { refusal: Code.Unavailable, message: `xDS: route configuration ${str(input.routeConfig.name) ?? ''} has no virtual host for ${input.authority}` };
    } else {
      this.routes = list(vh.routes).map((r) => compileRoute(r, vh, input, clusters)).filter((r): r is CompiledRoute => r !== undefined);
      this.noRoute = undefined;
    }
    this.clusters = [...clusters];
  }

  route(inv: Invocation): MeshRoute | MeshRefusal {
    if (this.noRoute !== undefined) return this.noRoute;
    const candidates = this.byMethod.get(inv.method.name) ?? this.resolve(inv.method.name);
    for (let i = 0; i < candidates.length; i++) {
      const r = candidates[i]!;
      let ok = true;
      for (let h = 0; h < r.headers.length; h++) {
        if (!r.headers[h]!(inv.attachments)) { ok = false; break; }
      }
      if (ok && (r.share === undefined || Math.random() < r.share)) return r.outcome;
    }
    return { refusal: Code.Unavailable, message: `xDS: no route matches /${this.input.service}/${inv.method.name}` };
  }

  private resolve(method: string): readonly CompiledRoute[] {
    const path = `/${this.input.service}/${method}`;
    const out: CompiledRoute[] = [];
    for (const r of this.routes) {
      if (!r.path(path)) continue;
      out.push(r);
      // Nothing after an unconditional match can be reached.
      if (r.headers.length === 0 && r.share === undefined) break;
    }
    if (this.byMethod.size < MAX_CACHED_METHODS) this.byMethod.set(method, out);
    return out;
  }
}

function compileRoute(route: Obj, vh: Obj, input: PolicyInput, clusters: Set<MeshCluster>): CompiledRoute | undefined {
  const match = obj(route.match) ?? {};
  const path = pathMatcher(match);
  if (path === undefined) return undefined;
  const headers: AttachmentTest[] = [];
  for (const h of list(match.headers)) {
    const test = headerMatcher(h);
    if (test === undefined) return undefined; // a matcher we cannot evaluate: never match rather than match too much
    headers.push(test);
  }
  // grpc_match and query parameters have no RPC counterpart beyond the path: a route asking for query parameters never matches.
  if (list(match.queryParameters).length > 0) return undefined;
  const runtime = obj(match.runtimeFraction);
  const share = runtime === undefined ? undefined : fraction(runtime.defaultValue) ?? 0;
  return { path, headers, share, outcome: routeOutcome(route, vh, input, clusters) };
}

function routeOutcome(route: Obj, vh: Obj, input: PolicyInput, clusters: Set<MeshCluster>): MeshRoute | MeshRefusal {
  const action = obj(route.route);
  if (action === undefined) {
    return { refusal: Code.Unavailable, message: `xDS: route ${str(route.name) ?? ''} is not a forwarding route (redirect, direct response or non-forwarding)` };
  }
  const targets: MeshTarget[] = [];
  const single = str(action.cluster);
  if (single !== undefined) {
    targets.push({ cluster: input.cluster(single), weight: 1 });
  } else {
    for (const wc of list(obj(action.weightedClusters)?.clusters)) {
      const name = str(wc.name);
      const weight = wrapped(wc.weight) ?? 0;
      if (name !== undefined && weight > 0) targets.push({ cluster: input.cluster(name), weight });
    }
  }
  if (targets.length === 0) {
    return { refusal: Code.Unavailable, message: `xDS: route ${str(route.name) ?? ''} names no cluster Meshlet can use (cluster_header and cluster_specifier_plugin are not supported)` };
  }
  for (const t of targets) clusters.add(t.cluster);
  // gRPC's order (gRFC A31, as grpc-go reads it): the route's grpc_timeout_header_max, else its
  // max_stream_duration, else the listener's. Meshlet also reads Envoy's route.timeout, which gRPC
  // ignores, before the listener's (README: the one timeout field read apart from gRPC).
  const msd = obj(action.maxStreamDuration);
  const timeout = durationMs(msd?.grpcTimeoutHeaderMax) ?? durationMs(msd?.maxStreamDuration) ?? durationMs(action.timeout) ?? input.listenerMaxStreamMs;
  return {
    targets,
    totalWeight: targets.reduce((s, t) => s + t.weight, 0),
    // 0 disables the timeout in Envoy: the reference's own timeout alone then.
    timeoutMs: timeout === undefined || timeout === 0 ? undefined : timeout,
    retry: retryPolicy(obj(action.retryPolicy) ?? obj(vh.retryPolicy)),
    hashKey: hashKeyOf(action.hashPolicy, input.channelId, input.sourceIp),
    fault: faultOf(route, vh, input.faultFilters),
  };
}

/** The fault filter's config for a route: the route's override, else the virtual host's, else the listener's. */
function faultOf(route: Obj, vh: Obj, filters: readonly FaultFilter[]): MeshFault | undefined {
  for (const f of filters) {
    let config: Obj | null | undefined = faultOverride(obj(route.typedPerFilterConfig)?.[f.name]);
    if (config === undefined) config = faultOverride(obj(vh.typedPerFilterConfig)?.[f.name]);
    if (config === undefined) config = f.config;
    if (config === null || config === undefined) continue;
    const fault = meshFault(config);
    if (fault !== undefined) return fault;
  }
  return undefined;
}
