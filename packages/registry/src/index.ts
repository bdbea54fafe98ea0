export { createRegistry, registerRegistryScheme, registrySchemes, type RegistryFactory } from './create.js';
export { MemoryRegistry, MemoryStore, sharedMemoryStore, type MemoryRegistryOptions } from './memory.js';
export { StaticRegistry, type StaticRegistryOptions } from './static.js';
export { LocalRegistry, type LocalRegistryOptions } from './local/registry.js';
export { defaultLocalDirectory } from './local/dir.js';
export { endpointSet, sameEndpoints, sameService, serviceId } from './endpoint-set.js';
export { Subscription, Subscriptions } from './subscription.js';
export { checkRegistration, checkServiceKey } from './validate.js';
