/**
 * One resource's (or one caller's share of a resource's) statistics, as Sentinel's `StatisticNode`
 * keeps what its flow controllers read:
 * - passed calls in the last second: a `LeapArray` of 2 buckets × 500 ms (`passQps`), a bucket
 *   counting while `now - bucket start <= 1000`;
 * - passed calls in the previous whole second (`previousPassQps`, from its per-minute array of
 *   1 s buckets: only the bucket of the second before this one is ever read, so two are kept);
 * - calls in flight (`curThreadNum`).
 * Plain number fields, no arrays or bucket objects: reading and counting allocate nothing, and a
 * call within the current half second compares two numbers instead of computing bucket indexes.
 */
export class StatNode {
  // Half-second buckets by index ((now / 500) % 2): starts and passed counts.
  private start0 = -1;
  private pass0 = 0;
  private start1 = -1;
  private pass1 = 0;
  /** The half second the latest call fell in, and its bucket's index. */
  private current = -Infinity;
  private index = 0;
  // Whole-second buckets: this second and the one before.
  private secStart = -1;
  private secPass = 0;
  private prevSecStart = -1;
  private prevSecPass = 0;
  /** Calls passed and not yet finished. */
  threads = 0;

  /** Counts a passed call at `now` (ms). */
  addPass(now: number): void {
    this.roll(now);
    if (this.index === 0) this.pass0++;
    else this.pass1++;
    this.secPass++;
  }

  /** Passed calls within the last second (Sentinel's `passQps()`, the window being 1 s). */
  passQps(now: number): number {
    this.roll(now);
    let sum = 0;
    if (this.start0 >= 0 && now - this.start0 <= 1000) sum += this.pass0;
    if (this.start1 >= 0 && now - this.start1 <= 1000) sum += this.pass1;
    return sum;
  }

  /** Passed calls in the whole second before the current one (Sentinel's `previousPassQps()`). */
  previousPassQps(now: number): number {
    this.roll(now);
    return this.prevSecStart === this.secStart - 1000 ? this.prevSecPass : 0;
  }

  /** Moves the buckets `now` falls in to their new windows (LeapArray's `currentWindow`). */
  private roll(now: number): void {
    // Half seconds nest in seconds (both aligned to the epoch): within the same half second,
    // nothing moves.
    if (now >= this.current && now - this.current < 500) return;
    const half = now - (now % 500);
    this.current = half;
    this.index = Math.floor(now / 500) % 2;
    if (this.index === 0) {
      if (this.start0 !== half) {
        this.start0 = half;
        this.pass0 = 0;
      }
    } else if (this.start1 !== half) {
      this.start1 = half;
      this.pass1 = 0;
    }
    const sec = now - (now % 1000);
    if (this.secStart !== sec) {
      this.prevSecStart = this.secStart;
      this.prevSecPass = this.secPass;
      this.secStart = sec;
      this.secPass = 0;
    }
  }
}
