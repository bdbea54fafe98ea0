// Hand-written xDS resources in the @meshlet/xds contract's shape (protobufjs toObject: camelCase,
// enums as names, Durations as { seconds, nanos }, wrappers as { value }, Anys with '@type'), and a
// fake watch source that replays cached values as XdsClient#watch does.
import type { XdsWatchSource } from './reference-watch.js';
import type { Obj } from './values.js';

const T = 'type.googleapis.com/';
export const HCM_TYPE = `${T}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`;
export const FAULT_TYPE = `${T}envoy.extensions.filters.http.fault.v3.HTTPFault`;
export const ROUTER_TYPE = `${T}envoy.extensions.filters.http.router.v3.Router`;

export const ms = (n: number) => ({ seconds: Math.floor(n / 1000), nanos: (n % 1000) * 1e6 });

export function listener(name: string, routeConfigName: string | Obj, filters: Obj[] = []): Obj {
  const rc = typeof routeConfigName === 'string'
    ? { rds: { configSource: { ads: {} }, routeConfigName }, routeSpecifier: 'rds' }
    : { routeConfig: routeConfigName, routeSpecifier: 'routeConfig' };
  return {
    name,
    apiListener: {
      apiListener: {
        '@type': HCM_TYPE,
        ...rc,
        httpFilters: [...filters, { name: 'envoy.filters.http.router', typedConfig: { '@type': ROUTER_TYPE } }],
      },
    },
  };
}

export function faultFilter(config: Obj = {}, name = 'envoy.filters.http.fault'): Obj {
  return { name, typedConfig: { '@type': FAULT_TYPE, ...config } };
}

export function routeConfig(name: string, routes: Obj[], domains = ['*'], vhost: Obj = {}): Obj {
  return { name, virtualHosts: [{ name: 'vh', domains, routes, ...vhost }] };
}

export function route(action: Obj, match: Obj = { prefix: '' }, extra: Obj = {}): Obj {
  return { match, route: action, ...extra };
}

export function cluster(name: string, extra: Obj = {}): Obj {
  return { name, type: 'EDS', edsClusterConfig: { edsConfig: { ads: {} }, serviceName: `${name}-eds` }, clusterDiscoveryType: 'type', ...extra };
}

export function assignment(name: string, endpoints: { port: number; host?: string; health?: string; weight?: number; meta?: Obj; priority?: number; zone?: string }[]): Obj {
  const groups = new Map<string, Obj[]>();
  for (const e of endpoints) {
    const key = `${e.priority ?? 0}|${e.zone ?? ''}`;
    const lb: Obj = {
      endpoint: { address: { socketAddress: { address: e.host ?? '127.0.0.1', portValue: e.port } } },
      ...(e.health ? { healthStatus: e.health } : {}),
      ...(e.weight !== undefined ? { loadBalancingWeight: { value: e.weight } } : {}),
      ...(e.meta ? { metadata: { filterMetadata: { meshlet: e.meta } } } : {}),
    };
    groups.set(key, [...(groups.get(key) ?? []), lb]);
  }
  return {
    clusterName: name,
    endpoints: [...groups].map(([key, lbEndpoints]) => {
      const [priority, zone] = key.split('|');
      return { lbEndpoints, ...(Number(priority) ? { priority: Number(priority) } : {}), ...(zone ? { locality: { region: 'r', zone } } : {}) };
    }),
  };
}

/** XdsClient#watch over a map the test edits: set() and remove() notify watchers, as an xDS update would. */
export class FakeSource implements XdsWatchSource {
  private readonly values = new Map<string, Obj | undefined>();
  private readonly watchers = new Map<string, Set<(r: Obj | undefined) => void>>();
  readonly watched: string[] = [];

  watch(typeUrl: string, name: string, listener: (resource: any) => void): () => void {
    const key = `${typeUrl.slice(typeUrl.lastIndexOf('.') + 1)}/${name}`;
    this.watched.push(key);
    let set = this.watchers.get(key);
    if (set === undefined) this.watchers.set(key, (set = new Set()));
    set.add(listener);
    if (this.values.has(key)) listener(this.values.get(key));
    return () => set!.delete(listener);
  }

  set(kind: 'Listener' | 'RouteConfiguration' | 'Cluster' | 'ClusterLoadAssignment', name: string, value: Obj | undefined): void {
    const key = `${kind}/${name}`;
    this.values.set(key, value);
    for (const l of [...(this.watchers.get(key) ?? [])]) l(value);
  }

  watching(kind: string, name: string): number {
    return this.watchers.get(`${kind}/${name}`)?.size ?? 0;
  }
}
