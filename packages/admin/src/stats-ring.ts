/**
 * Live call figures for the dashboard: a ring of per-second buckets, each with a call count, an
 * error count and a latency histogram on fixed log-spaced bounds. Memory is fixed (seconds ×
 * bounds), recording is O(1) (a bucket index and a binary search over ~40 bounds), and a
 * percentile reads one bucket's histogram. Seconds nobody called in stay empty: reading skips
 * them by their stamp, so an idle runtime costs nothing.
 */

/** Upper bounds of the latency bins, ms: 0.05 ms to ~100 s, each ~1.5× the previous. */
export const LATENCY_BOUNDS_MS: readonly number[] = (() => {
  const out: number[] = [];
  for (let b = 0.05; b < 120_000; b *= 1.5) out.push(Number(b.toPrecision(3)));
  return out;
})();

/** One second of calls, as `series()` reports it. */
export interface SecondStats {
  /** Start of the second, ms since the epoch. */
  readonly t: number;
  readonly calls: number;
  readonly errors: number;
  /** Latency percentiles, ms (the upper bound of the bin the rank falls in); 0 without calls. */
  readonly p50: number;
  readonly p99: number;
}

interface Bucket {
  second: number;
  calls: number;
  errors: number;
  readonly bins: Uint32Array;
}

export class StatsRing {
  readonly #buckets: Bucket[];

  /** @param seconds how much history to keep (120 by default: two minutes of chart). */
  constructor(readonly seconds = 120, private readonly clock: () => number = Date.now) {
    if (!Number.isInteger(seconds) || seconds < 1) throw new RangeError(`StatsRing seconds must be a positive integer, got ${seconds}`);
    this.#buckets = Array.from({ length: seconds }, () => ({ second: -1, calls: 0, errors: 0, bins: new Uint32Array(LATENCY_BOUNDS_MS.length + 1) }));
  }

  record(durationMs: number, error: boolean): void {
    const second = Math.floor(this.clock() / 1000);
    const b = this.#buckets[second % this.seconds]!;
    if (b.second !== second) {
      // A bucket left from `seconds` ago (or never used): start it over.
      b.second = second;
      b.calls = 0;
      b.errors = 0;
      b.bins.fill(0);
    }
    b.calls++;
    if (error) b.errors++;
    b.bins[binOf(durationMs)]!++;
  }

  /**
   * The last `seconds` complete seconds (the current one is still filling, so it is left out),
   * oldest first, with zeros for seconds without calls.
   */
  series(seconds = this.seconds - 1): SecondStats[] {
    const now = Math.floor(this.clock() / 1000);
    const n = Math.min(seconds, this.seconds - 1);
    const out: SecondStats[] = [];
    for (let s = now - n; s < now; s++) {
      const b = this.#buckets[((s % this.seconds) + this.seconds) % this.seconds]!;
      if (b.second !== s) {
        out.push({ t: s * 1000, calls: 0, errors: 0, p50: 0, p99: 0 });
      } else {
        out.push({ t: s * 1000, calls: b.calls, errors: b.errors, p50: percentile(b.bins, b.calls, 0.5), p99: percentile(b.bins, b.calls, 0.99) });
      }
    }
    return out;
  }
}

/** The bin of a latency: the first bound at or above it (the last bin holds everything beyond). */
export function binOf(ms: number): number {
  let lo = 0;
  let hi = LATENCY_BOUNDS_MS.length;
  if (!(ms > 0)) return 0;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (LATENCY_BOUNDS_MS[mid]! >= ms) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The upper bound of the bin holding the `q` quantile (the overflow bin reports the last bound). */
function percentile(bins: Uint32Array, total: number, q: number): number {
  if (total === 0) return 0;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < bins.length; i++) {
    seen += bins[i]!;
    if (seen >= rank) return LATENCY_BOUNDS_MS[Math.min(i, LATENCY_BOUNDS_MS.length - 1)]!;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1]!;
}
