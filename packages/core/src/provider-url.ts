import { endpoint, type Endpoint } from './endpoint.js';
import type { Registration } from './registry.js';
import { normalizeVersion, type ServiceKey } from './service-key.js';

/** How a protocol's ecosystem spells the interface in its provider URLs. */
export interface ProviderUrlSpelling {
  /** The interface is the path only; an `interface=` parameter is not read (Motan). */
  readonly pathOnly?: boolean | undefined;
  /**
   * The path is percent-decoded (Motan and RSocket write it with `encodeURIComponent`); a
   * malformed escape (`%zz`) makes the URL unreadable. Dubbo and SOFA read it as it is, as Java does.
   */
  readonly decodePath?: boolean | undefined;
}

/**
 * The part of reading a provider URL (`scheme://host:port[/interface]?k=v…`, as Dubbo, SOFARPC,
 * Motan and RSocket register them) that does not depend on the protocol: the endpoint, with the
 * query as its params and `weight` (100 when absent or not a number), and the interface, from
 * `interface=` or else the path. Undefined for another scheme, an unparsable URL, no interface
 * or no valid port. How version and group are spelled (and defaulted) is the protocol's to read
 * from `endpoint.params`.
 */
export function parseProviderUrl(url: string, protocol: string, spelling: ProviderUrlSpelling = {}): { interface: string; endpoint: Endpoint } | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== `${protocol}:`) return undefined;
  const params = Object.fromEntries(u.searchParams);
  const path = u.pathname.replace(/^\//, '');
  const iface = (spelling.pathOnly ? undefined : params.interface) || (spelling.decodePath ? decodePath(path) : path);
  const port = Number(u.port);
  if (!iface || !u.hostname || !Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  const weight = Number(params.weight ?? 100);
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return { interface: iface, endpoint: endpoint(protocol, host, port, params, Number.isFinite(weight) ? weight : 100) };
}

/** A percent-decoded path; undefined for a malformed escape (`%zz`), which `decodeURIComponent` throws on. */
function decodePath(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}

/**
 * The provider URL parameter saying its port speaks TLS: `ssl-enabled=true`, what Java Dubbo 3
 * writes for a protocol with `ProtocolConfig#setSslEnabled(true)`. A Meshlet provider with server
 * TLS writes it into every registry layout (it is an endpoint param, which they all carry).
 */
export const TLS_PARAM = 'ssl-enabled';

/**
 * What an endpoint's params say of TLS: `ssl-enabled=` (the registry's) or `tls=` (a hint an app
 * may put on a direct `url`), `true` or `false`; undefined when neither says.
 */
export function tlsHint(params: Readonly<Record<string, string>>): boolean | undefined {
  const said = params[TLS_PARAM] ?? params.tls;
  return said === 'true' ? true : said === 'false' ? false : undefined;
}

/**
 * Adds to `params` what a provider URL says of a registration when it is set: `application`,
 * `version`, `group` (unless the protocol spells its group elsewhere: `group: false`),
 * `weight` when it is not 100 and `ssl-enabled=true` for a TLS port. Returns `params`.
 */
export function registrationParams(reg: Registration, params: Record<string, string>, options: { group?: boolean } = {}): Record<string, string> {
  const { service, endpoint: ep } = reg;
  if (reg.application) params.application = reg.application;
  if (service.version) params.version = service.version;
  if (service.group && options.group !== false) params.group = service.group;
  if (ep.weight !== 100) params.weight = String(ep.weight);
  if (ep.params[TLS_PARAM] === 'true') params[TLS_PARAM] = 'true';
  return params;
}

/** `k=v&…` sorted by key, each value through `encode` (none by default: Java's URL.toFullString writes them raw). */
export function sortedQuery(params: Record<string, string>, encode: (value: string) => string = (v) => v): string {
  return Object.keys(params).sort().map((k) => `${k}=${encode(params[k]!)}`).join('&');
}

/** `protocol://host:port[/path]?query`, an IPv6 host in brackets. */
export function formatProviderUrl(protocol: string, ep: Pick<Endpoint, 'host' | 'port'>, path: string | undefined, query: string): string {
  const host = ep.host.includes(':') ? `[${ep.host}]` : ep.host;
  return `${protocol}://${host}:${ep.port}${path === undefined ? '' : `/${path}`}?${query}`;
}

/**
 * The provider URL of a protocol with no registry layout of its own (RSocket, Triple):
 * `{protocol}://host:port/<interface>?methods=…&version=…&group=…`, Dubbo-style (sorted
 * parameters, no empty version or group), so the layouts that store URLs store it the same way.
 */
export function dubboStyleProviderUrl(protocol: string, reg: Registration): string {
  const params = registrationParams(reg, {
    interface: reg.service.interface,
    methods: [...reg.methods].sort().join(','),
    side: 'provider',
    timestamp: String(Date.now()),
  });
  return formatProviderUrl(protocol, reg.endpoint, reg.service.interface, sortedQuery(params, encodeURIComponent));
}

/** Reads a `dubboStyleProviderUrl` URL back; undefined for other protocols or unparsable URLs. */
export function parseDubboStyleProviderUrl(protocol: string, url: string): { service: ServiceKey; endpoint: Endpoint } | undefined {
  const parsed = parseProviderUrl(url, protocol, { decodePath: true });
  if (!parsed) return undefined;
  const { params } = parsed.endpoint;
  return {
    service: { interface: parsed.interface, version: normalizeVersion(params.version), group: params.group || undefined },
    endpoint: parsed.endpoint,
  };
}
