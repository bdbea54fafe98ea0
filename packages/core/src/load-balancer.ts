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

/**
 * Sidecar mode as one stage of a reference's call path, between the registry's endpoint list and
 * the balancer (`RuntimeOptions.endpointSets`). A reference's list then holds two sets: the
 * proxy's endpoint (the sidecar agent, one address standing for every provider) while the proxy is
 * live, and the direct endpoints (the fallback while it is down, or a standby beside it). The
 * stage chooses per call: the proxy's endpoint whenever it is usable, as it is (no balancing, no
 * breakers: the agent balances and breaks per provider itself, and its own health is the health
 * check's to judge); otherwise the direct set, which alone the balancer and the breakers ever see.
 * Which set is live is the registry's to say (`FallbackRegistry` delivers the proxy's endpoint
 * only while its health check passes, and implements this interface).
 */
export interface EndpointSetChooser {
  /** True for the proxy's endpoint. Asked once per endpoint as it joins a reference, never per call. */
  isProxy(endpoint: Endpoint): boolean;
  /**
   * Asked before each call is routed: `undefined` lets it go on; an error fails it unsent (the
   * proxy is down and there is nothing to fall back to); a promise (the first health check) lets
   * it go on once it resolves, or fails it with its rejection.
   */
  admit(): Error | Promise<void> | undefined;
}
