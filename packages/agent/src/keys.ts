import { normalizeVersion, type ServiceKey } from '@meshlet/core';

/** Motan's and SOFA's version when a service declares none. */
const DEFAULT_VERSION = '1.0';
const MOTAN_DEFAULT_GROUP = 'default_rpc';

/**
 * The key the agent routes and registers a service under. Each protocol's frames spell "no
 * version" and "no group" their own way — a Bolt `service` header always carries a version
 * (`1.0` when none), Motan sends `M_v=1.0` and files group-less services under `default_rpc` — so
 * the same normalization is applied to what apps register and to what frames ask for, and the two
 * meet. Dubbo keys are taken as they are (`0.0.0` is no version, as Dubbo says).
 */
export function routeKey(protocol: string, key: ServiceKey): ServiceKey {
  const version = normalizeVersion(key.version);
  const group = key.group || undefined;
  switch (protocol) {
    case 'bolt':
      return { interface: key.interface, version: version ?? DEFAULT_VERSION, group };
    case 'motan2':
      return { interface: key.interface, version: version ?? DEFAULT_VERSION, group: group === MOTAN_DEFAULT_GROUP ? undefined : group };
    default:
      return { interface: key.interface, version, group };
  }
}
