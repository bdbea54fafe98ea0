import type { Candidate } from '@meshlet/core';
import { EndpointState } from './endpoint-state.js';
import { EndpointTable } from './endpoint-table.js';
import type { ManagedLoadBalancer } from './managed.js';
import { defaultClock, defaultRandom, type BalancerOptions } from './options.js';

export type LeastPendingOptions = BalancerOptions;

/**
 * Fewest outstanding calls (Dubbo's `leastactive`): the endpoints with the fewest calls in flight
 * are the ties, and one of them is drawn by weight (uniformly when their weights are equal). A slow
 * endpoint accumulates pending calls and so gets fewer new ones, with no latency bookkeeping.
 * O(n) per pick; the tie list is a reused typed array.
 */
export function leastPending(options: LeastPendingOptions = {}): ManagedLoadBalancer {
  const random = options.random ?? defaultRandom;
  const clock = options.clock ?? defaultClock;
  const table = new EndpointTable((e, a, now) => new EndpointState(e, a, now), clock);
  let ties = new Int32Array(16);
  let weights = new Float64Array(16);
  return {
    name: 'leastpending',
    pick<C extends Candidate>(candidates: readonly C[]): C {
      const n = candidates.length;
      if (n === 1) return candidates[0]!;
      table.sync(candidates);
      if (ties.length < n) {
        ties = new Int32Array(n * 2);
        weights = new Float64Array(n * 2);
      }
      const states = table.aligned;
      let now = 0;
      let least = Infinity;
      let count = 0;
      let total = 0;
      let same = true;
      for (let i = 0; i < n; i++) {
        const pending = candidates[i]!.pending;
        if (pending > least) continue;
        const s = states[i]!;
        if (!s.warm && now === 0) now = clock();
        const w = s.weightAt(now);
        if (pending < least) {
          least = pending;
          count = 0;
          total = 0;
          same = true;
        } else if (w !== weights[0]) {
          same = false;
        }
        ties[count] = i;
        weights[count++] = w;
        total += w;
      }
      if (count === 1) return candidates[ties[0]!]!;
      if (same || total <= 0) return candidates[ties[Math.floor(random() * count)]!]!;
      let offset = random() * total;
      for (let k = 0; k < count; k++) {
        offset -= weights[k]!;
        if (offset < 0) return candidates[ties[k]!]!;
      }
      return candidates[ties[count - 1]!]!;
    },
    update: (endpoints) => table.update(endpoints),
  };
}
