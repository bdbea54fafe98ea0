import './schemes.js';

export { createRegistry, registerRegistryScheme, registrySchemes, type RegistryFactory } from './create.js';
export { MemoryRegistry, MemoryStore, sharedMemoryStore, type MemoryRegistryOptions } from './memory.js';
export { StaticRegistry, type StaticRegistryOptions } from './static.js';
export { LocalRegistry, type LocalRegistryOptions } from './local/registry.js';
export { defaultLocalDirectory } from './local/dir.js';
export { RedisRegistry } from './redis/registry.js';
export { parseRedisUrl, type RedisRegistryOptions, type RedisTarget, type RedisAuth, type HostPort } from './redis/options.js';
export { ZookeeperRegistry } from './zookeeper/registry.js';
export { defaultZookeeperLayouts, parseZookeeperUrl, type ZookeeperRegistryOptions } from './zookeeper/options.js';
export type { ZookeeperLayout, ZookeeperNode, ZookeeperChild, ZookeeperProvider } from './zookeeper/layout.js';
export { dubboLayout, dubboProviderUrl, parseDubboProvider, type DubboLayoutOptions } from './zookeeper/dubbo-layout.js';
export { sofaLayout, sofaProviderUrl, parseSofaProvider, type SofaLayoutOptions } from './zookeeper/sofa-layout.js';
export { motanLayout, motanExtInfo, parseMotanProvider, type MotanLayoutOptions } from './zookeeper/motan-layout.js';
export { javaUrlEncode, javaUrlDecode, parseServiceUrl, type ServiceUrl } from './zookeeper/java-url.js';
export { endpointSet, sameEndpoints, sameService, serviceId } from './endpoint-set.js';
export { Subscription, Subscriptions } from './subscription.js';
export { checkRegistration, checkServiceKey } from './validate.js';
