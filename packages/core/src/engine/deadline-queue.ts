/** An entry with an absolute deadline (`Date.now()` ms) that is marked `done` once settled. */
export interface Deadlined {
  readonly deadline: number;
  done: boolean;
}

/** Settled entries kept at most this many times the live ones (plus a constant) before compacting. */
const SLACK = 2;
const SLACK_CONSTANT = 256;
/** Settled entries at the head dropped from the array once this many (and at least half of it). */
const HEAD_SHIFT = 1024;

/**
 * Deadlines for many calls with one timer. A timer per call (setTimeout + clearTimeout, a Timeout
 * object and its argument array) costs every call at 100k calls/s, though almost none expire.
 * Calls of one reference share a timeout, so their deadlines arrive in order: the queue keeps them
 * in that order and one timer is armed for the earliest. `add` refuses an entry that would break
 * the order (a shorter timeout after a longer one): the caller gives that one its own timer.
 *
 * Settled entries are marked `done` and left in place (removing from the middle is O(n)); the head
 * skips past them, and the array is compacted when they outnumber the live ones, so memory follows
 * the calls in flight, not the calls made within one timeout.
 */
export class DeadlineQueue<T extends Deadlined> {
  private items: T[] = [];
  private head = 0;
  private live = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The deadline the timer is armed for. */
  private armedFor = 0;
  private readonly sweepBound = () => this.sweep();

  /** `expire` must settle the entry (and so call `settled`). */
  constructor(private readonly expire: (entry: T) => void) {}

  /** Live entries. */
  get size(): number {
    return this.live;
  }

  /** Queues `entry`; false (not queued) when its deadline is earlier than the last one queued. */
  add(entry: T): boolean {
    const items = this.items;
    if (items.length > this.head && items[items.length - 1]!.deadline > entry.deadline) return false;
    items.push(entry);
    this.live++;
    // A timer armed for an earlier deadline wakes first and re-arms for what is then the head; one
    // armed for a later one (left from entries settled since) must be brought forward.
    if (this.timer === undefined) {
      this.arm(entry.deadline);
    } else if (this.armedFor > entry.deadline) {
      clearTimeout(this.timer);
      this.arm(entry.deadline);
    }
    return true;
  }

  /** A queued entry was marked done. */
  settled(): void {
    this.live--;
    const items = this.items;
    while (this.head < items.length && items[this.head]!.done) this.head++;
    if (this.head === items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= HEAD_SHIFT && this.head * 2 >= items.length) {
      // A queue that never empties (calls always in flight) must not grow by every call made.
      this.items = items.slice(this.head);
      this.head = 0;
    } else if (items.length - this.head > SLACK * this.live + SLACK_CONSTANT) {
      // A slow call at the head holds back everything behind it: drop the settled ones.
      this.items = items.filter((e, i) => i >= this.head && !e.done);
      this.head = 0;
    }
  }

  /** Forgets every entry and the timer (the entries are settled by the caller). */
  clear(): void {
    this.items = [];
    this.head = 0;
    this.live = 0;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(deadline: number): void {
    this.armedFor = deadline;
    this.timer = setTimeout(this.sweepBound, Math.max(1, deadline - Date.now()));
    this.timer.unref();
  }

  private sweep(): void {
    this.timer = undefined;
    const now = Date.now();
    // Re-read the fields each turn: an expiry may settle (or clear) others on the way.
    while (this.head < this.items.length) {
      const entry = this.items[this.head]!;
      if (entry.done) {
        this.head++;
        continue;
      }
      if (entry.deadline > now) {
        this.arm(entry.deadline);
        return;
      }
      this.expire(entry);
      if (!entry.done) {
        // An expiry that did not settle its entry must not spin this loop.
        entry.done = true;
        this.settled();
      }
    }
  }

  /** For tests: the deadline the timer waits for, or undefined when none is armed. */
  get nextWake(): number | undefined {
    return this.timer === undefined ? undefined : this.armedFor;
  }
}
