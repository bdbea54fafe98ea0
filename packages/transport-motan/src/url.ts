import {
  formatProviderUrl, normalizeVersion, parseProviderUrl, registrationParams, sortedQuery,
  type Endpoint, type Registration, type ServiceKey,
} from '@meshlet/core';
import { DEFAULT_GROUP, PROTOCOL } from './constants.js';
import type { SerializationName } from './serializer.js';

/**
 * The URL a Motan provider registers (the node data under `/motan/<group>/<service>/server/` in
 * ZooKeeper): `motan2://host:port/<interface>?group=<group>&k=v…`, group first, the other
 * parameters sorted, as motan-go's `ToExtInfo` writes it. A service without a group is
 * registered under Motan's default group `default_rpc`.
 */
export function toMotanUrl(reg: Registration, serialization: SerializationName): string {
  const params = registrationParams(reg, { nodeType: 'service', serialization }, { group: false });
  return formatProviderUrl(PROTOCOL, reg.endpoint, reg.service.interface, `group=${reg.service.group ?? DEFAULT_GROUP}&${sortedQuery(params)}`);
}

/** Reads a provider URL back; undefined for other protocols or unparsable URLs. `default_rpc` is no group. */
export function fromMotanUrl(url: string): { service: ServiceKey; endpoint: Endpoint } | undefined {
  // The interface is the path (written encoded); motan-go writes no `interface=`.
  const parsed = parseProviderUrl(url, PROTOCOL, { pathOnly: true, decodePath: true });
  if (!parsed) return undefined;
  const { params } = parsed.endpoint;
  const group = params.group && params.group !== DEFAULT_GROUP ? params.group : undefined;
  return {
    service: { interface: parsed.interface, version: normalizeVersion(params.version), group },
    endpoint: parsed.endpoint,
  };
}
