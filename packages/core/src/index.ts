// @meshlet/core: the model and the SPIs, and the runtime an app builds from them.
// Layers (each imports only those before it; checked by /tmp script, see ARCHITECTURE.md):
//   model + SPI (this folder's files) → telemetry/ → engine/ → runtime/, generic/, interceptors/, plugins/
// Other entry points: '@meshlet/core/engine' (the connection engine, for transport authors),
// '@meshlet/core/runtime' (the runtime's helpers for the packages around it),
// '@meshlet/core/telemetry' (instrument names and status values for plugins).

// Model: errors, types, names, services, endpoints, invocations.
export * from './errors.js';
export { javaStackTrace } from './remote-stack.js';
export * from './types.js';
export * from './java-names.js';
export * from './service-key.js';
export * from './service.js';
export * from './decorators.js';
export * from './endpoint.js';
export * from './provider-url.js';
export * from './invocation.js';
export * from './generic-call.js';

// SPIs: what a protocol, registry, balancer, breaker set or interceptor implements.
export * from './interceptor.js';
export * from './registry.js';
export * from './config-source.js';
export * from './protocol.js';
export * from './codec.js';
export * from './transport-options.js';
export * from './relay.js';
export { wireTable } from './wire-table.js';
export * from './load-balancer.js';
export type { BreakerGate, EndpointBreakers } from './breakers.js';
export * from './plugins/index.js';

// The runtime an app uses: the factory, its options, generic calls, interceptors, routing.
export * from './runtime/meshlet.js';
export type { ReferOptions } from './runtime/refer-options.js';
export type * from './runtime/mesh-control.js';
export { LiveMeshReference } from './runtime/mesh-reference.js';
export type { ClusterStrategy } from './runtime/cluster.js';
export type { RetryBudgetOptions } from './runtime/retry-budget.js';
export type { CallListener, CallRecord, CallSide, EndpointSnapshot, ExportSnapshot, ReferenceSnapshot, RuntimeSnapshot } from './runtime/introspect.js';
export * from './generic/index.js';
export * from './interceptors/rate-limit.js';
export * from './interceptors/fault-injection.js';
export { tagRouter, type Router, type TagRules } from './runtime/router.js';
export * from './routing/index.js';
