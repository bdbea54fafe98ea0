/**
 * What every balancer may be given. Both sources are injectable so tests are deterministic and so a
 * service can seed its own generator; the defaults are the process's own.
 */
export interface BalancerOptions {
  /** Uniform numbers in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
  /**
   * Milliseconds since the epoch. Warm-up compares it with the provider's start `timestamp`, and
   * peak-EWMA measures decay with it. Default: `performance.timeOrigin + performance.now()`, which
   * is epoch time with sub-millisecond steps (`Date.now()` would make every call within one
   * millisecond look simultaneous to the EWMA).
   */
  readonly clock?: () => number;
}

export const defaultRandom: () => number = Math.random;

const origin = performance.timeOrigin;
export const defaultClock = (): number => origin + performance.now();
