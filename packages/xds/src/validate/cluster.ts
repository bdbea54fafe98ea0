// Cluster: a discovery type a client can resolve (EDS from ADS/self, static, DNS, aggregate) and a
// load-balancing policy it implements (round robin, ring hash, least request; or a
// load_balancing_policy list), with their configs in range.
import { InvalidResource, obj, str, wrapped, type Obj } from './invalid.js';

const AGGREGATE = 'type.googleapis.com/envoy.extensions.clusters.aggregate.v3.ClusterConfig';
const LB_POLICIES = new Set(['ROUND_ROBIN', 'RING_HASH', 'LEAST_REQUEST', 'RANDOM', 'MAGLEV', 'CLUSTER_PROVIDED']);
const DISCOVERY = new Set(['EDS', 'STATIC', 'STRICT_DNS', 'LOGICAL_DNS']);
const MAX_RING = 8_388_608;

export function validateCluster(c: Obj): string {
  const name = str(c['name']);
  if (name === '') throw new InvalidResource(undefined, 'cluster without a name');
  const bad = (why: string) => new InvalidResource(name, why);
  const custom = obj(c['clusterType']);
  if (custom !== undefined) {
    const typed = obj(custom['typedConfig']);
    if (typed?.['@type'] !== AGGREGATE) throw bad(`cluster_type ${str(custom['name'])} is not supported (aggregate is)`);
  } else {
    const type = str(c['type']) || 'STATIC';
    if (!DISCOVERY.has(type)) throw bad(`discovery type ${type} is not supported`);
    if (type === 'EDS') {
      const source = obj(obj(c['edsClusterConfig'])?.['edsConfig']);
      if (source !== undefined && source['ads'] === undefined && source['self'] === undefined) throw bad('eds_config must be ads or self');
    }
  }
  const lb = str(c['lbPolicy']) || 'ROUND_ROBIN';
  if (!LB_POLICIES.has(lb)) throw bad(`lb_policy ${lb} is not supported`);
  const ring = obj(c['ringHashLbConfig']);
  if (ring !== undefined) checkRing(wrapped(ring['minimumRingSize']), wrapped(ring['maximumRingSize']), bad);
  const lr = obj(c['leastRequestLbConfig']);
  if (lr !== undefined) {
    const choice = wrapped(lr['choiceCount']);
    if (choice !== undefined && Number(choice) < 2) throw bad('least_request choice_count below 2');
  }
  return name;
}

function checkRing(min: unknown, max: unknown, bad: (why: string) => Error): void {
  const lo = min === undefined ? 1024 : Number(min);
  const hi = max === undefined ? MAX_RING : Number(max);
  if (lo > MAX_RING || hi > MAX_RING) throw bad(`ring size above ${MAX_RING}`);
  if (lo > hi) throw bad(`minimum_ring_size ${lo} above maximum_ring_size ${hi}`);
}
