// The demo's mesh config as Envoy resources, one function per kind: what Istio would compute from
// a VirtualService (weights, timeout, fault) and a DestinationRule, for one service with two versions.
import { CLUSTER, CLUSTER_LOAD_ASSIGNMENT, LISTENER, ROUTE_CONFIGURATION } from '@meshlet/xds';
import { FAULT, HCM, ROUTER, ms, pack, type Packed, type Plain } from './encode.js';

export interface RouteSpec {
  /** Per cluster name: its share of the calls (weights, any total). */
  readonly weights: Readonly<Record<string, number>>;
  /** The route timeout (caps each call's deadline). */
  readonly timeoutMs: number;
  /** An HTTPFault (Envoy's fault filter config) for this route, or none. */
  readonly fault?: Plain;
}

/** A snapshot: per type URL, the resources by name. */
export type Snapshot = ReadonlyMap<string, ReadonlyMap<string, Packed>>;

/** The service's resources: its Listener (named by the interface), routes, one cluster and endpoint list per version. */
export function serviceSnapshot(service: string, route: RouteSpec, versions: Readonly<Record<string, number>>): Snapshot {
  const routeName = `${service}-routes`;
  const clusters = Object.keys(versions);
  return new Map([
    [LISTENER, new Map([[service, pack(LISTENER, listener(service, routeName))]])],
    [ROUTE_CONFIGURATION, new Map([[routeName, pack(ROUTE_CONFIGURATION, routes(routeName, service, route))]])],
    [CLUSTER, new Map(clusters.map((name) => [name, pack(CLUSTER, cluster(name))]))],
    [CLUSTER_LOAD_ASSIGNMENT, new Map(clusters.map((name) => [name, pack(CLUSTER_LOAD_ASSIGNMENT, endpoints(name, versions[name]!))]))],
  ]);
}

/**
 * What a client applying `route` must hold, per type URL: the listener, its routes, and the
 * clusters (and their endpoints) that carry weight; a cluster of weight 0 is not watched at all.
 */
export function resourcesInUse(service: string, route: RouteSpec): Map<string, string[]> {
  const clusters = Object.entries(route.weights).filter(([, weight]) => weight > 0).map(([name]) => name);
  return new Map([
    [LISTENER, [service]],
    [ROUTE_CONFIGURATION, [`${service}-routes`]],
    [CLUSTER, clusters],
    [CLUSTER_LOAD_ASSIGNMENT, clusters],
  ]);
}

/** An API listener: the HTTP connection manager, routes by RDS, the fault filter (idle unless a route configures it), the router. */
function listener(name: string, routeConfigName: string): Plain {
  return {
    name,
    apiListener: {
      apiListener: pack(HCM, {
        statPrefix: name,
        rds: { configSource: { ads: {}, resourceApiVersion: 'V3' }, routeConfigName },
        httpFilters: [
          { name: 'envoy.filters.http.fault', typedConfig: pack(FAULT, {}) },
          { name: 'envoy.filters.http.router', typedConfig: pack(ROUTER, {}) },
        ],
      }),
    },
  };
}

/** Every method of the service (`/{interface}/{method}`) split over the weighted clusters. */
function routes(name: string, service: string, spec: RouteSpec): Plain {
  return {
    name,
    virtualHosts: [{
      name: service,
      domains: [service],
      routes: [{
        match: { prefix: `/${service}/` },
        route: {
          weightedClusters: { clusters: Object.entries(spec.weights).map(([cluster, weight]) => ({ name: cluster, weight: { value: weight } })) },
          timeout: ms(spec.timeoutMs),
        },
        ...(spec.fault ? { typedPerFilterConfig: { 'envoy.filters.http.fault': pack(FAULT, spec.fault) } } : {}),
      }],
    }],
  };
}

function cluster(name: string): Plain {
  return {
    name,
    type: 'EDS',
    edsClusterConfig: { edsConfig: { ads: {}, resourceApiVersion: 'V3' }, serviceName: name },
    lbPolicy: 'ROUND_ROBIN',
    connectTimeout: ms(1000),
  };
}

/** One provider per version here; a real plane lists every pod of the version. */
function endpoints(name: string, port: number): Plain {
  return {
    clusterName: name,
    endpoints: [{
      locality: { region: 'local', zone: 'a' },
      lbEndpoints: [{
        endpoint: { address: { socketAddress: { address: '127.0.0.1', portValue: port } } },
        healthStatus: 'HEALTHY',
      }],
    }],
  };
}
