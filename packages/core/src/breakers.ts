import type { Endpoint } from './endpoint.js';
import type { Invoker } from './interceptor.js';
import type { Invocation } from './invocation.js';

/**
 * Per-endpoint circuit breakers, as the runtime consults them (`@meshlet/breaker`'s `BreakerSet`
 * is one). An endpoint whose breaker does not allow calls is left out of the balancer's choice.
 */
export interface EndpointBreakers {
  /** False while the endpoint's breaker is open (or half-open with its probe out). */
  allows(endpoint: Endpoint): boolean;
  /** Runs `invoker` through the endpoint's breaker; rejects with UNAVAILABLE, unsent, while open. */
  invoke(endpoint: Endpoint, invoker: Invoker, invocation: Invocation): Promise<unknown>;
  /**
   * `invoke` bound to one endpoint and invoker, made once per endpoint: lets the set find the
   * endpoint's breaker once instead of per call (the runtime makes one per directory member).
   */
  wrap?(endpoint: Endpoint, invoker: Invoker): Invoker;
  /**
   * The endpoint's breaker bound once, for a runtime that settles its calls itself (the runtime asks
   * for one per directory member). While `passes()` a call goes straight to the endpoint, not
   * through `invoke`, and its outcome is told with `answered()` or `failed(err)`: a healthy
   * endpoint's call then costs the set no promise and no closure. Otherwise send it with `invoke`.
   */
  gate?(endpoint: Endpoint): BreakerGate;
  /** The endpoints that exist now; breakers of the others are shut down. */
  update(endpoints: readonly Endpoint[]): void;
  close(): void;
  /** Changes whenever `allows` may have changed for some endpoint, so callers can keep filtered lists; without it they re-check per call. */
  readonly version?: number;
  /** Read-only: the endpoint's breaker state (`closed`, `open`, `halfOpen`; undefined: it has none), for admin views. */
  stateOf?(endpoint: Endpoint): string | undefined;
}

/** One endpoint's breaker as `EndpointBreakers.gate` hands it out. */
export interface BreakerGate {
  /** True when a call may be sent directly (no breaker watches the endpoint); false: send it through `invoke`. */
  passes(): boolean;
  /** A call sent directly after `passes()` was answered (or failed with an error that is not the endpoint's fault: pass it to `failed`). */
  answered(): void;
  /** A call sent directly after `passes()` failed with `err`: a failure of the endpoint wakes its breaker. */
  failed(err: unknown): void;
}
