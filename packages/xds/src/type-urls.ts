// The type URLs of the resources an xDS client subscribes to (Envoy's v3 API).
const PREFIX = 'type.googleapis.com/';

export const LISTENER = `${PREFIX}envoy.config.listener.v3.Listener`;
export const ROUTE_CONFIGURATION = `${PREFIX}envoy.config.route.v3.RouteConfiguration`;
export const CLUSTER = `${PREFIX}envoy.config.cluster.v3.Cluster`;
export const CLUSTER_LOAD_ASSIGNMENT = `${PREFIX}envoy.config.endpoint.v3.ClusterLoadAssignment`;
export const SECRET = `${PREFIX}envoy.extensions.transport_sockets.tls.v3.Secret`;

/** The four types gRPC's xDS client knows, in the order a proxyless client resolves them. */
export const RESOURCE_TYPES = [LISTENER, ROUTE_CONFIGURATION, CLUSTER, CLUSTER_LOAD_ASSIGNMENT, SECRET] as const;

/** Short names, as CSDS dumps and logs show them. */
export function shortTypeName(typeUrl: string): string {
  const name = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
  return name.slice(name.lastIndexOf('.') + 1);
}

/**
 * Types whose state-of-the-world responses carry every subscribed resource (a missing one was
 * removed): LDS and CDS. RDS and EDS responses may carry a subset.
 */
export function isFullStateType(typeUrl: string): boolean {
  return typeUrl === LISTENER || typeUrl === CLUSTER;
}
