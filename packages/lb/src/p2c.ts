import type { Candidate, Endpoint, EndpointReporter } from '@meshlet/core';
import { BoundReporter } from './bound-reporter.js';
import { EndpointTable } from './endpoint-table.js';
import type { ManagedLoadBalancer } from './managed.js';
import { defaultClock, defaultRandom, type BalancerOptions } from './options.js';
import { latencyToRecord } from './outcome.js';
import { EwmaState } from './peak-ewma.js';
import { WeightedSampler } from './weighted-sampler.js';

export interface P2cOptions extends BalancerOptions {
  /** τ of the latency estimate, ms: how fast it forgets. Default 10 000 (Finagle's and linkerd's). */
  readonly decayMs?: number;
  /** A failed call counts as at least this slow, ms. Default 1000. */
  readonly failurePenaltyMs?: number;
}

export const P2C_DEFAULTS = { decayMs: 10_000, failurePenaltyMs: 1000 } as const;

/**
 * Above any real cost: an endpoint with calls out and no answer yet. It is tried once (cost 0 while
 * idle) but gets no more until the first response tells us what it costs.
 */
const UNPROBED = 1e15;

/**
 * An idle endpoint whose only samples include connecting: below any measured cost so it gets the
 * one call that measures it, above an unsampled one (which has not even been tried).
 */
const PROVISIONAL = 1e-9;

/**
 * Power of two choices on peak-EWMA latency, the default balancer. Each pick draws two distinct
 * endpoints (by weight, so warm-up and registry weights count) and takes the cheaper, where
 * cost = latency estimate × (pending + 1). Comparing two random endpoints instead of all of them
 * keeps picks O(1) and avoids the herd that "always the fastest" causes among many clients, while
 * still moving traffic off a slow endpoint within a few calls. It learns from `report`.
 */
export function p2c(options: P2cOptions = {}): ManagedLoadBalancer {
  const random = options.random ?? defaultRandom;
  const clock = options.clock ?? defaultClock;
  const decayMs = positive(options.decayMs, P2C_DEFAULTS.decayMs);
  const penaltyMs = positive(options.failurePenaltyMs, P2C_DEFAULTS.failurePenaltyMs);
  const table = new EndpointTable((e, a, now) => new EwmaState(e, a, now), clock);
  const sampler = new WeightedSampler();

  function cost(s: EwmaState, pending: number, now: number): number {
    if (!s.sampled) return pending > 0 ? UNPROBED + pending : 0;
    if (s.provisional) return pending > 0 ? UNPROBED + pending : PROVISIONAL;
    return s.estimateAt(now, decayMs) * (pending + 1);
  }

  function record(s: EwmaState, latencyMs: number, error: unknown): void {
    const sample = latencyToRecord(latencyMs, error, penaltyMs);
    if (sample !== undefined) s.observe(sample, clock(), decayMs, latencyMs);
  }

  return {
    name: 'p2c',
    pick<C extends Candidate>(candidates: readonly C[]): C {
      const n = candidates.length;
      if (n === 1) return candidates[0]!;
      table.sync(candidates);
      sampler.prepare(table.aligned, table.generation, clock);
      const a = sampler.draw(random());
      const b = sampler.drawOther(random(), a);
      const now = clock();
      const states = table.aligned;
      const ca = candidates[a]!;
      const cb = candidates[b]!;
      return cost(states[b]!, cb.pending, now) < cost(states[a]!, ca.pending, now) ? cb : ca;
    },
    report(endpoint: Endpoint, latencyMs: number, error: unknown): void {
      const s = table.peek(endpoint);
      if (s !== undefined) record(s, latencyMs, error);
    },
    reporter: (endpoint: Endpoint): EndpointReporter => new BoundReporter(table, endpoint, record),
    update: (endpoints) => table.update(endpoints),
    latencyOf(endpoint: Endpoint): number | undefined {
      const s = table.peek(endpoint);
      return s?.sampled ? s.estimateAt(clock(), decayMs) : undefined;
    },
  };
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && value > 0 && Number.isFinite(value) ? value : fallback;
}
