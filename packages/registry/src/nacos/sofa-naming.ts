import { endpoint, type Endpoint, type Registration, type ServiceKey } from '@meshlet/core';
import { invalidArgument } from '../validate.js';
import { checkUrlParam } from '../zookeeper/java-url.js';
import type { ListedHost, NacosInstance } from './dubbo-naming.js';
import type { NacosNaming, NacosPlace } from './naming.js';

/**
 * SOFARPC's naming in Nacos (sofa-rpc 5.x NacosRegistry / NacosRegistryHelper, unchanged from
 * 5.7 to 5.14): the namespace `sofa-rpc` unless the registry names one, Nacos' `DEFAULT_GROUP`
 * (SOFARPC passes none), the cluster `default-cluster` for writes and reads alike (its consumers
 * read no other). One Nacos service per interface, uniqueId and protocol:
 * `{interface}[:{uniqueId}]:DEFAULT` for Bolt (and TR), `...:{protocol}` for others; the version is
 * not part of it (nor of the metadata). Each instance's metadata is
 * `RegistryUtils.convertProviderToMap`'s keys, from which a Java consumer builds the provider URL
 * `protocol://ip:port?k=v&...`.
 */
export const SOFA_NAMESPACE = 'sofa-rpc';
export const SOFA_CLUSTER = 'default-cluster';
const SOFA_GROUP = 'DEFAULT_GROUP';
/** What SOFARPC's ProviderConfig and ServerConfig write when nothing is set (rpc-config-default.json). */
const DEFAULTS = { timeout: '0', delay: '-1', accepts: '100000' } as const;
/** `rpcVer` Meshlet advertises: SOFARPC consumers send `new_rpc_trace_context` to >= 50100, as with the ZooKeeper layout. */
const RPC_VERSION = '50400';

/**
 * Keys the naming writes itself; an endpoint param of the same name does not override them.
 * `application` (the runtime's, Dubbo's spelling) is SOFARPC's `appName`.
 */
const RESERVED = new Set(['uniqueId', 'interface', 'timeout', 'delay', 'id', 'dynamic', 'weight', 'accepts', 'startTime', 'appName', 'application', 'serialization', 'protocol', 'language', 'pid', 'rpcVer']);

export function sofaPlace(namespace: string): NacosPlace {
  return { namespace: namespace === '' ? SOFA_NAMESPACE : namespace, group: SOFA_GROUP, cluster: SOFA_CLUSTER, readClusters: SOFA_CLUSTER };
}

/** `NacosRegistryHelper.buildServiceName`: Bolt and TR share `:DEFAULT`. */
export function sofaServiceName(key: ServiceKey, protocol: string): string {
  checkName(key.interface, 'interface');
  if (key.group) checkName(key.group, 'uniqueId');
  const suffix = protocol === 'bolt' || protocol === 'tr' ? 'DEFAULT' : protocol;
  return `${key.interface}${key.group ? `:${key.group}` : ''}:${suffix}`;
}

function checkName(text: string, what: string): void {
  // Nacos joins group and service with `@@`; SOFARPC parses the URL it builds on `:`-free hosts only.
  if (text === '' || text.includes('@@') || /[\s\u0000-\u001f\u007f/&?#=]/.test(text)) {
    throw invalidArgument(`nacos registry: SOFA ${what} ${JSON.stringify(text)} cannot be part of a Nacos service name`);
  }
}

/**
 * The instance a Java SOFARPC provider would write for the same service: ip:port, Nacos weight 1.0
 * (SOFARPC leaves Nacos' default and carries its own scale in `weight`), and the same metadata keys
 * with Meshlet's values (`language=nodejs` as sofa-rpc-node writes, `rpcVer=50400`).
 */
export function sofaInstance(registration: Registration): NacosInstance {
  const { service, endpoint: ep } = registration;
  const metadata = Object.create(null) as Record<string, string>;
  metadata.uniqueId = service.group ?? '';
  metadata.interface = service.interface;
  metadata.timeout = ep.params.timeout ?? DEFAULTS.timeout;
  metadata.delay = DEFAULTS.delay;
  metadata.id = `meshlet-${service.interface}${service.group ? `:${service.group}` : ''}`;
  metadata.dynamic = 'true';
  metadata.weight = String(ep.weight);
  metadata.accepts = DEFAULTS.accepts;
  metadata.startTime = String(Date.now());
  const appName = registration.application || ep.params.application;
  if (appName) metadata.appName = appName;
  metadata.serialization = ep.params.serialization ?? 'hessian2';
  metadata.protocol = ep.protocol;
  for (const [k, v] of Object.entries(ep.params)) if (!RESERVED.has(k)) metadata[k] = v;
  metadata.language = 'nodejs';
  metadata.pid = String(process.pid);
  metadata.rpcVer = RPC_VERSION;
  for (const [k, v] of Object.entries(metadata)) {
    const problem = checkUrlParam(k, v);
    if (problem) throw invalidArgument(`nacos registry: ${problem}`);
  }
  return { ip: ep.host, port: ep.port, weight: 1, metadata: { ...metadata } };
}

/**
 * A listed host as SOFARPC's consumer reads it: enabled ones only, the protocol from metadata
 * (`bolt` when absent), kept when protocol and uniqueId match the subscriber's
 * (`RegistryUtils.matchProviderInfos`), weight = metadata `weight` (default 100) × Nacos' weight,
 * every metadata key an endpoint param; hosts of another cluster than `default-cluster` are not
 * SOFARPC's (it reads that cluster only). Unlike SOFARPC, which keeps calling an unhealthy instance
 * until Nacos deletes it, an unhealthy one (its beats stopped) or one of weight 0 is skipped, as
 * the Dubbo naming does.
 */
export function sofaEndpoint(host: ListedHost, wanted: ServiceKey, protocol: string | undefined): Endpoint | undefined {
  if (typeof host !== 'object' || host === null) return undefined;
  if (host.enabled === false || host.healthy === false) return undefined;
  // Asked for with `clusters=default-cluster`, checked again: not every server filters (r-nacos does not).
  const cluster = (host as { clusterName?: unknown }).clusterName;
  if (typeof cluster === 'string' && cluster !== SOFA_CLUSTER) return undefined;
  const { ip, port } = host;
  if (typeof ip !== 'string' || ip === '' || typeof port !== 'number' || !Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  const params = Object.create(null) as Record<string, string>;
  if (typeof host.metadata === 'object' && host.metadata !== null) {
    for (const [k, v] of Object.entries(host.metadata as Record<string, unknown>)) if (typeof v === 'string') params[k] = v;
  }
  const got = (params.protocol || 'bolt').toLowerCase();
  if (!/^[a-z][a-z0-9+.-]*$/.test(got)) return undefined;
  if (protocol !== undefined && got !== protocol.toLowerCase()) return undefined;
  if ((params.uniqueId ?? '') !== (wanted.group ?? '')) return undefined;
  const nacosWeight = typeof host.weight === 'number' && Number.isFinite(host.weight) && host.weight >= 0 ? host.weight : 1;
  const own = params.weight === undefined || params.weight.trim() === '' ? 100 : Number(params.weight);
  const weight = Math.round((Number.isFinite(own) && own >= 0 ? own : 100) * nacosWeight);
  if (weight === 0) return undefined;
  return endpoint(got, ip, port, params, weight);
}

export const sofaNaming: NacosNaming = {
  name: 'sofa',
  place: (s) => sofaPlace(s.namespace),
  serviceName: sofaServiceName,
  instance: sofaInstance,
  endpoint: sofaEndpoint,
};
