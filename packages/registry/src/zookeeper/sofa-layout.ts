import type { Registration, ServiceKey } from '@meshlet/core';
import { sameService } from '../endpoint-set.js';
import { javaUrlDecode, javaUrlEncode, parseServiceUrl, urlHost } from './java-url.js';
import { checkParams, endpointOf, extraParams, pathPart, type ZookeeperLayout, type ZookeeperProvider } from './layout.js';

export interface SofaLayoutOptions {
  /** The root node. Default `sofa-rpc` (SOFARPC's and sofa-rpc-node's). */
  readonly root?: string | undefined;
  /** `rpcVer=` written with providers (SOFARPC version as a number). Default 50400, as sofa-rpc-node writes. */
  readonly rpcVersion?: string | undefined;
}

const RESERVED = new Set([
  'version', 'uniqueId', 'interface', 'timeout', 'dynamic', 'weight', 'accepts', 'startTime', 'appName',
  'serialization', 'protocol', 'language', 'pid', 'rpcVer',
]);

/**
 * SOFARPC's layout (bolt-sofa.md §2.2), shared by Java SOFARPC and sofa-rpc-node:
 * `/sofa-rpc/{interface}/providers/{URLEncoder.encode(provider URL)}`, ephemeral, no data. The
 * interface is not encoded in the path (neither writer does). Service key mapping: the SOFA
 * `uniqueId` is the group; `version` is SOFA's service version, which both writers default to
 * `1.0`: declare SOFA services with version '1.0' to match them.
 */
export function sofaLayout(options: SofaLayoutOptions = {}): ZookeeperLayout {
  const root = pathPart(options.root ?? 'sofa-rpc', 'SOFA root');
  const rpcVersion = options.rpcVersion ?? '50400';
  const dir = (iface: string) => `/${root}/${pathPart(iface, 'interface')}/providers`;
  return {
    name: 'sofa',
    readsData: false,
    providersPath: (service) => dir(service.interface),
    providerNode(registration) {
      return { path: `${dir(registration.service.interface)}/${javaUrlEncode(sofaProviderUrl(registration, rpcVersion))}` };
    },
    parseProvider(child) {
      const text = javaUrlDecode(child.name);
      return text === undefined ? undefined : parseSofaProvider(text);
    },
    matches: sameService,
  };
}

/**
 * A provider URL in the shape SOFARPC's RegistryUtils.convertProviderToUrls writes
 * (`bolt://host:port?version=1.0&uniqueId=&interface=...`), with `language=nodejs` as
 * sofa-rpc-node writes. `uniqueId=` is always present (empty when no group), as both write it.
 */
export function sofaProviderUrl(registration: Registration, rpcVersion: string): string {
  const { service, endpoint: ep } = registration;
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  if (service.version !== undefined) params.version = service.version;
  params.uniqueId = service.group ?? '';
  params.interface = service.interface;
  params.dynamic = 'true';
  params.weight = String(ep.weight);
  params.accepts = '100000';
  params.startTime = String(Date.now());
  if (registration.application) params.appName = registration.application;
  params.serialization = ep.params.serialization ?? 'hessian2';
  params.protocol = ep.protocol;
  params.language = 'nodejs';
  params.pid = String(process.pid);
  params.rpcVer = rpcVersion;
  Object.assign(params, extraParams(registration, RESERVED));
  checkParams(params);
  const query = Object.keys(params).map((k) => `${k}=${params[k]}`).join('&');
  return `${ep.protocol}://${urlHost(ep.host)}:${ep.port}?${query}`;
}

/**
 * Reads a SOFA provider URL (Java's or sofa-rpc-node's): interface from `interface=` (else the
 * path), skipped when `category` is not `providers` or `enabled` is not `true`, as sofa-rpc-node's
 * consumer filters. SOFA's `group` parameter (sofa-rpc-node writes `group=SOFA`) is not the
 * service group: `uniqueId` is.
 */
export function parseSofaProvider(text: string): ZookeeperProvider | undefined {
  const url = parseServiceUrl(text);
  if (!url) return undefined;
  const p = url.params;
  if (p.category !== undefined && p.category !== 'providers') return undefined;
  if (p.enabled !== undefined && p.enabled !== 'true') return undefined;
  const iface = p.interface || url.path;
  if (!iface) return undefined;
  const service: ServiceKey = {
    interface: iface,
    ...(p.version ? { version: p.version } : {}),
    ...(p.uniqueId ? { group: p.uniqueId } : {}),
  };
  return { service, endpoint: endpointOf(url) };
}
