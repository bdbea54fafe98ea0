import type { Endpoint } from './endpoint.js';
import type { Invocation } from './invocation.js';

/** A candidate as a balancer sees it: its endpoint and the calls it has outstanding. */
export interface Candidate {
  readonly endpoint: Endpoint;
  /** Calls sent and not yet answered. */
  readonly pending: number;
}

/**
 * Chooses one candidate per call. `@meshlet/lb` has the full set (weighted round robin,
 * least-pending, consistent hash, peak-EWMA); core ships round robin as the default.
 */
export interface LoadBalancer {
  readonly name: string;
  /** `candidates` is non-empty and holds only available endpoints. */
  pick<C extends Candidate>(candidates: readonly C[], invocation: Invocation): C;
  /** Told the outcome and latency of each call, for balancers that learn. */
  report?(endpoint: Endpoint, latencyMs: number, error: unknown): void;
  /**
   * `report` bound to one endpoint, asked once per endpoint by the runtime (per directory member)
   * and called per call instead of `report`: the balancer finds the endpoint's state once, not by a
   * lookup per call (over thousands of endpoints that lookup is a cache miss per call). Optional.
   */
  reporter?(endpoint: Endpoint): EndpointReporter;
  /** Told the current endpoint set whenever it changes (the same Endpoint objects picks will see). */
  update?(endpoints: readonly Endpoint[]): void;
  /** Read-only: the balancer's latency estimate of an endpoint, ms (peak EWMA), for admin views. */
  latencyOf?(endpoint: Endpoint): number | undefined;
}

/** `LoadBalancer.report` for one endpoint (an object with a method, not a closure: one heap object per endpoint, not two). */
export interface EndpointReporter {
  report(latencyMs: number, error: unknown): void;
}

export function roundRobin(): LoadBalancer {
  let next = 0;
  return {
    name: 'roundrobin',
    pick(candidates) {
      const c = candidates[next % candidates.length]!;
      next = (next + 1) % 1_000_000_007;
      return c;
    },
  };
}

export function random(): LoadBalancer {
  return {
    name: 'random',
    pick: (candidates) => candidates[Math.floor(Math.random() * candidates.length)]!,
  };
}
