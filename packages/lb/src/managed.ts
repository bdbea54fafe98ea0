import type { Endpoint, LoadBalancer } from '@meshlet/core';

/**
 * A core `LoadBalancer` that can also be told the runtime's current endpoint set, so it drops the
 * state of endpoints that left at once. Without `update` calls every balancer here still works: it
 * learns endpoints from the candidates it is given and forgets departed ones lazily.
 */
export interface ManagedLoadBalancer extends LoadBalancer {
  update(endpoints: readonly Endpoint[]): void;
}
