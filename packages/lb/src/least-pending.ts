import type { Candidate, Endpoint, EndpointReporter } from '@meshlet/core';
import { BoundReporter } from './bound-reporter.js';
import { EndpointTable } from './endpoint-table.js';
import type { ManagedLoadBalancer } from './managed.js';
import { defaultClock, defaultRandom, type BalancerOptions } from './options.js';
import { levelOf, PendingBuckets, PendingState } from './pending-buckets.js';

export type LeastPendingOptions = BalancerOptions;

/**
 * Endpoints whose pending count is re-read per pick besides those drawn. A count can fall without
 * this balancer hearing of it (another reference's call to the same address finished), which would
 * leave the endpoint filed too high; re-reading a few per pick, in turn, bounds that to n / SWEEP
 * picks.
 */
const SWEEP = 2;

/** Weighted acceptance draws among the ties before they are weighed one by one. */
const WEIGHT_TRIES = 8;

/**
 * Fewest outstanding calls (Dubbo's `leastactive`): the endpoints with the fewest calls in flight
 * are the ties, and one of them is drawn by weight (uniformly when their weights are equal). A slow
 * endpoint accumulates pending calls and so gets fewer new ones, with no latency bookkeeping.
 *
 * O(1) amortized per pick rather than a scan of every endpoint (5,000 endpoints cost 95× 10 when
 * it scanned): endpoints are filed in buckets by the pending count last read, and a pick draws from
 * the lowest bucket, re-reading the drawn endpoint's count. The counts only rise between reads by
 * calls this balancer chose (it re-reads those when drawn: a stale one is moved up and the draw
 * repeated, which gives a uniform draw over the true ties) or fall when a call ends, which `report`
 * tells it, so the lowest bucket holds exactly the ties. Falls it is not told of (another reference
 * sharing the connection) are caught by re-reading `SWEEP` endpoints per pick. Unequal weights are
 * drawn by acceptance (weight / the largest weight), and after `WEIGHT_TRIES` refusals by weighing
 * the ties one by one, so the draw is exactly by weight either way.
 */
export function leastPending(options: LeastPendingOptions = {}): ManagedLoadBalancer {
  const random = options.random ?? defaultRandom;
  const clock = options.clock ?? defaultClock;
  const table = new EndpointTable((e, a, now) => new PendingState(e, a, now), clock);
  const buckets = new PendingBuckets();
  /** The candidates the buckets were filed from (the table's current alignment). */
  let current: readonly Candidate[] = [];
  /** Every candidate warm with the same weight (or none has weight): ties are drawn uniformly. */
  let uniform = true;
  let maxWeight = 0;
  let cursor = 0;

  /** Files `s` under its count now; returns that count's level. */
  function refile(s: PendingState): number {
    const level = levelOf(current[s.slot]!.pending);
    buckets.file(s, level);
    return level;
  }

  function rebuild(candidates: readonly Candidate[]): void {
    current = candidates;
    buckets.clear();
    uniform = true;
    maxWeight = 0;
    let first = -1;
    for (const s of table.aligned) {
      if (s.level >= 0) continue; // an address listed twice: filed once, under its last slot
      refile(s);
      const w = s.fullWeight;
      if (w > maxWeight) maxWeight = w;
      if (!s.warm) uniform = false;
      else if (first < 0) first = w;
      else if (w !== first) uniform = false;
    }
    if (maxWeight <= 0) uniform = true; // no weight anywhere: every endpoint counts the same
    cursor = 0;
  }

  /**
   * Exactly by weight among the ties in `bucket`, each re-read first; -1 when the re-reads emptied
   * it or showed a lower count (the ties are in another bucket now).
   */
  function weighed(bucket: PendingState[]): number {
    // From the end: removing one brings the last one into its place, already re-read.
    for (let j = bucket.length - 1; j >= 0; j--) if (j < bucket.length) refile(bucket[j]!);
    if (buckets.lowest() !== bucket) return -1;
    const now = clock();
    let total = 0;
    for (const s of bucket) total += s.weightAt(now);
    if (total <= 0) return bucket[Math.floor(random() * bucket.length)]!.slot;
    let offset = random() * total;
    for (const s of bucket) {
      offset -= s.weightAt(now);
      if (offset < 0) return s.slot;
    }
    return bucket[bucket.length - 1]!.slot;
  }

  /** A call to `s` ended: its count fell (the runtime counts it down before reporting). */
  function ended(s: PendingState): void {
    if (s.level >= 0 && table.isCandidate(s)) refile(s);
  }

  return {
    name: 'leastpending',
    pick<C extends Candidate>(candidates: readonly C[]): C {
      const n = candidates.length;
      if (n === 1) return candidates[0]!;
      if (table.sync(candidates)) rebuild(candidates);
      const states = table.aligned;
      for (let k = 0; k < SWEEP; k++) {
        if (cursor >= n) cursor = 0;
        refile(states[cursor++]!);
      }
      let now = 0;
      let tries = 0;
      // Each stale draw moves an endpoint to its right bucket, so this ends; the bound is for
      // counts that change on every read, which no filing can keep up with.
      for (let guard = 2 * n + 16; guard > 0; guard--) {
        const bucket = buckets.lowest()!;
        const s = bucket[Math.floor(random() * bucket.length)]!;
        const level = s.level;
        if (refile(s) !== level) continue;
        if (uniform) return candidates[s.slot]!;
        if (!s.warm && now === 0) now = clock();
        if (random() * maxWeight < s.weightAt(now)) return candidates[s.slot]!;
        if (++tries < WEIGHT_TRIES) continue;
        tries = 0;
        const slot = weighed(bucket);
        if (slot >= 0) return candidates[slot]!;
      }
      return candidates[buckets.lowest()![0]!.slot]!;
    },
    report(endpoint: Endpoint): void {
      const s = table.peek(endpoint);
      if (s !== undefined) ended(s);
    },
    reporter: (endpoint: Endpoint): EndpointReporter => new BoundReporter(table, endpoint, ended),
    update: (endpoints) => table.update(endpoints),
  };
}
