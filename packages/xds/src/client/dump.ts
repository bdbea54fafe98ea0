// The client's state as CSDS' ClientConfig (envoy/service/status/v3/csds.proto) in its JSON form:
// the node and one GenericXdsConfig per resource, for the admin endpoint and for humans.
import type { XdsBootstrapNode } from '../bootstrap/bootstrap.js';
import type { ResourceCache, ResourceStatus } from './resource-cache.js';

export interface XdsGenericConfig {
  readonly typeUrl: string;
  readonly name: string;
  readonly versionInfo: string;
  /** The resource as decoded, with its '@type' (absent when it does not exist or has not arrived). */
  readonly xdsConfig?: Record<string, unknown> | undefined;
  readonly lastUpdated?: string | undefined;
  readonly clientStatus: ResourceStatus;
  /** The last NACK of this resource: when, why, and the version refused. */
  readonly errorState?: { readonly lastUpdateAttempt: string; readonly details: string; readonly versionInfo: string } | undefined;
}

export interface XdsClientConfig {
  readonly node: { readonly id: string; readonly cluster?: string | undefined; readonly locality?: object | undefined; readonly userAgentName: string };
  readonly genericXdsConfigs: readonly XdsGenericConfig[];
}

export function clientConfigOf(node: XdsBootstrapNode, cache: ResourceCache): XdsClientConfig {
  const configs: XdsGenericConfig[] = [];
  for (const t of cache.types.values()) {
    for (const e of t.entries.values()) {
      configs.push({
        typeUrl: t.typeUrl,
        name: e.name,
        versionInfo: e.version,
        xdsConfig: e.value === undefined ? undefined : { '@type': t.typeUrl, ...e.value },
        lastUpdated: e.lastUpdated?.toISOString(),
        clientStatus: e.status,
        errorState: e.error === undefined
          ? undefined
          : { lastUpdateAttempt: e.error.at.toISOString(), details: e.error.message, versionInfo: e.error.version },
      });
    }
  }
  return { node: { id: node.id, cluster: node.cluster, locality: node.locality, userAgentName: 'meshlet' }, genericXdsConfigs: configs };
}
