import { Code, RpcError, type LoadBalancer } from '@meshlet/core';
import { consistentHash, type ConsistentHashOptions } from './consistent-hash.js';
import { leastPending, type LeastPendingOptions } from './least-pending.js';
import { p2c, type P2cOptions } from './p2c.js';
import { weightedRandom, type RandomOptions } from './random.js';
import { smoothRoundRobin, type RoundRobinOptions } from './round-robin.js';

/** Makes a fresh balancer; the runtime makes one per referred service. */
export type LoadBalancerFactory<O = unknown> = (options?: O) => LoadBalancer;

/** Options of the built-in balancers, by name. */
export interface LoadBalancerOptionsMap {
  p2c: P2cOptions;
  random: RandomOptions;
  roundrobin: RoundRobinOptions;
  leastpending: LeastPendingOptions;
  consistenthash: ConsistentHashOptions;
}

/** The balancer used when none is named. */
export const DEFAULT_LOAD_BALANCER = 'p2c';

// Plug-ins by name, as grpc-js registers its LB policies: configuration (a registry URL's
// `loadbalance=` parameter, an env var) names a policy and code supplies it.
const factories = new Map<string, LoadBalancerFactory<any>>([
  ['p2c', p2c],
  ['random', weightedRandom],
  ['roundrobin', smoothRoundRobin],
  ['leastpending', leastPending],
  // Dubbo's name for the same policy, so `loadbalance=leastactive` in a Dubbo URL just works.
  ['leastactive', leastPending],
  ['consistenthash', consistentHash],
]);

/** Registers a balancer under `name`; replacing an existing one must be asked for. */
export function registerLoadBalancer<O>(name: string, factory: LoadBalancerFactory<O>, options: { replace?: boolean } = {}): void {
  const key = name.toLowerCase();
  if (factories.has(key) && options.replace !== true) {
    throw new RpcError(Code.InvalidArgument, `a load balancer named ${JSON.stringify(name)} is already registered (pass { replace: true } to replace it)`);
  }
  factories.set(key, factory);
}

/** A new balancer of the policy `name` (case-insensitive). */
export function createLoadBalancer<N extends keyof LoadBalancerOptionsMap>(name: N, options?: LoadBalancerOptionsMap[N]): LoadBalancer;
export function createLoadBalancer(name?: string, options?: unknown): LoadBalancer;
export function createLoadBalancer(name: string = DEFAULT_LOAD_BALANCER, options?: unknown): LoadBalancer {
  const factory = factories.get(name.toLowerCase());
  if (factory === undefined) {
    throw new RpcError(Code.InvalidArgument, `unknown load balancer ${JSON.stringify(name)}; registered: ${loadBalancerNames().join(', ')}`);
  }
  return factory(options);
}

/**
 * A factory for `createMeshlet({ loadBalancer })`, which wants one balancer per reference. The name
 * is checked now, not at the first call.
 */
export function loadBalancerFactory<N extends keyof LoadBalancerOptionsMap>(name: N, options?: LoadBalancerOptionsMap[N]): () => LoadBalancer;
export function loadBalancerFactory(name?: string, options?: unknown): () => LoadBalancer;
export function loadBalancerFactory(name: string = DEFAULT_LOAD_BALANCER, options?: unknown): () => LoadBalancer {
  createLoadBalancer(name, options);
  return () => createLoadBalancer(name, options);
}

export function loadBalancerNames(): string[] {
  return [...factories.keys()].sort();
}
