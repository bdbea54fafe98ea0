import { endpoint, type Endpoint } from '@meshlet/core';
import { list, num, obj, str, structStrings, wrapped } from './values.js';

/** The filter_metadata namespace an endpoint's Meshlet facts are read from (`protocol`, and any URL parameters). */
export const METADATA_NAMESPACE = 'meshlet';

/** Params set on every endpoint from EDS, read by locality/priority-aware balancing. */
export const PARAM_CLUSTER = 'xds.cluster';
export const PARAM_LOCALITY = 'xds.locality';
export const PARAM_PRIORITY = 'xds.priority';
export const PARAM_LOCALITY_WEIGHT = 'xds.locality.weight';

/** Health statuses whose endpoints take calls (gRPC's rule: DRAINING, UNHEALTHY, TIMEOUT, DEGRADED do not). */
const USABLE = new Set(['UNKNOWN', 'HEALTHY', undefined]);

/**
 * A ClusterLoadAssignment's endpoints as Meshlet Endpoints: socket addresses only (a pipe or an
 * internal address is skipped), weight from load_balancing_weight (1 when unset), protocol from
 * `filter_metadata.meshlet.protocol`, else `protocol` (the reference's). The other string values of
 * that namespace become endpoint params (as a registry's URL parameters: `serialization`, a
 * `dubbo.tag`, ...), plus the locality and priority under `xds.*`. Duplicate addresses keep the first.
 */
export function endpointsOf(assignment: unknown, protocol: string, cluster: string): Endpoint[] {
  const out: Endpoint[] = [];
  const seen = new Set<string>();
  const cla = obj(assignment);
  if (cla === undefined) return out;
  for (const group of list(cla.endpoints)) {
    const locality = obj(group.locality);
    const localityName = locality === undefined ? '' : [str(locality.region) ?? '', str(locality.zone) ?? '', str(locality.subZone) ?? ''].join('/');
    const priority = num(group.priority) ?? 0;
    const localityWeight = wrapped(group.loadBalancingWeight);
    for (const lb of list(group.lbEndpoints)) {
      if (!USABLE.has(str(lb.healthStatus))) continue;
      const socket = obj(obj(obj(lb.endpoint)?.address)?.socketAddress);
      const host = str(socket?.address);
      const port = num(socket?.portValue);
      if (host === undefined || host === '' || port === undefined || !Number.isInteger(port) || port <= 0 || port > 65535) continue;
      const meta = structStrings(obj(obj(lb.metadata)?.filterMetadata)?.[METADATA_NAMESPACE]);
      const proto = meta.protocol || protocol;
      delete meta.protocol;
      const key = `${proto}://${host}:${port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const params: Record<string, string> = { ...meta, [PARAM_CLUSTER]: cluster, [PARAM_PRIORITY]: String(priority) };
      if (localityName !== '') params[PARAM_LOCALITY] = localityName;
      if (localityWeight !== undefined) params[PARAM_LOCALITY_WEIGHT] = String(localityWeight);
      const weight = wrapped(lb.loadBalancingWeight);
      out.push(endpoint(proto, host, port, params, weight === undefined || weight <= 0 ? 1 : weight));
    }
  }
  return out;
}
