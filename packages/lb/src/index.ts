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

// Envoy's priority and locality selection (EDS) around any of the policies above, also by the name
// `locality` (its options: `LocalityAwareOptions`).
export {
  LocalityAwareBalancer, localityAware, LOCALITY_DEFAULTS, priorityLoad, hostFacts,
  XDS_LOCALITY, XDS_PRIORITY, XDS_HEALTH, XDS_LOCALITY_WEIGHT,
  type LocalityAwareOptions, type LocalitySnapshot, type LevelInput, type PriorityLoad, type PriorityLoadOptions, type HostFacts, type HostHealth,
} from './locality/index.js';
import { localityAware } from './locality/index.js';
import { registerLoadBalancer } from './registry.js';
registerLoadBalancer('locality', localityAware);
