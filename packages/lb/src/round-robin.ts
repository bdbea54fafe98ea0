import type { Candidate } from '@meshlet/core';
import { CreditHeaps, CreditState } from './credit-heaps.js';
import { EndpointTable } from './endpoint-table.js';
import type { ManagedLoadBalancer } from './managed.js';
import { defaultClock, type BalancerOptions } from './options.js';

export type RoundRobinOptions = Pick<BalancerOptions, 'clock'>;

/**
 * Smooth weighted round robin (nginx's, and Dubbo's `roundrobin` since 2.7): every pick adds each
 * endpoint's weight to its credit, takes the endpoint with the most credit and charges it the
 * total. Weights 5,1,1 give a,a,b,a,c,a,a: the heavy endpoint's turns are spread out instead of
 * bunched, so no endpoint sees a burst. O(1) per pick when the weights are all equal, where smooth
 * round robin is plain rotation (the usual case: a fleet of 5,000 equal endpoints must not cost
 * 5,000 steps per call); O(m + k + log n) for k distinct integer weights and m endpoints warming
 * up (`CreditHeaps`, the same choices); O(n) only when a weight is fractional.
 */
export function smoothRoundRobin(options: RoundRobinOptions = {}): ManagedLoadBalancer {
  const clock = options.clock ?? defaultClock;
  const table = new EndpointTable((e, a, now) => new CreditState(e, a, now), clock);
  let turn = 0;
  /** Every candidate of the current alignment is warm with the same weight (checked on change). */
  let uniform = false;
  /** Integer weights, unequal or some warming up: picks go through the heaps (checked once per alignment). */
  const heaps = new CreditHeaps();
  let heaped = false;
  let checked = false;
  function fromHeaps(): number {
    const slot = heaps.pick(clock);
    if (heaps.settled) {
      // The last ramp ended and every weight is the same: plain rotation from here, as the full
      // pass turns to it.
      heaps.release();
      heaped = false;
      uniform = true;
      turn = slot;
    }
    return slot;
  }
  return {
    name: 'roundrobin',
    pick<C extends Candidate>(candidates: readonly C[]): C {
      const n = candidates.length;
      if (n === 1) return candidates[0]!;
      if (table.sync(candidates)) {
        uniform = false; // re-checked by the full pass below
        if (heaped) heaps.release(); // credits written back, for the states that stay
        heaped = false;
        checked = false;
      }
      if (uniform) return candidates[(turn = (turn + 1) % n)]!;
      if (heaped) return candidates[fromHeaps()]!;
      const states = table.aligned;
      if (!checked) {
        checked = true;
        if (heaps.take(states)) {
          heaped = true;
          return candidates[fromHeaps()]!;
        }
      }
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
