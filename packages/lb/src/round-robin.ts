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
 * bunched, so no endpoint sees a burst. O(n) per pick, allocation-free.
 */
export function smoothRoundRobin(options: RoundRobinOptions = {}): ManagedLoadBalancer {
  const clock = options.clock ?? defaultClock;
  const table = new EndpointTable((e, a, now) => new CreditState(e, a, now), clock);
  let turn = 0;
  return {
    name: 'roundrobin',
    pick<C extends Candidate>(candidates: readonly C[]): C {
      const n = candidates.length;
      if (n === 1) return candidates[0]!;
      table.sync(candidates);
      const states = table.aligned;
      let now = 0;
      let total = 0;
      let best = 0;
      let bestCredit = -Infinity;
      for (let i = 0; i < n; i++) {
        const s = states[i]!;
        if (!s.warm && now === 0) now = clock();
        const w = s.weightAt(now);
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
      return candidates[best]!;
    },
    update: (endpoints) => table.update(endpoints),
  };
}
