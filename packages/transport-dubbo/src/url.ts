import { normalizeVersion, parseProviderUrl, type Endpoint, type Registration, type ServiceKey } from '@meshlet/core';
import { DUBBO_VERSION } from './constants.js';

/**
 * The provider URL Java Dubbo registers (`URL.toFullString()`): parameters sorted by key, no
 * empty `group=`/`version=` (a Java consumer compares them by exact equality, `null ≠ ""`), and
 * `methods=` (plural, sorted).
 */
export function toDubboUrl(reg: Registration, release: string): string {
  const { service, endpoint: ep } = reg;
  const params: Record<string, string> = {
    anyhost: 'false',
    category: 'providers',
    deprecated: 'false',
    dubbo: DUBBO_VERSION,
    dynamic: 'true',
    generic: 'false',
    interface: service.interface,
    methods: [...reg.methods].sort().join(','),
    pid: String(process.pid),
    release,
    serialization: 'hessian2',
    side: 'provider',
    timestamp: String(Date.now()),
  };
  if (reg.application) params.application = reg.application;
  if (service.version) params.version = service.version;
  if (service.group) params.group = service.group;
  if (ep.weight !== 100) params.weight = String(ep.weight);
  const query = Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join('&');
  const host = ep.host.includes(':') ? `[${ep.host}]` : ep.host;
  return `dubbo://${host}:${ep.port}/${service.interface}?${query}`;
}

/** Reads a provider URL back; undefined for other protocols or unparsable URLs. */
export function fromDubboUrl(url: string): { service: ServiceKey; endpoint: Endpoint } | undefined {
  const parsed = parseProviderUrl(url, 'dubbo');
  if (!parsed) return undefined;
  const { params } = parsed.endpoint;
  return {
    service: { interface: parsed.interface, version: normalizeVersion(params.version), group: params.group || undefined },
    endpoint: parsed.endpoint,
  };
}
