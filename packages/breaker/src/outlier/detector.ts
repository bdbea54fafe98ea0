import { EventEmitter } from 'node:events';
import { endpointAddress, type BreakerGate, type Endpoint, type EndpointBreakers, type Invocation, type Invoker } from '@meshlet/core';
import { breakerTransition } from '@meshlet/core/telemetry';
import { outlierOutcome, OK } from './classify.js';
import { resolveOutlierConfig, type OutlierDetectionConfig, type ResolvedOutlierConfig } from './config.js';
import { HostMonitor, type OutlierEjectionType, type SuccessRateBuckets } from './host.js';

/** What an `eject` (or a `detected`, not enforced) event carries. */
export interface OutlierEjection {
  readonly type: OutlierEjectionType;
  /** False: detected, but the `enforcing*` roll said no (Envoy logs it with enforced=false). */
  readonly enforced: boolean;
  /** Times this host has been ejected (this one included when enforced). */
  readonly ejections: number;
  /** How long it stays out at least (returned at the first interval check after): min(base × multiplier, max) + jitter. */
  readonly durationMs: number;
  /** Success-rate ejections: the host's rate, the cluster's mean and the threshold it fell under (%). */
  readonly successRate?: number;
  readonly mean?: number;
  readonly threshold?: number;
}

export interface OutlierEvents {
  eject: [endpoint: Endpoint, ejection: OutlierEjection];
  /** An outlier found but not ejected because its `enforcing*` percentage said no. */
  detected: [endpoint: Endpoint, ejection: OutlierEjection];
  uneject: [endpoint: Endpoint];
}

export interface OutlierDetectorOptions {
  /** Monotonic ms; `performance.now` by default. Tests inject a fake one (with mocked timers). */
  clock?: () => number;
  /** Uniform in [0, 1): the `enforcing*` rolls and the jitter. */
  random?: () => number;
}

/** Envoy's outlier_detection.* statistics, for this detector. */
export interface OutlierStats {
  ejectionsActive: number;
  ejectionsEnforcedTotal: number;
  /** Ejections refused by max_ejection_percent. */
  ejectionsOverflow: number;
  ejectionsEnforced: Record<OutlierEjectionType, number>;
  ejectionsDetected: Record<OutlierEjectionType, number>;
}

const TYPES: readonly OutlierEjectionType[] = [
  'CONSECUTIVE_5XX', 'CONSECUTIVE_GATEWAY_FAILURE', 'CONSECUTIVE_LOCAL_ORIGIN_FAILURE', 'SUCCESS_RATE',
  'SUCCESS_RATE_LOCAL_ORIGIN', 'FAILURE_PERCENTAGE', 'FAILURE_PERCENTAGE_LOCAL_ORIGIN',
];

function zeroes(): Record<OutlierEjectionType, number> {
  return Object.fromEntries(TYPES.map((t) => [t, 0])) as Record<OutlierEjectionType, number>;
}

/**
 * Envoy's outlier detection (passive health checking) as core's `EndpointBreakers`: hosts whose
 * calls fail in a row, or whose success rate over an interval falls below the cluster's (or a flat
 * failure percentage), are ejected: `allows` is false, so the runtime's directory leaves them out
 * of the balancer's choice, for base_ejection_time × the host's ejection multiplier (capped by
 * max_ejection_time, plus jitter), and returned at the interval check after that. Semantics and
 * defaults are Envoy's (source/common/upstream/outlier_detection_impl.cc); see the README.
 *
 * Per call it costs a counter or two: the gate of a host always passes (an ejection acts through
 * `allows` and `version`, which moves only on eject and uneject), and its outcome handlers are made
 * once per host.
 */
// It is its hosts' MonitorOwner without declaring it: that hook is internal, stripped from the
// published types (stripInternal), where an `implements MonitorOwner` would then not hold.
export class OutlierDetector extends EventEmitter<OutlierEvents> implements EndpointBreakers {
  private current: ResolvedOutlierConfig;
  private readonly byAddress = new Map<string, HostMonitor>();
  private readonly byEndpoint = new WeakMap<Endpoint, HostMonitor>();
  /** The runtime's current endpoints; undefined until the first `update` (hosts are learnt from calls until then). */
  private members: Set<string> | undefined;
  private readonly clock: () => number;
  private readonly random: () => number;
  private timer: NodeJS.Timeout | undefined;
  private versionCount = 0;
  private active = 0;
  private readonly counters: Omit<OutlierStats, 'ejectionsActive'> = {
    ejectionsEnforcedTotal: 0, ejectionsOverflow: 0, ejectionsEnforced: zeroes(), ejectionsDetected: zeroes(),
  };
  /** The cluster's success-rate mean and threshold at the last interval (-1: not computed), external and local. */
  private readonly successRateFigures = { external: { mean: -1, threshold: -1 }, local: { mean: -1, threshold: -1 } };

  constructor(config: OutlierDetectionConfig = {}, options: OutlierDetectorOptions = {}) {
    super();
    this.current = resolveOutlierConfig(config);
    this.clock = options.clock ?? (() => performance.now());
    this.random = options.random ?? Math.random;
  }

  /** The configuration in force (defaults filled in, times in ms). */
  get config(): ResolvedOutlierConfig {
    return this.current;
  }

  /**
   * A new configuration (say a CDS update), at run time. Hosts keep their state: ejected ones stay
   * out until the new times return them; the new thresholds apply from the next call. A change of
   * split_external_local_origin_errors restarts the consecutive counters. Throws INVALID_ARGUMENT
   * (and keeps the old one) on a bad configuration.
   */
  set(config: OutlierDetectionConfig): void {
    const next = resolveOutlierConfig(config);
    const was = this.current;
    this.current = next;
    if (was.splitExternalLocalOriginErrors !== next.splitExternalLocalOriginErrors) {
      for (const m of this.byAddress.values()) m.resetConsecutive();
    }
    if (was.intervalMs !== next.intervalMs && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.arm();
    }
  }

  // ---- EndpointBreakers ----

  allows(endpoint: Endpoint): boolean {
    return this.active === 0 || this.peek(endpoint)?.ejected !== true;
  }

  invoke(endpoint: Endpoint, invoker: Invoker, invocation: Invocation): Promise<unknown> {
    return this.through(this.monitorOf(endpoint), invoker, invocation);
  }

  wrap(endpoint: Endpoint, invoker: Invoker): Invoker {
    let monitor: HostMonitor | undefined;
    return (invocation) => {
      if (monitor === undefined || monitor.removed) monitor = this.monitorOf(endpoint);
      return this.through(monitor, invoker, invocation);
    };
  }

  gate(endpoint: Endpoint): BreakerGate {
    return new OutlierGate(this, endpoint);
  }

  update(endpoints: readonly Endpoint[]): void {
    const members = new Set<string>();
    for (const e of endpoints) {
      const address = endpointAddress(e);
      members.add(address);
      const known = this.byAddress.get(address);
      if (known === undefined) this.create(e, address);
      else if (known.endpoint !== e) {
        known.endpoint = e;
        this.byEndpoint.set(e, known);
      }
    }
    this.members = members;
    for (const [address, m] of this.byAddress) if (!members.has(address)) this.remove(m);
    this.arm();
  }

  /** Stops the interval timer and forgets every host (ejections end with them). Usable again afterwards. */
  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const m of this.byAddress.values()) this.remove(m);
    this.members = undefined;
  }

  /** Moves on every ejection and return: the directory rebuilds its filtered list only then. */
  get version(): number {
    return this.versionCount;
  }

  stateOf(endpoint: Endpoint): string | undefined {
    const m = this.peek(endpoint);
    return m === undefined ? undefined : m.ejected ? 'ejected' : 'healthy';
  }

  // ---- views ----

  isEjected(endpoint: Endpoint): boolean {
    return this.peek(endpoint)?.ejected === true;
  }

  /** The ejected endpoints now. */
  ejected(): Endpoint[] {
    const out: Endpoint[] = [];
    for (const m of this.byAddress.values()) if (m.ejected) out.push(m.endpoint);
    return out;
  }

  /** Hosts watched. */
  get size(): number {
    return this.byAddress.size;
  }

  get stats(): OutlierStats {
    const c = this.counters;
    return {
      ejectionsActive: this.active, ejectionsEnforcedTotal: c.ejectionsEnforcedTotal, ejectionsOverflow: c.ejectionsOverflow,
      ejectionsEnforced: { ...c.ejectionsEnforced }, ejectionsDetected: { ...c.ejectionsDetected },
    };
  }

  /** @internal A host's monitor for a gate or a call (created while the endpoint is current). */
  monitorOf(endpoint: Endpoint): HostMonitor | undefined {
    const known = this.peek(endpoint);
    if (known !== undefined) {
      if (known.endpoint !== endpoint) this.byEndpoint.set(endpoint, known);
      return known;
    }
    const address = endpointAddress(endpoint);
    if (this.members !== undefined && !this.members.has(address)) return undefined; // a straggler of one that left
    const m = this.create(endpoint, address);
    this.arm();
    return m;
  }

  private through(monitor: HostMonitor | undefined, invoker: Invoker, invocation: Invocation): Promise<unknown> {
    let sent: Promise<unknown>;
    try {
      sent = invoker(invocation);
    } catch (err) {
      sent = Promise.reject(err);
    }
    if (monitor !== undefined) sent.then(monitor.onAnswer, monitor.onFailure);
    return sent;
  }

  private peek(endpoint: Endpoint): HostMonitor | undefined {
    const known = this.byEndpoint.get(endpoint);
    if (known !== undefined && !known.removed) return known;
    return this.byAddress.get(endpointAddress(endpoint));
  }

  private create(endpoint: Endpoint, address: string): HostMonitor {
    const m = new HostMonitor(endpoint, address, this);
    this.byAddress.set(address, m);
    this.byEndpoint.set(endpoint, m);
    return m;
  }

  private remove(m: HostMonitor): void {
    m.removed = true;
    this.byAddress.delete(m.address);
    if (m.ejected) {
      m.ejected = false;
      this.active--;
      this.versionCount++;
    }
  }

  // ---- detection (Envoy's DetectorImpl) ----

  /** @internal A consecutive-error counter reached its threshold (Envoy's onConsecutiveErrorWorker). */
  onConsecutive(host: HostMonitor, type: OutlierEjectionType): void {
    if (host.removed || host.ejected) return;
    this.counters.ejectionsDetected[type]++;
    this.eject(host, type);
    // Reset whether or not it was ejected, so that a new bout of errors is detected even without a success between.
    if (type === 'CONSECUTIVE_5XX') host.consecutive5xx = 0;
    else if (type === 'CONSECUTIVE_GATEWAY_FAILURE') host.consecutiveGatewayFailure = 0;
    else host.consecutiveLocalOriginFailure = 0;
  }

  private enforcing(type: OutlierEjectionType): number {
    const c = this.current;
    switch (type) {
      case 'CONSECUTIVE_5XX': return c.enforcingConsecutive5xx;
      case 'CONSECUTIVE_GATEWAY_FAILURE': return c.enforcingConsecutiveGatewayFailure;
      case 'CONSECUTIVE_LOCAL_ORIGIN_FAILURE': return c.enforcingConsecutiveLocalOriginFailure;
      case 'SUCCESS_RATE': return c.enforcingSuccessRate;
      case 'SUCCESS_RATE_LOCAL_ORIGIN': return c.enforcingLocalOriginSuccessRate;
      case 'FAILURE_PERCENTAGE': return c.enforcingFailurePercentage;
      case 'FAILURE_PERCENTAGE_LOCAL_ORIGIN': return c.enforcingFailurePercentageLocalOrigin;
    }
  }

  /** Envoy's ejectHost: the max_ejection_percent check, the enforcing roll, the ejection and its time. */
  private eject(host: HostMonitor, type: OutlierEjectionType, figures?: { successRate: number; mean: number; threshold: number }): void {
    const c = this.current;
    const maxPercent = Math.min(100, c.maxEjectionPercent);
    // Envoy counts the host about to go: with 10 % and fewer than 10 hosts none is ejected unless always_eject_one_host.
    const ejectedPercent = (100 * (this.active + 1)) / this.byAddress.size;
    const allowed = ejectedPercent <= maxPercent || (c.alwaysEjectOneHost && this.active === 0);
    if (!allowed) {
      this.counters.ejectionsOverflow++;
      return;
    }
    // Envoy's runtime featureEnabled(percent): a roll in [0, 100) under the percentage.
    const enforced = Math.floor(this.random() * 100) < this.enforcing(type);
    if (!enforced) {
      this.emit('detected', host.endpoint, { type, enforced: false, ejections: host.ejections, durationMs: this.ejectionTime(host), ...figures });
      return;
    }
    this.active++;
    this.counters.ejectionsEnforcedTotal++;
    this.counters.ejectionsEnforced[type]++;
    host.ejected = true;
    host.ejections++;
    host.lastEjection = this.clock();
    host.jitterMs = Math.floor(this.random() * (c.maxEjectionTimeJitterMs + 1));
    // The multiplier grows until base × it passes max (so a long ejection stays at max while the host keeps failing).
    if (host.backoff * c.baseEjectionTimeMs < c.maxEjectionTimeMs + c.baseEjectionTimeMs) host.backoff++;
    this.versionCount++;
    breakerTransition(host.address, 'ejected');
    this.emit('eject', host.endpoint, { type, enforced: true, ejections: host.ejections, durationMs: this.ejectionTime(host), ...figures });
  }

  private ejectionTime(host: HostMonitor): number {
    const c = this.current;
    return Math.min(c.baseEjectionTimeMs * host.backoff, c.maxEjectionTimeMs) + host.jitterMs;
  }

  private uneject(host: HostMonitor, now: number): void {
    this.active--;
    host.ejected = false;
    // Envoy resets the counters so that a host returned with a counter near its threshold is not ejected again on a few errors.
    host.resetConsecutive();
    host.lastUnejection = now;
    this.versionCount++;
    breakerTransition(host.address, 'unejected');
    this.emit('uneject', host.endpoint);
  }

  private arm(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(this.onTimer, this.current.intervalMs);
    this.timer.unref?.();
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.sweep();
    if (this.byAddress.size > 0 || this.members !== undefined) this.arm();
  };

  /**
   * The interval check (Envoy's onIntervalTimer): return hosts whose time is up, close the
   * success-rate interval, run the success-rate and failure-percentage detectors on it (external,
   * then local origin), and lower the multiplier of hosts that stayed in for a whole interval.
   * Runs from the detector's own timer every `interval`; public for tests and embedders.
   */
  sweep(now: number = this.clock()): void {
    const c = this.current;
    for (const host of this.byAddress.values()) {
      if (host.ejected && this.ejectionTime(host) <= now - host.lastEjection) this.uneject(host, now);
      host.external.swap();
      host.local.swap();
    }
    this.successRateEjections('external');
    this.successRateEjections('local');
    for (const host of this.byAddress.values()) {
      if (!host.ejected && host.lastUnejection !== undefined && now - host.lastUnejection >= c.intervalMs && host.backoff !== 0) host.backoff--;
    }
  }

  /** The cluster's success-rate mean and ejection threshold at the last interval (-1 when not computed), for admin views. */
  successRateOf(kind: 'external' | 'local'): { mean: number; threshold: number } {
    return { ...this.successRateFigures[kind] };
  }

  /** Envoy's processSuccessRateEjections for one kind of outcome. */
  private successRateEjections(kind: 'external' | 'local'): void {
    const c = this.current;
    const figures = this.successRateFigures[kind];
    figures.mean = -1;
    figures.threshold = -1;
    const hosts = this.byAddress.size;
    if (hosts < c.successRateMinimumHosts && hosts < c.failurePercentageMinimumHosts) return;
    const rated: { host: HostMonitor; rate: number }[] = [];
    const forPercentage: { host: HostMonitor; rate: number }[] = [];
    let sum = 0;
    for (const host of this.byAddress.values()) {
      if (host.ejected) continue;
      const buckets: SuccessRateBuckets = kind === 'external' ? host.external : host.local;
      if (buckets.lastTotal === 0) continue;
      const rate = buckets.lastRate();
      if (buckets.lastTotal >= c.successRateRequestVolume) {
        rated.push({ host, rate });
        sum += rate;
      }
      if (buckets.lastTotal >= c.failurePercentageRequestVolume) forPercentage.push({ host, rate });
    }
    if (rated.length > 0 && rated.length >= c.successRateMinimumHosts) {
      // Mean and population standard deviation of the rates; a host under mean − factor × stdev is an outlier.
      const mean = sum / rated.length;
      let variance = 0;
      for (const r of rated) variance += (r.rate - mean) ** 2;
      variance /= rated.length;
      const threshold = mean - (c.successRateStdevFactor / 1000) * Math.sqrt(variance);
      figures.mean = mean;
      figures.threshold = threshold;
      const type: OutlierEjectionType = kind === 'external' ? 'SUCCESS_RATE' : 'SUCCESS_RATE_LOCAL_ORIGIN';
      for (const r of rated) {
        if (r.rate < threshold && !r.host.ejected) {
          this.counters.ejectionsDetected[type]++;
          this.eject(r.host, type, { successRate: r.rate, mean, threshold });
        }
      }
    }
    if (forPercentage.length > 0 && forPercentage.length >= c.failurePercentageMinimumHosts) {
      const type: OutlierEjectionType = kind === 'external' ? 'FAILURE_PERCENTAGE' : 'FAILURE_PERCENTAGE_LOCAL_ORIGIN';
      for (const r of forPercentage) {
        // Envoy would eject a host the success-rate pass just ejected a second time (an assertion in debug builds); not here.
        if (100 - r.rate >= c.failurePercentageThreshold && !r.host.ejected) {
          this.counters.ejectionsDetected[type]++;
          this.eject(r.host, type, { successRate: r.rate, mean: -1, threshold: 100 - c.failurePercentageThreshold });
        }
      }
    }
  }
}

/** `OutlierDetector.gate`'s handle: finds the host's monitor once (again only if it was removed) and counts outcomes on it. */
class OutlierGate implements BreakerGate {
  private monitor: HostMonitor | undefined = undefined;

  constructor(private readonly detector: OutlierDetector, private readonly endpoint: Endpoint) {}

  passes(): boolean {
    const m = this.monitor;
    if (m === undefined || m.removed) this.monitor = this.detector.monitorOf(this.endpoint);
    return true;
  }

  answered(): void {
    this.monitor?.put(OK);
  }

  failed(err: unknown): void {
    this.monitor?.put(outlierOutcome(err));
  }
}
