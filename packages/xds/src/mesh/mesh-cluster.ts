import {
  createLoadBalancer, loadBalancerNames, roundRobin,
  type EndpointBreakers, type TlsOptions, type Endpoint, type Invocation, type LoadBalancer, type MeshCluster,
} from '@meshlet/core';
import type { ClusterSpec } from './cluster-spec.js';
import { endpointsOf } from './endpoints.js';
import { obj, wrapped, type Obj } from './values.js';

/** A ClusterLoadAssignment feed: the last one seen (undefined: none yet; null: does not exist) and its listeners. */
export interface AssignmentFeed {
  subscribe(listener: (assignment: Obj | null) => void): () => void;
  /** The last assignment (undefined: none yet; null: it does not exist). */
  readonly current: Obj | null | undefined;
}

/** Makes an outlier detector for a cluster's outlier_detection (the caller's choice; `createMeshlet` wires @meshlet/breaker's). */
export type OutlierDetectorFactory = (config: Obj) => EndpointBreakers | undefined;

/** A ring-hash call without a hash key lands at random (Envoy hashes a random value then). */
const hashKeyOrRandom = (inv: Invocation) => inv.hashKey ?? String(Math.random());

/**
 * The cluster's balancer: its lb policy (by the name @meshlet/lb registers; core's round robin
 * without it) inside Envoy's priority and locality selection (@meshlet/lb's `locality`, reading
 * the xds.* endpoint params the EDS mapping writes), with the overprovisioning factor of the
 * assignment known when the balancer is made.
 */
function balancerFor(spec: ClusterSpec, assignment: Obj | null | undefined): LoadBalancer {
  const names = loadBalancerNames();
  if (!names.includes(spec.balancer)) return roundRobin();
  const balancerOptions = spec.balancer === 'consistenthash' ? { key: hashKeyOrRandom } : undefined;
  if (!names.includes('locality')) return createLoadBalancer(spec.balancer, balancerOptions);
  const policy = obj(assignment?.policy);
  const factor = wrapped(policy?.overprovisioningFactor);
  return createLoadBalancer('locality', {
    balancer: spec.balancer,
    balancerOptions,
    ...(factor !== undefined && factor > 0 ? { overprovisioningFactor: factor } : {}),
    ...(spec.panicThreshold !== undefined ? { panicThreshold: spec.panicThreshold } : {}),
    ...(policy?.weightedPriorityHealth === true ? { weightedPriorityHealth: true } : {}),
    ...(spec.localityWeighted !== undefined ? { localityWeighted: spec.localityWeighted } : {}),
  });
}

/**
 * A Cluster resource as the runtime's MeshCluster: one object per resource version (the runtime
 * keeps a directory per object, and retires it when a policy no longer names it).
 */
export function meshCluster(
  spec: ClusterSpec, protocol: string, feed: AssignmentFeed | undefined, outlier: OutlierDetectorFactory | undefined,
  /** From the cluster's transport_socket: TLS options, or false (none: plaintext, gRPC's rule, whatever the runtime's client TLS says). */
  tls: TlsOptions | false = false,
): MeshCluster {
  const name = spec.name;
  const detection = spec.outlierDetection;
  return {
    name,
    subscribe(listener: (endpoints: readonly Endpoint[]) => void): () => void {
      if (feed !== undefined) return feed.subscribe((cla) => listener(cla === null ? [] : endpointsOf(cla, protocol, name)));
      listener(spec.inline === undefined ? [] : endpointsOf(spec.inline, protocol, name));
      return () => {};
    },
    balancer: () => balancerFor(spec, feed?.current),
    breakers: detection !== undefined && outlier !== undefined ? () => outlier(detection) : undefined,
    limits: { maxRequests: spec.maxRequests ?? 1024, maxRetries: spec.maxRetries ?? 3, retryBudget: spec.retryBudget },
    tls,
  };
}

/** A cluster that does not exist (or cannot be used): its calls fail UNAVAILABLE, unsent, saying why. */
export function missingCluster(name: string, why = `xDS: cluster ${name} does not exist`): MeshCluster {
  return {
    name,
    unavailable: why,
    subscribe(listener) {
      listener([]);
      return () => {};
    },
  };
}
