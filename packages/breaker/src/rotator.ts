import { EventEmitter } from 'node:events';

export interface Rotator {
  readonly emitter: EventEmitter;
  readonly timer: NodeJS.Timeout;
  users: number;
  /** Buckets rotated so far: a clock in bucket units that a counter reads without calling Date.now(). */
  ticks: number;
}

// One interval per bucket length for the whole process, however many breakers: opossum otherwise
// starts a setInterval per breaker (two with snapshots), which is what makes thousands of
// per-endpoint breakers expensive (opossum PR #809).
const rotators = new Map<number, Rotator>();

/** The shared rotator for buckets of `intervalMs` (its `emitter` is opossum's `rotateBucketController`); started on first use. */
export function acquireRotator(intervalMs: number): Rotator {
  let r = rotators.get(intervalMs);
  if (r === undefined) {
    const emitter = new EventEmitter();
    emitter.setMaxListeners(0); // one listener per breaker, by design
    const timer = setInterval(() => {
      r!.ticks++;
      emitter.emit('rotate');
    }, intervalMs);
    timer.unref(); // statistics must never keep a process alive
    r = { emitter, timer, users: 0, ticks: 0 };
    rotators.set(intervalMs, r);
  }
  r.users++;
  return r;
}

/** Gives back one use; the interval stops when the last breaker using it is shut down. */
export function releaseRotator(intervalMs: number): void {
  const r = rotators.get(intervalMs);
  if (r === undefined) return;
  if (--r.users <= 0) {
    clearInterval(r.timer);
    rotators.delete(intervalMs);
  }
}

/** How many rotators run (for tests: none once every breaker is gone). */
export function activeRotators(): number {
  return rotators.size;
}
