import {
  Code, createLoadBalancer, endpointAddress, RpcError,
  type Candidate, type Endpoint, type EndpointReporter, type Invocation, type LoadBalancer,
} from '@meshlet/core';
import { defaultRandom, type BalancerOptions } from '../options.js';
import { hostFacts, type HostFacts } from './params.js';
import { priorityLoad, type LevelInput, type PriorityLoad } from './priority-load.js';

export interface LocalityAwareOptions extends BalancerOptions {
  /** The cluster's balancer, used inside the chosen locality: a registered name or a factory. Default `roundrobin` (Envoy's ROUND_ROBIN). */
  readonly balancer?: string | (() => LoadBalancer);
  /** Options for a balancer given by name. */
  readonly balancerOptions?: unknown;
  /** Percent (ClusterLoadAssignment.policy.overprovisioning_factor). Default 140. */
  readonly overprovisioningFactor?: number;
  /** Percent (CommonLbConfig.healthy_panic_threshold). Default 50; 0 disables panic. */
  readonly panicThreshold?: number;
  /** Priority health by host weight instead of host count (policy.weighted_priority_health). Default false. */
  readonly weightedPriorityHealth?: boolean;
  /**
   * Choose a locality by weight before the host (CommonLbConfig.locality_weighted_lb_config).
   * Default: on when some endpoint carries `xds.locality.weight`.
   */
  readonly localityWeighted?: boolean;
}

export const LOCALITY_DEFAULTS = Object.freeze({ balancer: 'roundrobin', overprovisioningFactor: 140, panicThreshold: 50, weightedPriorityHealth: false });

/** One set of hosts the inner balancer chooses among, with its own balancer (its per-array state stays aligned). */
class Group {
  readonly balancer: LoadBalancer;
  /** Its endpoints in the runtime's whole set (from `update`). */
  members: Endpoint[] = [];
  /** Bound reporters of the inner balancer, by address. */
  private readonly reporters = new Map<string, EndpointReporter>();

  constructor(readonly key: string, make: () => LoadBalancer) {
    this.balancer = make();
  }

  reporterFor(endpoint: Endpoint, address: string): EndpointReporter | undefined {
    let r = this.reporters.get(address);
    if (r === undefined) {
      const b = this.balancer;
      if (b.reporter !== undefined) r = b.reporter(endpoint);
      else if (b.report !== undefined) r = new ReportTo(b, endpoint);
      else return undefined;
      this.reporters.set(address, r);
    }
    return r;
  }

  /** Drops the bound reporters of endpoints no longer in the group. */
  keepReporters(members: readonly Endpoint[]): void {
    if (this.reporters.size === 0) return;
    const keep = new Set(members.map(endpointAddress));
    for (const address of this.reporters.keys()) if (!keep.has(address)) this.reporters.delete(address);
  }
}

class ReportTo implements EndpointReporter {
  constructor(private readonly balancer: LoadBalancer, private readonly endpoint: Endpoint) {}
  report(latencyMs: number, error: unknown): void {
    this.balancer.report!(this.endpoint, latencyMs, error);
  }
}

/** An endpoint's reports, sent to every group it belongs to (rebound when the endpoint set changes). */
class LocalityReporter implements EndpointReporter {
  targets: EndpointReporter[] = [];
  report(latencyMs: number, error: unknown): void {
    const t = this.targets;
    for (let i = 0; i < t.length; i++) t[i]!.report(latencyMs, error);
  }
}

/** The localities of one level with hosts of one availability: chosen by smooth weighted round robin on effective weight. */
interface LocalityChoice {
  /** Per locality: its group and eligible candidates (made once per plan: a pick allocates nothing). */
  readonly entries: { group: Group; candidates: Candidate[] }[];
  readonly weights: number[];
  readonly credit: number[];
  readonly total: number;
}

interface Level {
  readonly priority: number;
  readonly healthy: { group: Group; candidates: Candidate[] };
  readonly degraded: { group: Group; candidates: Candidate[] };
  readonly all: { group: Group; candidates: Candidate[] };
  readonly healthyLocalities: LocalityChoice | undefined;
  readonly degradedLocalities: LocalityChoice | undefined;
}

/** Everything a pick needs, computed once per candidate array (the runtime passes the same one until its set or an ejection changes). */
interface Plan {
  readonly candidates: readonly Candidate[];
  readonly epoch: number;
  readonly levels: Level[];
  /** Cumulative percent per (availability, level): healthy levels first, then degraded. */
  readonly cumulative: number[];
  readonly panic: boolean[];
  readonly load: PriorityLoad;
  readonly everything: { group: Group; candidates: Candidate[] };
}

/** What a plan and a test can read: the priority load over the candidates now. */
export interface LocalitySnapshot {
  readonly priorities: number[];
  readonly healthyLoad: number[];
  readonly degradedLoad: number[];
  readonly panic: boolean[];
  readonly normalizedTotalAvailability: number;
}

function invalid(message: string): RpcError {
  return new RpcError(Code.InvalidArgument, `locality balancer: ${message}`);
}

/**
 * Envoy's priority and locality selection over one cluster's endpoints, wrapping the cluster's own
 * balancer (see the README's "Priorities and localities"):
 *
 * 1. a priority level, by the priority load (each level's healthy share × the overprovisioning
 *    factor, capped at 100, spilling to the next level as it drops; panic below the threshold);
 * 2. in it, a locality by weight × its availability (× the factor, capped at 1);
 * 3. in it, a host by the cluster's balancer (one instance per group of hosts, so its own caches hold).
 *
 * A host counts as healthy when it is among the candidates (the runtime leaves ejected,
 * breaker-open and unreachable ones out) and its EDS health is HEALTHY or UNKNOWN; the totals come
 * from `update` (every endpoint of the set). All of it is computed once per candidate array: a pick
 * is a random draw, a scan of the few levels, a locality step, and the inner balancer's pick.
 */
export class LocalityAwareBalancer implements LoadBalancer {
  readonly name = 'locality';
  private readonly make: () => LoadBalancer;
  private readonly random: () => number;
  private readonly options: { overprovisioningFactor: number; panicThreshold: number; weightedPriorityHealth: boolean };
  private readonly localityWeighted: boolean | undefined;
  private readonly groups = new Map<string, Group>();
  private readonly reporters = new Map<string, LocalityReporter>();
  /** The runtime's whole set (`update`); undefined until told, when the candidates are all there is. */
  private all: readonly Endpoint[] | undefined;
  private epoch = 0;
  private plan: Plan | undefined;

  constructor(options: LocalityAwareOptions = {}) {
    const inner = options.balancer ?? LOCALITY_DEFAULTS.balancer;
    if (typeof inner === 'string') {
      createLoadBalancer(inner, options.balancerOptions); // an unknown name fails now, not at the first call
      this.make = () => createLoadBalancer(inner, options.balancerOptions);
    } else if (typeof inner === 'function') {
      this.make = inner;
    } else {
      throw invalid('balancer must be a registered name or a factory');
    }
    const factor = options.overprovisioningFactor ?? LOCALITY_DEFAULTS.overprovisioningFactor;
    if (!Number.isInteger(factor) || factor <= 0) throw invalid(`overprovisioningFactor must be a positive integer (percent), got ${factor}`);
    const panic = options.panicThreshold ?? LOCALITY_DEFAULTS.panicThreshold;
    if (typeof panic !== 'number' || !(panic >= 0 && panic <= 100)) throw invalid(`panicThreshold must be a percentage in [0, 100], got ${panic}`);
    this.options = { overprovisioningFactor: factor, panicThreshold: panic, weightedPriorityHealth: options.weightedPriorityHealth ?? false };
    this.localityWeighted = options.localityWeighted;
    this.random = options.random ?? defaultRandom;
  }

  update(endpoints: readonly Endpoint[]): void {
    this.all = endpoints;
    this.epoch++;
    this.plan = undefined;
    const members = new Map<Group, Endpoint[]>();
    const addresses = new Set<string>();
    for (const e of endpoints) {
      const address = endpointAddress(e);
      addresses.add(address);
      const groups = this.groupsOf(e);
      for (const g of groups) {
        let list = members.get(g);
        if (list === undefined) members.set(g, (list = []));
        list.push(e);
      }
      const reporter = this.reporters.get(address);
      if (reporter !== undefined) reporter.targets = this.targetsOf(e, address);
    }
    for (const [key, g] of this.groups) {
      const list = members.get(g);
      if (list === undefined) {
        this.groups.delete(key);
        g.balancer.update?.([]);
        continue;
      }
      g.members = list;
      g.balancer.update?.(list);
    }
    for (const [address, reporter] of this.reporters) {
      if (!addresses.has(address)) {
        this.reporters.delete(address);
        reporter.targets = [];
      }
    }
    for (const g of this.groups.values()) g.keepReporters(g.members);
  }

  pick<C extends Candidate>(candidates: readonly C[], invocation: Invocation): C {
    let plan = this.plan;
    if (plan === undefined || plan.candidates !== candidates || plan.epoch !== this.epoch) plan = this.plan = this.build(candidates);
    // Envoy draws 1–100 and walks the cumulative loads: healthy levels, then degraded ones.
    const draw = Math.floor(this.random() * 100) + 1;
    const cumulative = plan.cumulative;
    const n = plan.levels.length;
    let i = 0;
    while (i < cumulative.length - 1 && draw > cumulative[i]!) i++;
    const degraded = i >= n;
    const level = plan.levels[degraded ? i - n : i]!;
    let chosen: { group: Group; candidates: Candidate[] };
    if (plan.panic[degraded ? i - n : i]) {
      chosen = level.all.candidates.length > 0 ? level.all : plan.everything;
    } else {
      const localities = degraded ? level.degradedLocalities : level.healthyLocalities;
      chosen = localities !== undefined ? this.chooseLocality(localities) : degraded ? level.degraded : level.healthy;
      if (chosen.candidates.length === 0) {
        // Panic disabled and nothing healthy: Envoy fails the request ("no healthy upstream").
        throw new RpcError(Code.Unavailable, 'no healthy upstream: every endpoint is unhealthy or ejected, and the panic threshold is 0');
      }
    }
    return chosen.group.balancer.pick(chosen.candidates as C[], invocation);
  }

  reporter(endpoint: Endpoint): EndpointReporter {
    const address = endpointAddress(endpoint);
    let r = this.reporters.get(address);
    if (r === undefined) {
      r = new LocalityReporter();
      r.targets = this.targetsOf(endpoint, address);
      this.reporters.set(address, r);
    }
    return r;
  }

  report(endpoint: Endpoint, latencyMs: number, error: unknown): void {
    this.reporter(endpoint).report(latencyMs, error);
  }

  latencyOf(endpoint: Endpoint): number | undefined {
    const f = hostFacts(endpoint);
    if (f.health === 'unhealthy') return undefined;
    return this.groups.get(`${f.priority}|*|${f.health === 'healthy' ? 'h' : 'd'}`)?.balancer.latencyOf?.(endpoint);
  }

  /** The priority load over `candidates` (what picks over that array follow), for admin views and tests. */
  snapshot(candidates: readonly Candidate[]): LocalitySnapshot {
    const plan = this.plan !== undefined && this.plan.candidates === candidates && this.plan.epoch === this.epoch ? this.plan : (this.plan = this.build(candidates));
    return {
      priorities: plan.levels.map((l) => l.priority),
      healthyLoad: [...plan.load.healthy],
      degradedLoad: [...plan.load.degraded],
      panic: [...plan.panic],
      normalizedTotalAvailability: plan.load.normalizedTotalAvailability,
    };
  }

  private group(key: string): Group {
    let g = this.groups.get(key);
    if (g === undefined) this.groups.set(key, (g = new Group(key, this.make)));
    return g;
  }

  /** The groups an endpoint belongs to: its locality's (by health), its level's (by health), its level's all-hosts (panic), and everything. */
  private groupsOf(e: Endpoint): Group[] {
    const f = hostFacts(e);
    const out = [this.group(`${f.priority}|*|all`), this.group('*')];
    if (f.health !== 'unhealthy') {
      const h = f.health === 'healthy' ? 'h' : 'd';
      out.push(this.group(`${f.priority}|*|${h}`), this.group(`${f.priority}|L${f.locality}|${h}`));
    }
    return out;
  }

  /**
   * Where an endpoint's outcomes go: the inner balancers of its level and of its locality (those
   * ordinary picks use; the panic and fallback groups learn nothing, so a report costs two).
   */
  private targetsOf(e: Endpoint, address: string): EndpointReporter[] {
    const f = hostFacts(e);
    const out: EndpointReporter[] = [];
    if (f.health === 'unhealthy') return out;
    const h = f.health === 'healthy' ? 'h' : 'd';
    for (const g of [this.group(`${f.priority}|*|${h}`), this.group(`${f.priority}|L${f.locality}|${h}`)]) {
      const r = g.reporterFor(e, address);
      if (r !== undefined) out.push(r);
    }
    return out;
  }

  private chooseLocality(choice: LocalityChoice): { group: Group; candidates: Candidate[] } {
    // Smooth weighted round robin (Envoy uses an EDF schedule: the same shares, as evenly spread).
    const { weights, credit, total } = choice;
    let best = 0;
    for (let i = 0; i < weights.length; i++) {
      credit[i]! += weights[i]!;
      if (credit[i]! > credit[best]!) best = i;
    }
    credit[best]! -= total;
    return choice.entries[best]!;
  }

  private build(candidates: readonly Candidate[]): Plan {
    const factor = this.options.overprovisioningFactor;
    interface LevelWork {
      input: { hosts: number; healthyHosts: number; degradedHosts: number; weight: number; healthyWeight: number; degradedWeight: number };
      healthy: Candidate[]; degraded: Candidate[]; all: Candidate[];
      /** Per locality: hosts in the whole set, its weight, and its candidates by availability. */
      localities: Map<string, { hosts: number; weight: number; healthy: Candidate[]; degraded: Candidate[] }>;
    }
    const byPriority = new Map<number, LevelWork>();
    const level = (f: HostFacts): LevelWork => {
      let w = byPriority.get(f.priority);
      if (w === undefined) {
        w = { input: { hosts: 0, healthyHosts: 0, degradedHosts: 0, weight: 0, healthyWeight: 0, degradedWeight: 0 }, healthy: [], degraded: [], all: [], localities: new Map() };
        byPriority.set(f.priority, w);
      }
      return w;
    };
    const locality = (w: LevelWork, f: HostFacts) => {
      let l = w.localities.get(f.locality);
      if (l === undefined) w.localities.set(f.locality, (l = { hosts: 0, weight: f.localityWeight, healthy: [], degraded: [] }));
      return l;
    };
    let weighted = this.localityWeighted ?? false;
    // Totals: every endpoint of the set (ejected and unreachable ones included), or the candidates when no set was given.
    for (const e of this.all ?? candidates.map((c) => c.endpoint)) {
      const f = hostFacts(e);
      const w = level(f);
      w.input.hosts++;
      w.input.weight += Math.max(0, e.weight) || 0;
      const l = locality(w, f);
      l.hosts++;
      if (f.localityWeight > l.weight) l.weight = f.localityWeight;
      if (this.localityWeighted === undefined && f.localityWeight > 0) weighted = true;
    }
    for (const c of candidates) {
      const f = hostFacts(c.endpoint);
      const w = level(f);
      w.all.push(c);
      if (f.health === 'unhealthy') continue;
      const l = locality(w, f);
      const weight = Math.max(0, c.endpoint.weight) || 0;
      if (f.health === 'healthy') {
        w.input.healthyHosts++;
        w.input.healthyWeight += weight;
        w.healthy.push(c);
        l.healthy.push(c);
      } else {
        w.input.degradedHosts++;
        w.input.degradedWeight += weight;
        w.degraded.push(c);
        l.degraded.push(c);
      }
    }
    const priorities = [...byPriority.keys()].sort((a, b) => a - b);
    const works = priorities.map((p) => byPriority.get(p)!);
    const inputs: LevelInput[] = works.map((w) => w.input);
    const load = priorityLoad(inputs, this.options);
    const choice = (p: number, w: LevelWork, kind: 'healthy' | 'degraded'): LocalityChoice | undefined => {
      if (!weighted) return undefined;
      const entries: { group: Group; candidates: Candidate[] }[] = [];
      const weights: number[] = [];
      let total = 0;
      for (const [name, l] of w.localities) {
        const eligible = l[kind];
        if (eligible.length === 0 || l.hosts === 0 || l.weight === 0) continue;
        // Envoy's effectiveLocalityWeight: weight × min(1, factor/100 × eligible / hosts).
        const effective = l.weight * Math.min(1, ((factor / 100) * eligible.length) / l.hosts);
        entries.push({ group: this.group(`${p}|L${name}|${kind === 'healthy' ? 'h' : 'd'}`), candidates: eligible });
        weights.push(effective);
        total += effective;
      }
      // No locality with weight: Envoy picks from the level's hosts as a whole.
      return total > 0 ? { entries, weights, credit: weights.map(() => 0), total } : undefined;
    };
    const levels: Level[] = works.map((w, i) => {
      const p = priorities[i]!;
      return {
        priority: p,
        healthy: { group: this.group(`${p}|*|h`), candidates: w.healthy },
        degraded: { group: this.group(`${p}|*|d`), candidates: w.degraded },
        all: { group: this.group(`${p}|*|all`), candidates: w.all },
        healthyLocalities: choice(p, w, 'healthy'),
        degradedLocalities: choice(p, w, 'degraded'),
      };
    });
    const cumulative: number[] = [];
    let acc = 0;
    for (const x of load.healthy) cumulative.push((acc += x));
    for (const x of load.degraded) cumulative.push((acc += x));
    return {
      candidates, epoch: this.epoch, levels, cumulative, panic: load.panic, load,
      everything: { group: this.group('*'), candidates: candidates as Candidate[] },
    };
  }
}

/** Envoy's priority and locality selection around the cluster's balancer (default round robin). */
export function localityAware(options?: LocalityAwareOptions): LocalityAwareBalancer {
  return new LocalityAwareBalancer(options);
}
