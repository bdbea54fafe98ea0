import { Code, LiveMeshReference, type MeshCluster, type MeshPolicy, type TlsOptions } from '@meshlet/core';
import { CLUSTER, CLUSTER_LOAD_ASSIGNMENT, LISTENER, ROUTE_CONFIGURATION } from '../type-urls.js';
import { clusterSpec } from './cluster-spec.js';
import { HTTP_FAULT } from './fault.js';
import { meshCluster, missingCluster, type AssignmentFeed, type OutlierDetectorFactory } from './mesh-cluster.js';
import { RoutePolicy, type FaultFilter } from './route-table.js';
import type { ClusterTlsCache } from './tls-clusters.js';
import { durationMs, list, obj, str, typeName, type Obj } from './values.js';
import type { XdsCertificateProvider } from '../bootstrap/bootstrap.js';

/** What the mapping needs of an xDS client (`XdsClient#watch`, the @meshlet/xds contract). */
export interface XdsWatchSource {
  /** `resource` undefined: it does not exist. The cached value is replayed to a new watcher at once. Returns the unwatch. */
  watch(typeUrl: string, name: string, listener: (resource: any, meta?: unknown) => void): () => void;
  /** The client's bootstrap: its client_default_listener_resource_name_template and certificate_providers. */
  readonly bootstrap?: {
    readonly clientDefaultListenerResourceNameTemplate?: string | undefined;
    readonly certificateProviders?: Readonly<Record<string, XdsCertificateProvider>> | undefined;
  } | undefined;
}

const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

interface ClusterEntry {
  readonly unwatch: () => void;
  /** undefined: CDS has not answered yet. */
  mesh: MeshCluster | undefined;
  /** The feed its endpoints come from (EDS), kept while the EDS name stays. */
  eds: { name: string; feed: Feed } | undefined;
}

/** One ClusterLoadAssignment watched for the clusters that name it. */
class Feed implements AssignmentFeed {
  private last: Obj | null | undefined = undefined;
  private readonly listeners = new Set<(cla: Obj | null) => void>();
  private readonly unwatch: () => void;

  constructor(source: XdsWatchSource, name: string) {
    this.unwatch = source.watch(CLUSTER_LOAD_ASSIGNMENT, name, (cla) => {
      this.last = obj(cla) ?? null;
      for (const l of [...this.listeners]) l(this.last);
    });
  }

  get current(): Obj | null | undefined {
    return this.last;
  }

  subscribe(listener: (cla: Obj | null) => void): () => void {
    this.listeners.add(listener);
    if (this.last !== undefined) listener(this.last);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.unwatch();
    this.listeners.clear();
  }
}

export interface ReferenceWatchOptions {
  readonly listener: string;
  /** The virtual-host authority (the reference's target name). */
  readonly authority: string;
  readonly service: string;
  readonly protocol: string;
  readonly outlier: OutlierDetectorFactory | undefined;
  readonly channelId: string;
  readonly sourceIp: () => string;
  /** Clusters' transport_socket as TLS options (shared by the mesh's references). */
  readonly tls: ClusterTlsCache;
}

/**
 * One reference's walk down the xDS tree, as gRPC's resolver and cds balancer do: its Listener
 * (an api_listener HttpConnectionManager) → its RouteConfiguration (RDS, or inline) → each
 * Cluster a route names → each cluster's ClusterLoadAssignment. Every change compiles a new
 * RoutePolicy and swaps it into the reference whole; a policy is published only once every
 * cluster it names has been answered by CDS (present or absent), so a new route never sends to a
 * cluster the runtime knows nothing about. Removed resources: a missing listener or route
 * configuration fails calls UNAVAILABLE, and so does a missing or unusable cluster (MeshCluster.unavailable).
 */
export class ReferenceWatch {
  readonly ref: LiveMeshReference;
  private readonly unwatchListener: () => void;
  private rds: { name: string; unwatch: () => void } | undefined;
  private routeConfig: Obj | undefined;
  private faultFilters: readonly FaultFilter[] = [];
  private listenerMaxStreamMs: number | undefined;
  private readonly clusters = new Map<string, ClusterEntry>();
  private closed = false;

  constructor(private readonly source: XdsWatchSource, private readonly options: ReferenceWatchOptions) {
    this.ref = new LiveMeshReference(() => this.close());
    this.unwatchListener = source.watch(LISTENER, options.listener, (listener) => this.guarded(() => this.onListener(obj(listener))));
  }

  private onListener(listener: Obj | undefined): void {
    if (this.closed) return;
    if (listener === undefined) {
      this.dropRds();
      this.routeConfig = undefined;
      return this.refuse(`xDS: listener ${this.options.listener} does not exist`);
    }
    const hcm = obj(obj(listener.apiListener)?.apiListener);
    if (hcm === undefined || typeName(hcm) !== HCM) {
      return this.refuse(`xDS: listener ${this.options.listener} is not an api_listener with an HttpConnectionManager`);
    }
    this.faultFilters = faultFiltersOf(hcm);
    this.listenerMaxStreamMs = durationMs(obj(hcm.commonHttpProtocolOptions)?.maxStreamDuration);
    const inline = obj(hcm.routeConfig);
    if (inline !== undefined) {
      this.dropRds();
      this.routeConfig = inline;
      return this.rebuild();
    }
    const name = str(obj(hcm.rds)?.routeConfigName);
    if (name === undefined) return this.refuse(`xDS: listener ${this.options.listener} names no route configuration`);
    if (this.rds?.name === name) return this.rebuild();
    this.dropRds();
    this.routeConfig = undefined;
    // The cached value is replayed at once: the rebuild happens inside watch() when it is known.
    const rds = { name, unwatch: () => {} };
    this.rds = rds;
    rds.unwatch = this.source.watch(ROUTE_CONFIGURATION, name, (rc) => this.guarded(() => {
      if (this.closed || this.rds !== rds) return;
      this.routeConfig = obj(rc);
      if (this.routeConfig === undefined) return this.refuse(`xDS: route configuration ${name} does not exist`);
      this.rebuild();
    }));
  }

  /**
   * Runs a watcher's work: a resource the mapping cannot read must not throw into the xDS client
   * (its other watchers and its ACKs would suffer); the reference's calls fail UNAVAILABLE instead.
   */
  private guarded(work: () => void): void {
    try {
      work();
    } catch (err) {
      this.refuse(`xDS: the configuration of ${this.options.listener} cannot be used: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private dropRds(): void {
    this.rds?.unwatch();
    this.rds = undefined;
  }

  private refuse(message: string): void {
    this.publish({ route: () => ({ refusal: Code.Unavailable, message }), clusters: [] });
  }

  private publish(policy: MeshPolicy): void {
    this.ref.set(policy);
    // Clusters no route names any more stop being watched.
    const named = new Set(policy.clusters.map((c) => c.name));
    for (const [name, entry] of this.clusters) {
      if (named.has(name)) continue;
      entry.unwatch();
      entry.eds?.feed.close();
      this.clusters.delete(name);
    }
  }

  /** Compiles the current route configuration; publishes it once every cluster it names is known. */
  private rebuild(): void {
    if (this.closed || this.routeConfig === undefined) return;
    let waiting = false;
    const policy = new RoutePolicy({
      authority: this.options.authority,
      service: this.options.service,
      routeConfig: this.routeConfig,
      faultFilters: this.faultFilters,
      listenerMaxStreamMs: this.listenerMaxStreamMs,
      cluster: (name) => {
        const entry = this.clusterEntry(name);
        if (entry.mesh === undefined) waiting = true;
        return entry.mesh ?? missingCluster(name);
      },
      channelId: this.options.channelId,
      sourceIp: this.options.sourceIp(),
    });
    if (!waiting) this.publish(policy);
  }

  private clusterEntry(name: string): ClusterEntry {
    let entry = this.clusters.get(name);
    if (entry !== undefined) return entry;
    const holder: { entry?: ClusterEntry } = {};
    // watch() may replay a cached cluster synchronously, before `entry` is stored.
    const pending: { value?: Obj | null } = {};
    const unwatch = this.source.watch(CLUSTER, name, (cluster) => {
      if (holder.entry === undefined) {
        pending.value = obj(cluster) ?? null;
        return;
      }
      this.guarded(() => this.onCluster(holder.entry!, name, obj(cluster) ?? null));
    });
    entry = { unwatch, mesh: undefined, eds: undefined };
    holder.entry = entry;
    this.clusters.set(name, entry);
    if (pending.value !== undefined) this.onCluster(entry, name, pending.value, false);
    return entry;
  }

  private onCluster(entry: ClusterEntry, name: string, cluster: Obj | null, rebuild = true): void {
    if (this.closed) return;
    if (cluster === null) {
      entry.eds?.feed.close();
      entry.eds = undefined;
      entry.mesh = missingCluster(name);
    } else {
      const spec = clusterSpec(cluster);
      const tls = this.options.tls.of(cluster);
      const unusable = spec.unsupported ?? (tls !== false && 'unusable' in tls ? tls.unusable : undefined);
      if (unusable !== undefined) {
        entry.eds?.feed.close();
        entry.eds = undefined;
        entry.mesh = missingCluster(name, `xDS: ${unusable}`);
      } else {
        if (spec.eds !== entry.eds?.name) {
          entry.eds?.feed.close();
          entry.eds = spec.eds === undefined ? undefined : { name: spec.eds, feed: new Feed(this.source, spec.eds) };
        }
        entry.mesh = meshCluster(spec, this.options.protocol, entry.eds?.feed, this.options.outlier, tls as TlsOptions | false);
      }
    }
    if (rebuild) this.rebuild();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unwatchListener();
    this.dropRds();
    for (const entry of this.clusters.values()) {
      entry.unwatch();
      entry.eds?.feed.close();
    }
    this.clusters.clear();
    this.ref.close();
  }
}

/** The HttpConnectionManager's fault filters, in order, up to the router (filters after it never run). */
function faultFiltersOf(hcm: Obj): FaultFilter[] {
  const out: FaultFilter[] = [];
  for (const f of list(hcm.httpFilters)) {
    const typed = obj(f.typedConfig);
    const type = typeName(typed);
    if (type === 'envoy.extensions.filters.http.router.v3.Router') break;
    if (type === HTTP_FAULT) out.push({ name: str(f.name) ?? '', config: typed });
  }
  return out;
}
