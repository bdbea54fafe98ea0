// @meshlet/core/runtime: the runtime's helpers beyond the factory, for the packages around it (the
// agent, registries, admin, the CLI): the address this process advertises and binds, what the
// runtime shows of itself (snapshots, call taps), the retry budget and the cluster's retry rule.
// The factory an app calls (createRuntime) and its option types are exported by `@meshlet/core`.
export { advertiseHost, advertisePort, bindHost, bindHostFromEnv, registryHostFromEnv } from './advertise.js';
export { defaultRouteInterfaces, localAddress, pickLocalAddress, type AddressChoice } from './local-address.js';
export { RetryBudget, type RetryBudgetOptions } from './retry-budget.js';
export * from './introspect.js';
export { retryable, type ClusterStrategy } from './cluster.js';
