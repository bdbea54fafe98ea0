import { appInstance, instanceMetadata, type AppInstance } from '../app-level/instance.js';
import type { InstanceState } from '../app-level/registrations.js';
import type { ListedHost, NacosInstance } from './dubbo-naming.js';

/**
 * Dubbo 3's application-level naming in Nacos (NacosServiceDiscovery), as Java Dubbo 3.3.6 with
 * nacos-client 2.5.1 writes it (captured, see fixtures/nacos-java-app-instance.json): the Nacos
 * service is the APPLICATION name, in the registry's group; one ephemeral instance per
 * application process (its address and dubbo port, else its tri port), weight 1, whose metadata is the instance
 * metadata every registry carries (app-level/instance.ts).
 */
export function appNacosInstance(state: InstanceState): NacosInstance {
  return { ip: state.host, port: state.port, weight: 1, metadata: instanceMetadata(state.port, state.revision, state.since, state.endpoints) };
}

/**
 * The application instance a listed host stands for, or undefined when a Dubbo 3 consumer would
 * not use it: Java selects healthy instances only (`selectInstances(app, group, true)`), and an
 * instance must carry a metadata revision.
 */
export function appInstanceOf(application: string, host: ListedHost): AppInstance | undefined {
  if (typeof host !== 'object' || host === null) return undefined;
  if (host.enabled === false || host.healthy === false) return undefined;
  const { ip, port } = host;
  if (typeof ip !== 'string' || ip === '' || typeof port !== 'number' || !Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  if (typeof host.weight === 'number' && host.weight <= 0) return undefined;
  return appInstance(application, ip, port, host.metadata);
}
