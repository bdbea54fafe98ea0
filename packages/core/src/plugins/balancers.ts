import type { LoadBalancer } from '../load-balancer.js';
import { NamedTable, type RegisterOptions } from './table.js';

/** Makes a fresh balancer; the runtime makes one per referred service. */
export type LoadBalancerFactory<O = any> = (options?: O) => LoadBalancer;

// Empty here: `@meshlet/lb` registers its policies (p2c, random, roundrobin, ...) by name.
const balancers = new NamedTable<LoadBalancerFactory>('load balancer');

/** Makes `createLoadBalancer(name)` and `loadBalancer: 'name'` in the runtime options understand `name`. */
export function registerLoadBalancer<O>(name: string, factory: LoadBalancerFactory<O>, options?: RegisterOptions): void {
  balancers.register(name, factory, options);
}

/** A new balancer of the policy registered as `name`; RpcError INVALID_ARGUMENT if there is none. */
export function createLoadBalancer(name: string, options?: unknown): LoadBalancer {
  return balancers.get(name)(options);
}

/** The registered balancer names, sorted. */
export function loadBalancerNames(): string[] {
  return balancers.names();
}
