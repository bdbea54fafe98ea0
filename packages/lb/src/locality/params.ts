import type { Endpoint } from '@meshlet/core';

// The endpoint parameters an xDS mapping (`@meshlet/xds`'s EDS → endpoints, packages/xds/src/mesh/endpoints.ts:
// PARAM_PRIORITY, PARAM_LOCALITY, PARAM_LOCALITY_WEIGHT there) sets so that this
// balancer sees Envoy's priorities, localities and health. Shared with packages/xds/src/mesh.

/** `region/zone/subzone` of the endpoint's LocalityLbEndpoints (empty parts kept: `us-east1//`). */
export const XDS_LOCALITY = 'xds.locality';
/** The LocalityLbEndpoints' priority, a decimal integer ≥ 0; absent: 0. */
export const XDS_PRIORITY = 'xds.priority';
/** The LbEndpoint's health_status as its enum name (`HEALTHY`, `UNKNOWN`, `DEGRADED`, `UNHEALTHY`, `DRAINING`, `TIMEOUT`); absent: UNKNOWN. */
export const XDS_HEALTH = 'xds.health';
/** The LocalityLbEndpoints' load_balancing_weight (≥ 1); absent: the locality takes no traffic when localities are weighed. */
export const XDS_LOCALITY_WEIGHT = 'xds.locality.weight';

/** How Envoy's load balancer treats a host: healthy (HEALTHY, UNKNOWN), degraded, or unhealthy (UNHEALTHY, DRAINING, TIMEOUT). */
export type HostHealth = 'healthy' | 'degraded' | 'unhealthy';

/** What the balancer reads from an endpoint's parameters, once per Endpoint object. */
export interface HostFacts {
  readonly priority: number;
  readonly locality: string;
  /** 0 when absent or not a positive integer. */
  readonly localityWeight: number;
  readonly health: HostHealth;
}

const facts = new WeakMap<Endpoint, HostFacts>();

function healthOf(raw: string | undefined): HostHealth {
  switch (raw?.toUpperCase()) {
    case undefined:
    case '':
    case 'UNKNOWN':
    case 'HEALTHY':
      return 'healthy';
    case 'DEGRADED':
      return 'degraded';
    default:
      return 'unhealthy'; // UNHEALTHY, DRAINING, TIMEOUT, and anything unknown: not offered outside panic
  }
}

function integer(raw: string | undefined, fallback: number): number {
  if (raw === undefined || !/^\d{1,10}$/.test(raw)) return fallback;
  const n = Number(raw);
  return n <= 0xffff_ffff ? n : fallback;
}

/** The endpoint's priority, locality and health (malformed values read as absent). */
export function hostFacts(endpoint: Endpoint): HostFacts {
  let f = facts.get(endpoint);
  if (f === undefined) {
    const p = endpoint.params;
    f = Object.freeze({
      priority: integer(p[XDS_PRIORITY], 0),
      locality: p[XDS_LOCALITY] ?? '',
      localityWeight: integer(p[XDS_LOCALITY_WEIGHT], 0),
      health: healthOf(p[XDS_HEALTH]),
    });
    facts.set(endpoint, f);
  }
  return f;
}
