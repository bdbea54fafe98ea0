import { list, num, obj, str, typeName, wrapped, type Obj } from './values.js';

/** What Meshlet takes from an envoy.config.cluster.v3.Cluster. */
export interface ClusterSpec {
  readonly name: string;
  /** EDS: the ClusterLoadAssignment name to watch (eds_service_name, else the cluster's name). */
  readonly eds: string | undefined;
  /** STATIC / STRICT_DNS / LOGICAL_DNS: the inline load_assignment (hosts used as they are, no DNS of ours). */
  readonly inline: Obj | undefined;
  /** The Meshlet balancer name the lb policy maps to. */
  readonly balancer: string;
  readonly maxRequests: number | undefined;
  readonly maxRetries: number | undefined;
  /** circuit_breakers' retry_budget (percent of calls in flight, min concurrency), replacing max_retries. */
  readonly retryBudget: { readonly percent: number; readonly minConcurrency: number } | undefined;
  /** common_lb_config.healthy_panic_threshold, percent (undefined: Envoy's 50). */
  readonly panicThreshold: number | undefined;
  /** common_lb_config.locality_weighted_lb_config set, or a wrr_locality policy: localities weighed. */
  readonly localityWeighted: boolean | undefined;
  /** The outlier_detection message, as decoded (for the outlier detector). */
  readonly outlierDetection: Obj | undefined;
  /** Why this cluster takes no calls (an unsupported type), when it cannot. */
  readonly unsupported: string | undefined;
}

/** lb_policy enum names onto Meshlet's registered balancers. */
const LB_POLICIES: Readonly<Record<string, string>> = {
  ROUND_ROBIN: 'roundrobin',
  LEAST_REQUEST: 'leastpending',
  RANDOM: 'random',
  RING_HASH: 'consistenthash',
  MAGLEV: 'consistenthash',
};

/** load_balancing_policy's typed extensions onto the same names (the first Meshlet knows wins, as gRPC picks). */
const LB_EXTENSIONS: Readonly<Record<string, string>> = {
  'envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin': 'roundrobin',
  'envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest': 'leastpending',
  'envoy.extensions.load_balancing_policies.random.v3.Random': 'random',
  'envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash': 'consistenthash',
  'envoy.extensions.load_balancing_policies.maglev.v3.Maglev': 'consistenthash',
  'envoy.extensions.load_balancing_policies.client_side_weighted_round_robin.v3.ClientSideWeightedRoundRobin': 'roundrobin',
  'envoy.extensions.load_balancing_policies.pick_first.v3.PickFirst': 'roundrobin',
};
const WRR_LOCALITY = 'envoy.extensions.load_balancing_policies.wrr_locality.v3.WrrLocality';

function hasWrrLocality(config: unknown): boolean {
  return list(obj(config)?.policies).some((p) => typeName(obj(obj(p.typedExtensionConfig)?.typedConfig)) === WRR_LOCALITY);
}

function policyFromExtensions(config: unknown): string | undefined {
  for (const p of list(obj(config)?.policies)) {
    const typed = obj(obj(p.typedExtensionConfig)?.typedConfig);
    const name = typeName(typed);
    if (name === WRR_LOCALITY) {
      const inner = policyFromExtensions(typed?.endpointPickingPolicy);
      if (inner !== undefined) return inner;
      continue;
    }
    if (LB_EXTENSIONS[name] !== undefined) return LB_EXTENSIONS[name];
  }
  return undefined;
}

export function clusterSpec(cluster: Obj): ClusterSpec {
  const name = str(cluster.name) ?? '';
  // `type` is left out when STATIC (0); a cluster_type extension (aggregate, ...) is not supported.
  const type = str(cluster.type) ?? (cluster.clusterType !== undefined ? 'CUSTOM' : 'STATIC');
  const balancer = policyFromExtensions(cluster.loadBalancingPolicy) ?? LB_POLICIES[str(cluster.lbPolicy) ?? 'ROUND_ROBIN'] ?? 'roundrobin';
  let maxRequests: number | undefined;
  let maxRetries: number | undefined;
  let retryBudget: ClusterSpec['retryBudget'];
  for (const t of list(obj(cluster.circuitBreakers)?.thresholds)) {
    // DEFAULT priority only (left out when DEFAULT); Meshlet has no HIGH-priority routing.
    if (t.priority !== undefined && t.priority !== 'DEFAULT') continue;
    maxRequests = wrapped(t.maxRequests) ?? maxRequests;
    maxRetries = wrapped(t.maxRetries) ?? maxRetries;
    const budget = obj(t.retryBudget);
    if (budget !== undefined) {
      // budget_percent is an envoy.type.v3.Percent ({ value: double }, 20 when unset); min_retry_concurrency a UInt32Value (3).
      const percent = obj(budget.budgetPercent) === undefined ? 20 : num(obj(budget.budgetPercent)!.value) ?? 0;
      retryBudget = { percent: Math.min(100, Math.max(0, percent)), minConcurrency: wrapped(budget.minRetryConcurrency) ?? 3 };
    }
  }
  const outlierDetection = obj(cluster.outlierDetection);
  const common = obj(cluster.commonLbConfig);
  const panic = obj(common?.healthyPanicThreshold);
  // envoy.type.v3.Percent: { value: double }, {} when 0.
  const panicThreshold = panic === undefined ? undefined : Math.min(100, Math.max(0, num(panic.value) ?? 0));
  const localityWeighted = common?.localityWeightedLbConfig !== undefined || hasWrrLocality(cluster.loadBalancingPolicy) ? true : undefined;
  const base = { name, balancer, maxRequests, maxRetries, retryBudget, outlierDetection, panicThreshold, localityWeighted };
  if (type === 'EDS') {
    return { ...base, eds: str(obj(cluster.edsClusterConfig)?.serviceName) || name, inline: undefined, unsupported: undefined };
  }
  if (type === 'STATIC' || type === 'STRICT_DNS' || type === 'LOGICAL_DNS') {
    return { ...base, eds: undefined, inline: obj(cluster.loadAssignment), unsupported: undefined };
  }
  return { ...base, eds: undefined, inline: undefined, unsupported: `cluster ${name} has type ${type}, which Meshlet does not support` };
}
