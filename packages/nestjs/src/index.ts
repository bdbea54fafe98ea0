// NestJS integration: a global module running one Meshlet runtime with the app's lifecycle,
// exported @RpcService providers and injected references.
export { MeshletModule, MeshletFeatureModule } from './module.js';
export { MeshletLifecycle } from './lifecycle.js';
export { MESHLET, MESHLET_MODULE_OPTIONS, InjectMeshlet, InjectReference, referenceToken, type Contract, type ReferenceKey } from './tokens.js';
export type { MeshletFeatureOptions, MeshletModuleAsyncOptions, MeshletModuleOptions, Reference, ReferenceSpec } from './options.js';
