import { normalizeVersion, type ServiceKey } from '@meshlet/core';
import { DEFAULT_SOFA_VERSION } from './constants.js';

/**
 * SOFARPC's `targetServiceUniqueName`: `interface:version[:uniqueId]`, version `1.0` when the
 * service declares none (`ConfigUniqueNameGenerator`). Meshlet's `group` is SOFA's `uniqueId`.
 */
export function uniqueName(service: ServiceKey): string {
  const base = `${service.interface}:${service.version ?? DEFAULT_SOFA_VERSION}`;
  return service.group ? `${base}:${service.group}` : base;
}

/** The inverse of `uniqueName`; undefined when there is no interface part. */
export function parseUniqueName(name: string): ServiceKey | undefined {
  const first = name.indexOf(':');
  const iface = first < 0 ? name : name.slice(0, first);
  if (iface === '') return undefined;
  if (first < 0) return { interface: iface, version: DEFAULT_SOFA_VERSION, group: undefined };
  const rest = name.slice(first + 1);
  const second = rest.indexOf(':');
  const version = second < 0 ? rest : rest.slice(0, second);
  const uniqueId = second < 0 ? '' : rest.slice(second + 1);
  return { interface: iface, version: normalizeVersion(version), group: uniqueId || undefined };
}
