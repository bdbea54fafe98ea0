import {
  createLoadBalancer as createRegistered, loadBalancerNames, registerLoadBalancer,
  type LoadBalancer, type LoadBalancerFactory,
} from '@meshlet/core';
import { consistentHash, type ConsistentHashOptions } from './consistent-hash.js';
import { leastPending, type LeastPendingOptions } from './least-pending.js';
import { p2c, type P2cOptions } from './p2c.js';
import { weightedRandom, type RandomOptions } from './random.js';
import { smoothRoundRobin, type RoundRobinOptions } from './round-robin.js';

// The table itself is core's (`registerLoadBalancer`), so `loadBalancer: 'p2c'` in the runtime
// options and a registry URL's `loadbalance=` find these policies by name, as grpc-js finds its LB
// policies; this package adds its policies to it and typed helpers over it.
export { registerLoadBalancer, loadBalancerNames, type LoadBalancerFactory };

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

/** The built-in policies by name. */
export const BUILTIN_LOAD_BALANCERS: Readonly<Record<string, LoadBalancerFactory>> = {
  p2c,
  random: weightedRandom,
  roundrobin: smoothRoundRobin,
  leastpending: leastPending,
  // Dubbo's name for the same policy, so `loadbalance=leastactive` in a Dubbo URL just works.
  leastactive: leastPending,
  consistenthash: consistentHash,
};

/**
 * Registers the built-in policies under their names (grpc-js' `setup()`): this package's entry
 * calls it, and calling it again is a no-op. A policy an app registered under a built-in name with
 * `{ replace: true }` stays replaced only if registered after this ran.
 */
export function registerBuiltinLoadBalancers(): void {
  for (const [name, factory] of Object.entries(BUILTIN_LOAD_BALANCERS)) registerLoadBalancer(name, factory);
}

/** A new balancer of the policy `name` (case-insensitive). */
export function createLoadBalancer<N extends keyof LoadBalancerOptionsMap>(name: N, options?: LoadBalancerOptionsMap[N]): LoadBalancer;
export function createLoadBalancer(name?: string, options?: unknown): LoadBalancer;
export function createLoadBalancer(name: string = DEFAULT_LOAD_BALANCER, options?: unknown): LoadBalancer {
  return createRegistered(name, options);
}

/**
 * A factory for `createMeshlet({ loadBalancer })`, which wants one balancer per reference. The name
 * is checked now, not at the first call.
 */
export function loadBalancerFactory<N extends keyof LoadBalancerOptionsMap>(name: N, options?: LoadBalancerOptionsMap[N]): () => LoadBalancer;
export function loadBalancerFactory(name?: string, options?: unknown): () => LoadBalancer;
export function loadBalancerFactory(name: string = DEFAULT_LOAD_BALANCER, options?: unknown): () => LoadBalancer {
  createRegistered(name, options);
  return () => createRegistered(name, options);
}
