import {
  formatProviderUrl, normalizeVersion, parseProviderUrl, registrationParams, sortedQuery,
  type Endpoint, type Registration, type ServiceKey,
} from '@meshlet/core';
import { PROTOCOL } from './constants.js';

/**
 * The URL a provider registers: `tri://host:port/<interface>?methods=…&version=…&group=…`,
 * Dubbo-style (sorted parameters, no empty version or group), so the registry layouts that store
 * URLs store this one the same way.
 */
export function toTripleUrl(reg: Registration): string {
  const params = registrationParams(reg, {
    interface: reg.service.interface,
    methods: [...reg.methods].sort().join(','),
    side: 'provider',
    timestamp: String(Date.now()),
  });
  return formatProviderUrl(PROTOCOL, reg.endpoint, reg.service.interface, sortedQuery(params, encodeURIComponent));
}

/** Reads a provider URL back; undefined for other protocols or unparsable URLs. */
export function fromTripleUrl(url: string): { service: ServiceKey; endpoint: Endpoint } | undefined {
  const parsed = parseProviderUrl(url, PROTOCOL, { decodePath: true });
  if (!parsed) return undefined;
  const { params } = parsed.endpoint;
  return {
    service: { interface: parsed.interface, version: normalizeVersion(params.version), group: params.group || undefined },
    endpoint: parsed.endpoint,
  };
}
