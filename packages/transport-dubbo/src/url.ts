import {
  formatProviderUrl, normalizeVersion, parseProviderUrl, registrationParams, sortedQuery,
  type Endpoint, type Registration, type ServiceKey,
} from '@meshlet/core';
import { DUBBO_VERSION } from './constants.js';

/**
 * The provider URL Java Dubbo registers (`URL.toFullString()`): parameters sorted by key, no
 * empty `group=`/`version=` (a Java consumer compares them by exact equality, `null ≠ ""`), and
 * `methods=` (plural, sorted).
 */
export function toDubboUrl(reg: Registration, release: string): string {
  const params = registrationParams(reg, {
    anyhost: 'false',
    category: 'providers',
    deprecated: 'false',
    dubbo: DUBBO_VERSION,
    dynamic: 'true',
    generic: 'false',
    interface: reg.service.interface,
    methods: [...reg.methods].sort().join(','),
    pid: String(process.pid),
    release,
    serialization: 'hessian2',
    side: 'provider',
    timestamp: String(Date.now()),
  });
  return formatProviderUrl('dubbo', reg.endpoint, reg.service.interface, sortedQuery(params));
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
