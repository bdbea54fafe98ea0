import { endpointAddress, type Endpoint, type ServiceKey } from '@meshlet/core';

/** Exact match on interface, version and group: `undefined` equals only `undefined`, never `""`. */
export function sameService(a: ServiceKey, b: ServiceKey): boolean {
  return a.interface === b.interface && a.version === b.version && a.group === b.group;
}

/**
 * An exact identity string for a service key. Unlike core's `serviceKeyString`, it keeps an unset
 * version or group apart from an empty one.
 */
export function serviceId(key: ServiceKey): string {
  return JSON.stringify([key.interface, key.version ?? null, key.group ?? null]);
}

/** One registration's identity: the service key plus the endpoint's `protocol://host:port`. */
export function registrationId(service: ServiceKey, endpoint: Endpoint): string {
  return `${serviceId(service)} ${endpointAddress(endpoint)}`;
}

/**
 * The canonical form of an endpoint set as subscribers receive it: one endpoint per address (the
 * first one given wins), sorted by address, frozen.
 */
export function endpointSet(endpoints: Iterable<Endpoint>): readonly Endpoint[] {
  const byAddress = new Map<string, Endpoint>();
  for (const e of endpoints) {
    const address = endpointAddress(e);
    if (!byAddress.has(address)) byAddress.set(address, e);
  }
  const addresses = [...byAddress.keys()].sort();
  return Object.freeze(addresses.map((a) => byAddress.get(a) as Endpoint));
}

/** Deep equality of two canonical sets (same order, same fields, same params). */
export function sameEndpoints(a: readonly Endpoint[], b: readonly Endpoint[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as Endpoint;
    const y = b[i] as Endpoint;
    if (x === y) continue;
    if (x.protocol !== y.protocol || x.host !== y.host || x.port !== y.port || x.weight !== y.weight) return false;
    if (!sameParams(x.params, y.params)) return false;
  }
  return true;
}

function sameParams(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) {
    if (!Object.hasOwn(b, k) || a[k] !== b[k]) return false;
  }
  return true;
}
