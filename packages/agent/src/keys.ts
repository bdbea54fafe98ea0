import { normalizeVersion, type Protocol, type ServiceKey } from '@meshlet/core';
import { agentProtocols } from './protocols.js';

/** The key the agent routes and registers a service of `protocol` under. */
export type RouteKey = (protocol: string, key: ServiceKey) => ServiceKey;

/**
 * Route keys by each protocol's own normalization (`ProtocolRelay.routeKey`): frames spell "no
 * version" and "no group" their own way, so the same normalization is applied to what apps
 * register and to what frames ask for, and the two meet. A protocol without a relay keeps its
 * key (version normalized, empty group dropped).
 */
export function routeKeys(protocols: readonly Protocol[]): RouteKey {
  const relays = new Map(protocols.flatMap((p) => (p.relay ? [[p.name, p.relay] as const] : [])));
  return (protocol, key) => relays.get(protocol)?.routeKey(key) ?? { interface: key.interface, version: normalizeVersion(key.version), group: key.group || undefined };
}

/** `routeKeys` over the agent's protocols. */
export const routeKey: RouteKey = routeKeys(agentProtocols());
