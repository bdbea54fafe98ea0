import type { Endpoint } from '@meshlet/core';
import { IGNORED, isGatewayError, LOCAL_CONNECT_FAILED, LOCAL_TIMEOUT, OK, outlierOutcome, type OutlierOutcome } from './classify.js';
import type { ResolvedOutlierConfig } from './config.js';

/** Envoy's OutlierEjectionType names. */
export type OutlierEjectionType =
  | 'CONSECUTIVE_5XX'
  | 'CONSECUTIVE_GATEWAY_FAILURE'
  | 'CONSECUTIVE_LOCAL_ORIGIN_FAILURE'
  | 'SUCCESS_RATE'
  | 'SUCCESS_RATE_LOCAL_ORIGIN'
  | 'FAILURE_PERCENTAGE'
  | 'FAILURE_PERCENTAGE_LOCAL_ORIGIN';

/** What a host monitor tells its detector (the detector decides and ejects). */
export interface MonitorOwner {
  readonly config: ResolvedOutlierConfig;
  onConsecutive(host: HostMonitor, type: OutlierEjectionType): void;
}

/** One success-rate accumulator (Envoy's SuccessRateAccumulator): the interval being written, and the last complete one. */
export class SuccessRateBuckets {
  total = 0;
  success = 0;
  lastTotal = 0;
  lastSuccess = 0;

  /** The interval ended: what was written becomes the one read; writing starts again from 0. */
  swap(): void {
    this.lastTotal = this.total;
    this.lastSuccess = this.success;
    this.total = 0;
    this.success = 0;
  }

  /** Success rate (%) of the last complete interval, or -1 when it saw no call. */
  lastRate(): number {
    return this.lastTotal === 0 ? -1 : (this.lastSuccess * 100) / this.lastTotal;
  }
}

/**
 * One host's outlier state (Envoy's DetectorHostMonitorImpl): the consecutive-error counters, the
 * success-rate buckets (external and local origin), and its ejection history. A call's outcome is
 * put here without allocating: `answered` and `failed` are made once per host.
 */
export class HostMonitor {
  removed = false;
  ejected = false;
  consecutive5xx = 0;
  consecutiveGatewayFailure = 0;
  consecutiveLocalOriginFailure = 0;
  readonly external = new SuccessRateBuckets();
  readonly local = new SuccessRateBuckets();
  /** Times ejected, ever (Envoy's num_ejections). */
  ejections = 0;
  /** The ejection time multiplier (Envoy's eject_time_backoff): up on each ejection, down per clean interval. */
  backoff = 0;
  lastEjection = 0;
  /** When it was last returned to service; undefined until the first time. */
  lastUnejection: number | undefined = undefined;
  jitterMs = 0;
  /** Made once: a call's outcome handlers for promise chains (`invoke`, `wrap`). */
  readonly onAnswer: () => void;
  readonly onFailure: (err: unknown) => void;

  constructor(public endpoint: Endpoint, readonly address: string, private readonly owner: MonitorOwner) {
    this.onAnswer = () => this.put(OK);
    this.onFailure = (err: unknown) => this.put(outlierOutcome(err));
  }

  /** One outcome (Envoy's putResult, with or without the external/local split). */
  put(outcome: OutlierOutcome): void {
    if (outcome === IGNORED || this.removed) return;
    if (this.owner.config.splitExternalLocalOriginErrors) {
      if (outcome === LOCAL_CONNECT_FAILED || outcome === LOCAL_TIMEOUT) return this.localOriginFailure();
      // The host answered: the connection worked (Envoy's LocalOriginConnectSuccess), and the answer is judged by its status.
      this.localOriginNoFailure();
      this.putStatus(outcome);
      return;
    }
    this.putStatus(outcome < 0 ? -outcome : outcome);
  }

  /** Envoy's putHttpResponseCode. */
  private putStatus(status: number): void {
    this.external.total++;
    if (status >= 500 && status < 600) {
      const config = this.owner.config;
      if (isGatewayError(status)) {
        if (++this.consecutiveGatewayFailure === config.consecutiveGatewayFailure) this.owner.onConsecutive(this, 'CONSECUTIVE_GATEWAY_FAILURE');
      } else {
        this.consecutiveGatewayFailure = 0;
      }
      if (++this.consecutive5xx === config.consecutive5xx) this.owner.onConsecutive(this, 'CONSECUTIVE_5XX');
    } else {
      this.external.success++;
      this.consecutive5xx = 0;
      this.consecutiveGatewayFailure = 0;
    }
  }

  private localOriginFailure(): void {
    this.local.total++;
    if (++this.consecutiveLocalOriginFailure === this.owner.config.consecutiveLocalOriginFailure) {
      this.owner.onConsecutive(this, 'CONSECUTIVE_LOCAL_ORIGIN_FAILURE');
    }
  }

  private localOriginNoFailure(): void {
    this.local.total++;
    this.local.success++;
    this.consecutiveLocalOriginFailure = 0;
  }

  resetConsecutive(): void {
    this.consecutive5xx = 0;
    this.consecutiveGatewayFailure = 0;
    this.consecutiveLocalOriginFailure = 0;
  }
}
