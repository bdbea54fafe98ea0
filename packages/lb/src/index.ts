export type { ManagedLoadBalancer } from './managed.js';
export type { BalancerOptions } from './options.js';
export { p2c, P2C_DEFAULTS, type P2cOptions } from './p2c.js';
export { weightedRandom, type RandomOptions } from './random.js';
export { smoothRoundRobin, type RoundRobinOptions } from './round-robin.js';
export { leastPending, type LeastPendingOptions } from './least-pending.js';
export { consistentHash, CONSISTENT_HASH_DEFAULTS, keyOf, ringAddress, type ConsistentHashOptions } from './consistent-hash.js';
export { javaString, javaDouble, javaFloat } from './java-string.js';
export { warmupWeight, DEFAULT_WARMUP_MS } from './warmup.js';
export { latencyToRecord } from './outcome.js';
import { registerBuiltinLoadBalancers } from './registry.js';
export {
  registerLoadBalancer, createLoadBalancer, loadBalancerFactory, loadBalancerNames, DEFAULT_LOAD_BALANCER,
  registerBuiltinLoadBalancers, BUILTIN_LOAD_BALANCERS, type LoadBalancerFactory, type LoadBalancerOptionsMap,
} from './registry.js';

// The package entry registers its policies explicitly, as grpc-js' index calls each policy's
// `setup()`; no module registers anything merely by being imported.
registerBuiltinLoadBalancers();
