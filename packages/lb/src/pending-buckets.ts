import { EndpointState } from './endpoint-state.js';

/** Pending counts above this are filed together: beyond 65,535 calls in flight, more is not worse. */
export const MAX_LEVEL = 0xffff;

/** The bucket a pending count is filed under: non-numbers and negatives as 0, fractions floored. */
export function levelOf(pending: number): number {
  return pending > 0 ? (pending < MAX_LEVEL ? Math.floor(pending) : MAX_LEVEL) : 0;
}

/** An endpoint's state with where `PendingBuckets` filed it. */
export class PendingState extends EndpointState {
  /** The pending count it is filed under (as last read); -1 while not filed. */
  level = -1;
  /** Its index in that level's bucket. */
  at = -1;
}

/**
 * Endpoints filed by pending count, one bucket per count, with the lowest non-empty bucket
 * tracked: what least-pending needs to find "the fewest in flight" without scanning every endpoint.
 * Moving an endpoint between buckets is O(1) (swap-remove, push); finding the lowest bucket again
 * after it empties walks up from the old one, a walk paid for by the calls that filled the buckets.
 */
export class PendingBuckets {
  private readonly buckets: PendingState[][] = [];
  /** No bucket below this holds anyone (it may itself be empty: `lowest()` walks up). */
  private min = 0;
  /** Highest level any bucket was used at since the last `clear`. */
  private top = -1;
  /** Endpoints filed. */
  size = 0;

  clear(): void {
    for (let l = 0; l <= this.top; l++) {
      const b = this.buckets[l];
      if (b !== undefined) {
        for (const s of b) s.level = -1;
        b.length = 0;
      }
    }
    this.min = 0;
    this.top = -1;
    this.size = 0;
  }

  /** Files `s` at `level`, or moves it there. */
  file(s: PendingState, level: number): void {
    if (s.level === level) return;
    if (s.level >= 0) this.unfile(s);
    // Every level up to the highest gets a bucket, so the array stays packed (holes read slower).
    while (this.buckets.length <= level) this.buckets.push([]);
    const b = this.buckets[level]!;
    s.level = level;
    s.at = b.length;
    b.push(s);
    this.size++;
    if (level < this.min || this.size === 1) this.min = level;
    if (level > this.top) this.top = level;
  }

  private unfile(s: PendingState): void {
    const b = this.buckets[s.level]!;
    const last = b.pop()!;
    if (last !== s) {
      b[s.at] = last;
      last.at = s.at;
    }
    s.level = -1;
    s.at = -1;
    this.size--;
  }

  /** The lowest non-empty bucket, or `undefined` when nothing is filed. */
  lowest(): PendingState[] | undefined {
    if (this.size === 0) return undefined;
    while (this.min <= this.top && this.buckets[this.min]!.length === 0) this.min++;
    return this.buckets[this.min];
  }
}
