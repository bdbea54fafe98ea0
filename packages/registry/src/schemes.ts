// Registers the schemes of the registries that talk to a server, so that
// `createRegistry(process.env.MESHLET_REGISTRY)` understands them. Importing this package is
// enough; the client libraries themselves load only when a registry first connects.
import { registerRegistryScheme } from './create.js';
import { RedisRegistry } from './redis/registry.js';
import { ZookeeperRegistry } from './zookeeper/registry.js';

for (const scheme of ['redis', 'rediss', 'redis+sentinel', 'rediss+sentinel', 'redis+cluster', 'rediss+cluster']) {
  registerRegistryScheme(scheme, (url) => new RedisRegistry(url));
}
for (const scheme of ['zookeeper', 'zk']) {
  registerRegistryScheme(scheme, (url) => new ZookeeperRegistry(url));
}
