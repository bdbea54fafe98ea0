import { endpoint, type Endpoint, type Registration, type ServiceKey, type Subscriber } from '@meshlet/core';
import { invalidArgument } from '../validate.js';
import { checkUrlParam, type ServiceUrl } from './java-url.js';

/** A node the registry keeps alive (ephemeral) for one registration. */
export interface ZookeeperNode {
  /** Absolute path (before the registry's chroot), e.g. `/dubbo/demo.Echo/providers/dubbo%3A%2F%2F...`. */
  readonly path: string;
  /** Node data; none for layouts that put everything in the name. */
  readonly data?: Buffer | undefined;
}

/** One child of a providers directory as read from ZooKeeper. */
export interface ZookeeperChild {
  readonly name: string;
  /** Present only for layouts with `readsData`. */
  readonly data?: Buffer | undefined;
}

/** A provider read from a child: its service key in the ecosystem's terms, and its endpoint. */
export interface ZookeeperProvider {
  readonly service: ServiceKey;
  readonly endpoint: Endpoint;
}

/**
 * How one ecosystem lays out providers in ZooKeeper (Dubbo, SOFARPC, Motan). The registry picks
 * the layout for a registration by its endpoint's protocol, and watches every layout's directory
 * for a subscription (its consumers filter by protocol). Implement this to add an ecosystem.
 */
export interface ZookeeperLayout {
  /** For messages: `dubbo`, `sofa`, `motan`. */
  readonly name: string;
  /** True when providers are described by node data (Motan); false when the name says it all. */
  readonly readsData: boolean;
  /** The directory whose children are the providers of `service`. */
  providersPath(service: ServiceKey): string;
  /** Where and what to write for a registration; throws RpcError INVALID_ARGUMENT when it cannot be written. */
  providerNode(registration: Registration): ZookeeperNode;
  /** Reads one child of `providersPath(...)` (given as `dir`); undefined when it is not a usable provider. */
  parseProvider(child: ZookeeperChild, dir: string): ZookeeperProvider | undefined;
  /**
   * Where a subscriber of `service` lists itself, for ecosystems whose tools read consumers (Dubbo:
   * dubbo-admin reads `/dubbo/{interface}/consumers`); absent when the ecosystem has no such list.
   */
  consumerNode?(service: ServiceKey, subscriber: Subscriber): ZookeeperNode;
  /** Whether a provider of `provided` serves a subscriber of `wanted`, by the ecosystem's rules. */
  matches(wanted: ServiceKey, provided: ServiceKey): boolean;
}

/** Endpoint params written to every URL, minus the keys the layout sets itself; invalid ones rejected. */
export function extraParams(registration: Registration, reserved: ReadonlySet<string>): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(registration.endpoint.params)) {
    if (reserved.has(k)) continue;
    const problem = checkUrlParam(k, v);
    if (problem) throw invalidArgument(`zookeeper registry: ${problem}`);
    out[k] = v;
  }
  return out;
}

/** Checks every value the layout itself writes. */
export function checkParams(params: Readonly<Record<string, string>>): void {
  for (const [k, v] of Object.entries(params)) {
    const problem = checkUrlParam(k, v);
    if (problem) throw invalidArgument(`zookeeper registry: ${problem}`);
  }
}

/** The endpoint of a parsed URL: its protocol, host, port, every param, `weight` as the weight. */
export function endpointOf(url: ServiceUrl): Endpoint {
  const weight = url.params.weight === undefined ? 100 : Number(url.params.weight);
  return endpoint(url.protocol, url.host, url.port, url.params, Number.isFinite(weight) && weight >= 0 ? weight : 100);
}

/** Rejects names and path parts ZooKeeper cannot hold. */
export function pathPart(text: string, what: string): string {
  if (text === '' || text.includes('/') || text === '.' || text === '..' || /[\u0000-\u001f\u007f]/.test(text)) {
    throw invalidArgument(`zookeeper registry: ${what} ${JSON.stringify(text)} cannot be a ZooKeeper path segment`);
  }
  return text;
}
