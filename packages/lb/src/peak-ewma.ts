import { EndpointState } from './endpoint-state.js';

/**
 * Peak-sensitive, time-decayed average latency of one endpoint (the estimator of Finagle's and
 * linkerd's P2C balancers, written from its description).
 *
 * - A sample above the estimate replaces it at once: one slow response is enough to steer traffic
 *   away, without waiting for an average to catch up.
 * - A sample below it is blended in with weight `1 - e^(-Δt/τ)`, Δt being the time since the
 *   previous sample: the estimate forgets on a wall-clock scale τ whatever the call rate.
 * - Read between samples, the estimate decays by `e^(-Δt/τ)` towards zero (without storing the
 *   decay, which would bias the blend): an endpoint that got no traffic because it looked slow
 *   looks cheaper as time passes, gets probed, and either proves itself or jumps back up.
 * - Calls sent before an endpoint's first answer waited for its connection to open (clients connect
 *   on first use): their latency says what connecting took, not what a call costs. The estimate
 *   they leave is `provisional`; the first call sent after that answer sets it outright. Without
 *   this, a ~100 ms connect weighed like a 100 ms call and, decaying over τ = 10 s, kept a fresh
 *   endpoint nearly unused for seconds beside one that connected faster (1,214 of 1,217 calls).
 */
export class EwmaState extends EndpointState {
  /** Latency estimate, ms. */
  estimate = 0;
  /** Time of the last sample, ms. */
  stamp = 0;
  /** Whether any sample arrived yet. */
  sampled = false;
  /** Every sample so far came from calls sent before the first answer (they include connecting). */
  provisional = false;
  /** When the first answer arrived, ms. */
  private firstAnswerAt = 0;

  /** Records `latencyMs` (a failure's penalty when it failed), measured over `elapsedMs` ending `now`. */
  observe(latencyMs: number, now: number, decayMs: number, elapsedMs = latencyMs): void {
    if (!this.sampled) {
      this.sampled = true;
      this.provisional = true;
      this.firstAnswerAt = now;
      this.estimate = latencyMs;
    } else if (this.provisional) {
      if (now - elapsedMs >= this.firstAnswerAt) {
        this.provisional = false; // sent once the connection was up: the first real measurement
        this.estimate = latencyMs;
      } else if (latencyMs > this.estimate) {
        this.estimate = latencyMs;
      }
    } else if (latencyMs > this.estimate) {
      this.estimate = latencyMs;
    } else {
      const dt = now - this.stamp;
      const keep = dt > 0 ? Math.exp(-dt / decayMs) : 1;
      this.estimate = this.estimate * keep + latencyMs * (1 - keep);
    }
    this.stamp = now;
  }

  /** The estimate as seen at `now`, decayed since the last sample. */
  estimateAt(now: number, decayMs: number): number {
    const dt = now - this.stamp;
    return dt > 0 ? this.estimate * Math.exp(-dt / decayMs) : this.estimate;
  }
}
