import type { Candidate } from '@meshlet/core';
import { EndpointState } from './endpoint-state.js';
import { EndpointTable } from './endpoint-table.js';
import type { ManagedLoadBalancer } from './managed.js';
import { defaultClock, type BalancerOptions } from './options.js';

export type RoundRobinOptions = Pick<BalancerOptions, 'clock'>;

/** Smooth round robin keeps a running credit per endpoint. */
class CreditState extends EndpointState {
  credit = 0;
}

/**
 * Smooth weighted round robin (nginx's, and Dubbo's `roundrobin` since 2.7): every pick adds each
 * endpoint's weight to its credit, takes the endpoint with the most credit and charges it the
 * total. Weights 5,1,1 give a,a,b,a,c,a,a: the heavy endpoint's turns are spread out instead of
 * bunched, so no endpoint sees a burst. Allocation-free; O(n) per pick while weights differ (or
 * some endpoint warms up), O(1) when they are all equal, where smooth round robin is plain rotation
 * (the usual case: a fleet of 5,000 equal endpoints must not cost 5,000 steps per call).
 */
export function smoothRoundRobin(options: RoundRobinOptions = {}): ManagedLoadBalancer {
  const clock = options.clock ?? defaultClock;
  const table = new EndpointTable((e, a, now) => new CreditState(e, a, now), clock);
  let turn = 0;
  /** Every candidate of the current alignment is warm with the same weight (checked on change). */
  let uniform = false;
  return {
    name: 'roundrobin',
    pick<C extends Candidate>(candidates: readonly C[]): C {
      const n = candidates.length;
      if (n === 1) return candidates[0]!;
      if (table.sync(candidates)) uniform = false; // re-checked by the full pass below
      if (uniform) return candidates[(turn = (turn + 1) % n)]!;
      const states = table.aligned;
      let now = 0;
      let equal = true;
      let total = 0;
      let best = 0;
      let bestCredit = -Infinity;
      for (let i = 0; i < n; i++) {
        const s = states[i]!;
        if (!s.warm && now === 0) now = clock();
        const w = s.weightAt(now);
        if (!s.warm || w !== states[0]!.weightAt(now)) equal = false;
        s.credit += w;
        total += w;
        if (s.credit > bestCredit) {
          bestCredit = s.credit;
          best = i;
        }
      }
      // No weight anywhere: plain rotation rather than always the first.
      if (total <= 0) return candidates[(turn = (turn + 1) % n)]!;
      states[best]!.credit -= total;
      if (equal) {
        uniform = true;
        turn = best; // rotation goes on from the endpoint just chosen
      }
      return candidates[best]!;
    },
    update: (endpoints) => table.update(endpoints),
  };
}
