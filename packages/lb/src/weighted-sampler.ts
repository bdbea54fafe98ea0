import type { EndpointState } from './endpoint-state.js';

/**
 * Draws an index with probability proportional to weight. Prefix sums are rebuilt only when the
 * candidate alignment changes or, while some endpoint is still warming up (its weight moves with
 * time), at most every `WARMUP_REBUILD_MS`: a warm-up ramp lasts minutes, so weights 50 ms old are
 * as good, and a pick among 5,000 endpoints stays O(log n) while one of them warms up; otherwise a draw is one binary search, or one multiplication when all weights are equal
 * (the common case, where the result is a plain uniform draw).
 */
const WARMUP_REBUILD_MS = 50;

export class WeightedSampler {
  private prefix = new Float64Array(8);
  private n = 0;
  private total = 0;
  private builtFor = -1;
  private dynamic = false;
  private rebuildAt = 0;
  /** All weights equal (or all zero): draws need no prefix sums. */
  uniform = true;

  /** Prepares for draws over `states` (the aligned candidates of `generation`). */
  prepare(states: readonly EndpointState[], generation: number, clock: () => number): void {
    if (generation === this.builtFor && (!this.dynamic || clock() < this.rebuildAt)) return;
    const n = states.length;
    if (this.prefix.length < n) this.prefix = new Float64Array(Math.max(n, this.prefix.length * 2));
    let now = 0;
    let dynamic = false;
    let total = 0;
    let same = true;
    let first = -1;
    for (let i = 0; i < n; i++) {
      const s = states[i]!;
      if (!s.warm) {
        if (now === 0) now = clock();
        dynamic = true;
      }
      const w = s.weightAt(now);
      if (first < 0) first = w;
      else if (w !== first) same = false;
      total += w;
      this.prefix[i] = total;
    }
    this.n = n;
    this.total = total;
    // All zero is treated as all equal: an endpoint set with no weight anywhere still gets served.
    this.uniform = same || total <= 0;
    this.dynamic = dynamic;
    if (dynamic) this.rebuildAt = now + WARMUP_REBUILD_MS;
    this.builtFor = generation;
  }

  /** An index drawn with `r` in [0, 1). */
  draw(r: number): number {
    if (this.uniform) return Math.floor(r * this.n);
    return this.find(r * this.total);
  }

  /** A second index different from `first`, with the same weighting over the others. */
  drawOther(r: number, first: number): number {
    if (this.uniform) {
      const j = Math.floor(r * (this.n - 1));
      return j >= first ? j + 1 : j;
    }
    const before = first > 0 ? this.prefix[first - 1]! : 0;
    const own = this.prefix[first]! - before;
    const rest = this.total - own;
    if (rest <= 0) return first === 0 ? 1 : 0; // Only `first` has weight: any other is as good.
    let target = r * rest;
    if (target >= before) target += own; // Skip over `first`'s share of the line.
    const j = this.find(target);
    return j === first ? (first + 1) % this.n : j;
  }

  /** The first index whose running total exceeds `target`. */
  private find(target: number): number {
    const prefix = this.prefix;
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (prefix[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
