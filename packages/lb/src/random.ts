import type { Candidate } from '@meshlet/core';
import { EndpointState } from './endpoint-state.js';
import { EndpointTable } from './endpoint-table.js';
import type { ManagedLoadBalancer } from './managed.js';
import { defaultClock, defaultRandom, type BalancerOptions } from './options.js';
import { WeightedSampler } from './weighted-sampler.js';

export type RandomOptions = BalancerOptions;

/**
 * Weighted random (Dubbo's `random`): each endpoint is chosen with probability weight / total,
 * warm-up included. O(1) per pick when weights are equal, O(log n) otherwise.
 */
export function weightedRandom(options: RandomOptions = {}): ManagedLoadBalancer {
  const random = options.random ?? defaultRandom;
  const clock = options.clock ?? defaultClock;
  const table = new EndpointTable((e, a, now) => new EndpointState(e, a, now), clock);
  const sampler = new WeightedSampler();
  return {
    name: 'random',
    pick<C extends Candidate>(candidates: readonly C[]): C {
      if (candidates.length === 1) return candidates[0]!;
      table.sync(candidates);
      sampler.prepare(table.aligned, table.generation, clock);
      return candidates[sampler.draw(random())]!;
    },
    update: (endpoints) => table.update(endpoints),
  };
}
