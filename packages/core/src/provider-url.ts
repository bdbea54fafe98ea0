import { endpoint, type Endpoint } from './endpoint.js';

/**
 * The part of reading a provider URL (`scheme://host:port[/interface]?k=v…`, as Dubbo and SOFARPC
 * register them) that does not depend on the protocol: the endpoint, with the query as its params
 * and `weight` (100 when absent or not a number), and the interface, from `interface=` or else the
 * path. Undefined for another scheme, an unparsable URL, no interface or no valid port. How version
 * and group are spelled (and defaulted) is the protocol's to read from `endpoint.params`.
 */
export function parseProviderUrl(url: string, protocol: string): { interface: string; endpoint: Endpoint } | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== `${protocol}:`) return undefined;
  const params = Object.fromEntries(u.searchParams);
  const iface = params.interface || u.pathname.replace(/^\//, '');
  const port = Number(u.port);
  if (!iface || !Number.isInteger(port) || port <= 0) return undefined;
  const weight = Number(params.weight ?? 100);
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return { interface: iface, endpoint: endpoint(protocol, host, port, params, Number.isFinite(weight) ? weight : 100) };
}
