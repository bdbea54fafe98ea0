// Everything an app needs from one import: core's API (types, decorators, errors, interceptors),
// the defaults-wired `createMeshlet` with the sidecar switch, and the protocols and registries.
export * from '@meshlet/core';
export { createMeshlet, meshletMode, type MeshletAdmin, type MeshletApp, type MeshletAppOptions, type MeshletMode } from './create.js';
export { AdminServer, AdminRoutes, startAdmin, meshletTarget, type AdminOptions, type AdminStatus, type AdminTarget } from '@meshlet/admin';
export { heartbeatProbe } from './probes.js';
export { registerBuiltins, BUILTIN_PROTOCOLS } from './builtins.js';
export {
  createRegistry, registerRegistryScheme, withFallback, isAgentEndpoint, FallbackRegistry, AgentRegistry,
  MosnRegistry, MotanAgentRegistry, MeshletAgentRegistry,
} from '@meshlet/registry';
export { dubbo, dubboProtocol } from '@meshlet/transport-dubbo';
export { bolt, boltProtocol, type BoltOptions } from '@meshlet/transport-bolt';
export { motan2, motan2Protocol, type Motan2Options } from '@meshlet/transport-motan';
export { loadBalancerFactory } from '@meshlet/lb';
export { BreakerSet, bulkhead } from '@meshlet/breaker';
