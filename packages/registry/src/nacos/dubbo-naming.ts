import { endpoint, type Endpoint, type Registration, type ServiceKey } from '@meshlet/core';
import { dubboProviderUrl } from '../zookeeper/dubbo-layout.js';
import { parseServiceUrl } from '../zookeeper/java-url.js';
import { invalidArgument } from '../validate.js';

/**
 * Dubbo's interface-level naming in Nacos (Dubbo 3.3 NacosRegistry / NacosServiceName): one Nacos
 * service per provided interface, `providers:{interface}:{version}:{group}` with an unset version
 * or group written as the empty string, in the registry's Nacos group. Each instance is the
 * provider's address; its metadata is the provider URL's parameters plus `protocol` and `path`,
 * from which a Java consumer rebuilds the URL (`new ServiceConfigURL(metadata.protocol, ip, port,
 * metadata.path, metadata)`).
 */
export function dubboServiceName(key: ServiceKey): string {
  return `providers:${key.interface}:${key.version ?? ''}:${key.group ?? ''}`;
}

/** The instance Nacos stores for a registration: weight on Nacos' scale (1.0 = Dubbo's 100). */
export interface NacosInstance {
  readonly ip: string;
  readonly port: number;
  readonly weight: number;
  readonly metadata: Readonly<Record<string, string>>;
}

export function dubboInstance(registration: Registration, release: string): NacosInstance {
  const url = parseServiceUrl(dubboProviderUrl(registration, release));
  if (!url) throw invalidArgument('nacos registry: cannot build a provider URL for this registration');
  const metadata: Record<string, string> = { ...url.params, protocol: url.protocol, path: url.path };
  const ep = registration.endpoint;
  return { ip: ep.host, port: ep.port, weight: ep.weight / 100, metadata };
}

/** One host of `/nacos/v1/ns/instance/list`, as far as we read it. */
export interface ListedHost {
  readonly ip?: unknown;
  readonly port?: unknown;
  readonly weight?: unknown;
  readonly healthy?: unknown;
  readonly enabled?: unknown;
  readonly metadata?: unknown;
}

/**
 * The endpoint a listed host stands for, or undefined when a Dubbo consumer would not call it:
 * disabled, unhealthy, weight 0 on Nacos' side, a non-provider category, `enabled=false` in its
 * metadata, or malformed. The endpoint's weight is the metadata's `weight` (Dubbo's scale) when
 * present, else Nacos' weight × 100.
 */
export function dubboEndpoint(host: ListedHost): Endpoint | undefined {
  if (typeof host !== 'object' || host === null) return undefined;
  if (host.enabled === false || host.healthy === false) return undefined;
  const { ip, port } = host;
  if (typeof ip !== 'string' || ip === '' || typeof port !== 'number' || !Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  const params = Object.create(null) as Record<string, string>;
  if (typeof host.metadata === 'object' && host.metadata !== null) {
    for (const [k, v] of Object.entries(host.metadata as Record<string, unknown>)) if (typeof v === 'string') params[k] = v;
  }
  if (params.category !== undefined && params.category !== 'providers') return undefined;
  if (params.enabled === 'false') return undefined;
  const protocol = (params.protocol ?? 'dubbo').toLowerCase();
  if (!/^[a-z][a-z0-9+.-]*$/.test(protocol)) return undefined;
  delete params.protocol;
  delete params.path;
  const nacosWeight = typeof host.weight === 'number' && Number.isFinite(host.weight) && host.weight >= 0 ? host.weight : 1;
  if (nacosWeight === 0) return undefined;
  const fromMeta = params.weight === undefined ? NaN : Number(params.weight);
  const weight = Number.isFinite(fromMeta) && fromMeta >= 0 ? fromMeta : Math.round(nacosWeight * 100);
  return endpoint(protocol, ip, port, params, weight);
}
