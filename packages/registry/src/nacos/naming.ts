import type { Endpoint, Registration, ServiceKey } from '@meshlet/core';
import { dubboEndpoint, dubboInstance, dubboServiceName, type ListedHost, type NacosInstance } from './dubbo-naming.js';
import type { NacosSettings } from './options.js';
import { sofaNaming } from './sofa-naming.js';

/** Where a naming's instances live in Nacos; `readClusters` limits reads (`undefined`: every cluster). */
export interface NacosPlace {
  readonly namespace: string;
  readonly group: string;
  readonly cluster: string;
  readonly readClusters: string | undefined;
}

/**
 * How one ecosystem names services and instances in Nacos (Dubbo, SOFARPC): the registry picks the
 * naming of a registration by its endpoint's protocol, and of a subscription by its subscriber's
 * protocol, as the ZooKeeper registry picks a layout. Implement this to add an ecosystem.
 */
export interface NacosNaming {
  /** For messages: `dubbo`, `sofa`. */
  readonly name: string;
  /** The namespace, group and cluster this ecosystem writes and reads, given the registry's settings. */
  place(settings: NacosSettings): NacosPlace;
  /** The Nacos service name of `key` as served or wanted over `protocol`; throws INVALID_ARGUMENT when it cannot be one. */
  serviceName(key: ServiceKey, protocol: string): string;
  /** The instance to write for a registration; throws INVALID_ARGUMENT when it cannot be written. */
  instance(registration: Registration): NacosInstance;
  /** The endpoint a listed host of `serviceName(wanted, protocol)` stands for, or undefined when this ecosystem's consumer would not call it. */
  endpoint(host: ListedHost, wanted: ServiceKey, protocol: string | undefined): Endpoint | undefined;
}

/** Dubbo's interface-level naming (dubbo-naming.ts), in the registry's namespace, group and cluster. */
export const dubboNaming: NacosNaming = {
  name: 'dubbo',
  place: (s) => ({ namespace: s.namespace, group: s.group, cluster: s.cluster, readClusters: undefined }),
  serviceName: (key) => dubboServiceName(key),
  instance: (registration) => dubboInstance(registration, 'meshlet-0.1.0'),
  endpoint: (host) => dubboEndpoint(host),
};

/** By protocol: Bolt is SOFARPC's; everything else (dubbo, tri, ...) is written as Dubbo writes it. Motan has no Nacos naming (README). */
const BY_PROTOCOL: Readonly<Record<string, NacosNaming>> = { bolt: sofaNaming };

/** The naming of a registration's or subscriber's protocol; Dubbo's when none is known. */
export function namingFor(protocol: string | undefined): NacosNaming {
  return (protocol !== undefined && Object.hasOwn(BY_PROTOCOL, protocol) ? BY_PROTOCOL[protocol] : undefined) ?? dubboNaming;
}
