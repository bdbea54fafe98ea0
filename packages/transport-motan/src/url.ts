import { endpoint, normalizeVersion, type Endpoint, type Registration, type ServiceKey } from '@meshlet/core';
import { DEFAULT_GROUP, PROTOCOL } from './constants.js';
import type { SerializationName } from './serializer.js';

/**
 * The URL a Motan provider registers (the node data under `/motan/<group>/<service>/server/` in
 * ZooKeeper): `motan2://host:port/<interface>?group=<group>&k=v…`, group first, the other
 * parameters sorted, as motan-go's `ToExtInfo` writes it. A service without a group is
 * registered under Motan's default group `default_rpc`.
 */
export function toMotanUrl(reg: Registration, serialization: SerializationName): string {
  const { service, endpoint: ep } = reg;
  const params: Record<string, string> = { nodeType: 'service', serialization };
  if (reg.application) params.application = reg.application;
  if (service.version) params.version = service.version;
  if (ep.weight !== 100) params.weight = String(ep.weight);
  const query = Object.keys(params).sort().map((k) => `&${k}=${params[k]}`).join('');
  const host = ep.host.includes(':') ? `[${ep.host}]` : ep.host;
  return `${PROTOCOL}://${host}:${ep.port}/${service.interface}?group=${service.group ?? DEFAULT_GROUP}${query}`;
}

/** Reads a provider URL back; undefined for other protocols or unparsable URLs. `default_rpc` is no group. */
export function fromMotanUrl(url: string): { service: ServiceKey; endpoint: Endpoint } | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== `${PROTOCOL}:`) return undefined;
  const params = Object.fromEntries(u.searchParams);
  const iface = decodePath(u.pathname);
  const port = Number(u.port);
  if (!iface || !u.hostname || !Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  const group = params.group && params.group !== DEFAULT_GROUP ? params.group : undefined;
  const weight = Number(params.weight ?? 100);
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return {
    service: { interface: iface, version: normalizeVersion(params.version), group },
    endpoint: endpoint(PROTOCOL, host, port, params, Number.isFinite(weight) ? weight : 100),
  };
}

/** The interface from a URL path; undefined for a malformed percent-escape (`%zz`), which `decodeURIComponent` throws on. */
function decodePath(pathname: string): string | undefined {
  try {
    return decodeURIComponent(pathname.replace(/^\//, ''));
  } catch {
    return undefined;
  }
}
