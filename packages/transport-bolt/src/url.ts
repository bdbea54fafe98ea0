import { formatProviderUrl, normalizeVersion, parseProviderUrl, TLS_PARAM, type Endpoint, type Registration, type ServiceKey } from '@meshlet/core';
import { DEFAULT_SOFA_VERSION } from './constants.js';

/** What SOFARPC (`RegistryUtils.convertProviderToMap`) and sofa-rpc-node advertise as `rpcVer`: 5.4.0. */
const RPC_VERSION = '50400';

/**
 * The provider URL SOFARPC registers (`bolt://host:port?interface=…&version=…&uniqueId=…`): the
 * service in the query, no path. `uniqueId=` is present even when empty, as Java writes it.
 * `rpcVer` ≥ 50100 tells Java consumers to send `new_rpc_trace_context`.
 */
export function toSofaUrl(reg: Registration, serialization = 'hessian2'): string {
  const { service, endpoint: ep } = reg;
  const params: [string, string][] = [
    ['interface', service.interface],
    ['version', service.version ?? DEFAULT_SOFA_VERSION],
    ['uniqueId', service.group ?? ''],
    ['protocol', 'bolt'],
    ['serialization', serialization],
    ['weight', String(ep.weight)],
    ['accepts', '100000'],
    ['language', 'nodejs'],
    ['rpcVer', RPC_VERSION],
    ['pid', String(process.pid)],
    ['startTime', String(Date.now())],
    ['dynamic', 'true'],
  ];
  if (reg.application) params.push(['appName', reg.application]);
  if (ep.params[TLS_PARAM] === 'true') params.push([TLS_PARAM, 'true']);
  return formatProviderUrl('bolt', ep, undefined, params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&'));
}

/** Reads a SOFA provider URL back (Java's or sofa-rpc-node's); undefined for other protocols. */
export function fromSofaUrl(url: string): { service: ServiceKey; endpoint: Endpoint } | undefined {
  const parsed = parseProviderUrl(url, 'bolt');
  if (!parsed) return undefined;
  const { params } = parsed.endpoint;
  return {
    service: { interface: parsed.interface, version: normalizeVersion(params.version ?? DEFAULT_SOFA_VERSION), group: params.uniqueId || undefined },
    endpoint: parsed.endpoint,
  };
}
