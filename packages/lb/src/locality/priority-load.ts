/**
 * Envoy's priority load (LoadBalancerBase::recalculatePerPriorityState and
 * recalculatePerPriorityPanic, source/extensions/load_balancing_policies/common/load_balancer_impl.cc),
 * in Envoy's integer arithmetic, so the same hosts give the same percentages:
 *
 *   health(P)        = min(100, ⌊factor × healthy(P) / total(P)⌋)       factor in percent (140)
 *   availability     = min(100, Σ health(P) + degraded(P))
 *   load(P)          = min(left, ⌊health(P) × 100 / availability⌋), in priority order, then the
 *                      degraded loads from what is left; a rounding remainder goes to the first
 *                      priority with any health (else any degradation)
 *   panic(P)         = availability < 100 and (healthy + degraded hosts of P) / hosts of P < threshold
 *   all in panic     → load(P) = ⌊100 × hosts(P) / hosts⌋, the remainder to the first non-empty one
 */

/** One priority level's hosts, as counted for the load. */
export interface LevelInput {
  /** Hosts in the level (healthy or not, ejected or not). */
  readonly hosts: number;
  readonly healthyHosts: number;
  readonly degradedHosts: number;
  /** The same by weight, used instead of counts with `weightedPriorityHealth`. */
  readonly weight: number;
  readonly healthyWeight: number;
  readonly degradedWeight: number;
}

export interface PriorityLoadOptions {
  /** Percent; Envoy's ClusterLoadAssignment.policy.overprovisioning_factor, default 140. */
  readonly overprovisioningFactor: number;
  /** Percent; Envoy's CommonLbConfig.healthy_panic_threshold, default 50. 0 disables panic. */
  readonly panicThreshold: number;
  /** Envoy's ClusterLoadAssignment.policy.weighted_priority_health: health by host weight, not count. Default false. */
  readonly weightedPriorityHealth: boolean;
}

export interface PriorityLoad {
  /** Per level, percent of calls to its healthy hosts; with `degraded`, sums to 100. */
  readonly healthy: number[];
  readonly degraded: number[];
  /** Per level: in panic, calls go to all of its hosts regardless of health. */
  readonly panic: boolean[];
  /** Per level, the health and degraded availability above (0–100). */
  readonly health: number[];
  readonly degradedHealth: number[];
  readonly normalizedTotalAvailability: number;
}

function availability(part: number, total: number, factor: number): number {
  return total > 0 ? Math.min(100, Math.floor((factor * part) / total)) : 0;
}

/** Envoy's distributeLoad: as much load as each level's availability takes, in order; returns the first available level and what is left. */
function distribute(load: number[], avail: readonly number[], total: number, normalized: number): [first: number, left: number] {
  let first = -1;
  for (let i = 0; i < avail.length; i++) {
    if (first < 0 && avail[i]! > 0) first = i;
    load[i] = Math.min(total, Math.floor((avail[i]! * 100) / normalized));
    total -= load[i]!;
  }
  return [first, total];
}

export function priorityLoad(levels: readonly LevelInput[], options: PriorityLoadOptions): PriorityLoad {
  const n = levels.length;
  const factor = options.overprovisioningFactor;
  const health = levels.map((l) => (l.hosts > 0 ? availability(options.weightedPriorityHealth ? l.healthyWeight : l.healthyHosts, options.weightedPriorityHealth ? l.weight : l.hosts, factor) : 0));
  const degradedHealth = levels.map((l) => (l.hosts > 0 ? availability(options.weightedPriorityHealth ? l.degradedWeight : l.degradedHosts, options.weightedPriorityHealth ? l.weight : l.hosts, factor) : 0));
  let sum = 0;
  for (let i = 0; i < n; i++) sum += health[i]! + degradedHealth[i]!;
  const normalized = Math.min(100, sum);
  const healthy = new Array<number>(n).fill(0);
  const degraded = new Array<number>(n).fill(0);
  const panic = new Array<boolean>(n).fill(false);
  const result = { healthy, degraded, panic, health, degradedHealth, normalizedTotalAvailability: normalized };
  if (n === 0) return result;
  if (normalized > 0) {
    const [firstHealthy, leftForDegraded] = distribute(healthy, health, 100, normalized);
    const [firstDegraded, left] = distribute(degraded, degradedHealth, leftForDegraded, normalized);
    if (left !== 0) {
      if (firstHealthy !== -1) healthy[firstHealthy] += left;
      else degraded[firstDegraded] += left;
    }
  }
  const threshold = Math.min(100, options.panicThreshold);
  if (threshold === 0 && normalized === 0) {
    // Panic disabled and nothing available: the load sits on the first level, which has no host to give (no healthy upstream).
    healthy[0] = 100;
    return result;
  }
  let totalPanic = true;
  for (let i = 0; i < n; i++) {
    const l = levels[i]!;
    // Panic compares host counts (not weights, not the overprovisioning factor) with the threshold.
    const available = l.hosts === 0 ? 0 : (100 * l.healthyHosts) / l.hosts + (100 * l.degradedHosts) / l.hosts;
    panic[i] = normalized === 100 ? false : available < threshold;
    totalPanic &&= panic[i]!;
  }
  if (totalPanic) {
    let hosts = 0;
    for (const l of levels) hosts += l.hosts;
    degraded.fill(0);
    if (hosts === 0) {
      healthy.fill(0);
      healthy[0] = 100;
      return result;
    }
    let left = 100;
    let firstNonEmpty = -1;
    for (let i = 0; i < n; i++) {
      if (firstNonEmpty === -1 && levels[i]!.hosts !== 0) firstNonEmpty = i;
      healthy[i] = Math.floor((100 * levels[i]!.hosts) / hosts);
      left -= healthy[i]!;
    }
    healthy[firstNonEmpty] += left;
  } else if (normalized === 0) {
    // Envoy keeps the previous loads here (a threshold so low that a level with no health is not in panic); start from the first level.
    healthy[0] = 100;
  }
  return result;
}
