import { endpoint, normalizeVersion, type Endpoint, type Registration, type ServiceKey } from '@meshlet/core';
import { PROTOCOL } from './constants.js';

/**
 * The URL a provider registers: `rsocket://host:port/<interface>?methods=…&version=…&group=…`,
 * Dubbo-style (sorted parameters, no empty version or group), so the registry layouts that store
 * URLs store this one the same way.
 */
export function toRSocketUrl(reg: Registration): string {
  const { service, endpoint: ep } = reg;
  const params: Record<string, string> = {
    interface: service.interface,
    methods: [...reg.methods].sort().join(','),
    side: 'provider',
    timestamp: String(Date.now()),
  };
  if (reg.application) params.application = reg.application;
  if (service.version) params.version = service.version;
  if (service.group) params.group = service.group;
  if (ep.weight !== 100) params.weight = String(ep.weight);
  const query = Object.keys(params).sort().map((k) => `${k}=${encodeURIComponent(params[k]!)}`).join('&');
  const host = ep.host.includes(':') ? `[${ep.host}]` : ep.host;
  return `${PROTOCOL}://${host}:${ep.port}/${service.interface}?${query}`;
}

/** Reads a provider URL back; undefined for other protocols or unparsable URLs. */
export function fromRSocketUrl(url: string): { service: ServiceKey; endpoint: Endpoint } | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== `${PROTOCOL}:`) return undefined;
  const params = Object.fromEntries(u.searchParams);
  const iface = params.interface || decodePath(u.pathname);
  const port = Number(u.port);
  if (!iface || !Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  const weight = Number(params.weight ?? 100);
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return {
    service: { interface: iface, version: normalizeVersion(params.version), group: params.group || undefined },
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
