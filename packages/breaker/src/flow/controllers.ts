import type { StatNode } from './stat-node.js';

/** A controller's answer: `PASS` now, `REFUSE`, or (> 0) pass after queueing that many ms. */
export const PASS = 0;
export const REFUSE = -1;

/**
 * Sentinel's `TrafficShapingController`, for one call (acquireCount 1). One instance per rule: the
 * state of the warm-up and pacing controllers (stored tokens, the last passed time) is the rule's,
 * as in Sentinel, while the counts it reads are the node's.
 */
export interface FlowController {
  canPass(node: StatNode, now: number): number;
}

/** Reject beyond `count`: calls passed in the last second (QPS) or in flight (THREAD). */
export class DefaultController implements FlowController {
  constructor(private readonly count: number, private readonly threads: boolean) {}

  canPass(node: StatNode, now: number): number {
    // Sentinel reads the QPS as an int: `(int) node.passQps()`.
    const current = this.threads ? node.threads : Math.trunc(node.passQps(now));
    return current + 1 > this.count ? REFUSE : PASS;
  }
}

/**
 * Sentinel's `WarmUpController` (Guava's SmoothWarmingUp as tokens): a resource that has been cold
 * admits `count / coldFactor` per second, and the allowance climbs to `count` over about
 * `warmUpPeriodSec` of steady traffic. The integer arithmetic is Java's (int and long casts).
 */
export class WarmUpController implements FlowController {
  protected readonly warningToken: number;
  protected readonly maxToken: number;
  protected readonly slope: number;
  protected storedTokens = 0;
  protected lastFilledTime = 0;

  constructor(protected readonly count: number, warmUpPeriodSec: number, protected readonly coldFactor: number) {
    // (int)(warmUpPeriodInSec * count) / (coldFactor - 1): int division.
    this.warningToken = Math.trunc(Math.trunc(warmUpPeriodSec * count) / (coldFactor - 1));
    this.maxToken = this.warningToken + Math.trunc((2 * warmUpPeriodSec * count) / (1.0 + coldFactor));
    this.slope = (coldFactor - 1.0) / count / (this.maxToken - this.warningToken);
  }

  canPass(node: StatNode, now: number): number {
    if (!(this.count > 0)) return REFUSE;
    const passQps = Math.trunc(node.passQps(now));
    this.syncToken(Math.trunc(node.previousPassQps(now)), now);
    const rest = this.storedTokens;
    if (rest >= this.warningToken) {
      return passQps + 1 <= this.warningQps(rest) ? PASS : REFUSE;
    }
    return passQps + 1 <= this.count ? PASS : REFUSE;
  }

  /** The rate allowed while `rest` tokens are stored above the warning line. */
  protected warningQps(rest: number): number {
    return nextUp(1.0 / ((rest - this.warningToken) * this.slope + 1.0 / this.count));
  }

  /** Once per whole second: refill tokens for the time gone by, spend the previous second's passes. */
  protected syncToken(previousQps: number, now: number): void {
    const current = now - (now % 1000);
    if (current <= this.lastFilledTime) return;
    let value = this.coolDownTokens(current, previousQps) - previousQps;
    if (value < 0) value = 0;
    this.storedTokens = value;
    this.lastFilledTime = current;
  }

  private coolDownTokens(current: number, passQps: number): number {
    const old = this.storedTokens;
    let value = old;
    // Tokens are added while well below the warning line, or above it while traffic is below what
    // a cold resource admits ((int)count / coldFactor, int division).
    if (old < this.warningToken) {
      value = Math.trunc(old + ((current - this.lastFilledTime) * this.count) / 1000);
    } else if (old > this.warningToken) {
      if (passQps < Math.trunc(Math.trunc(this.count) / this.coldFactor)) {
        value = Math.trunc(old + ((current - this.lastFilledTime) * this.count) / 1000);
      }
    }
    return Math.min(value, this.maxToken);
  }
}

/** The leaky bucket of both pacing controllers: passes spaced `cost` ms from the last one (queued or not). */
class Pacer {
  private latestPassedTime = -1;

  constructor(private readonly maxQueueingTimeMs: number) {}

  /** PASS, REFUSE (the wait would exceed the queueing limit), or the ms to queue before passing. */
  next(cost: number, now: number): number {
    const expected = cost + this.latestPassedTime;
    if (expected <= now) {
      this.latestPassedTime = now;
      return PASS;
    }
    const wait = expected - now;
    if (wait > this.maxQueueingTimeMs) return REFUSE;
    this.latestPassedTime = expected;
    return wait;
  }
}

/**
 * Sentinel's `ThrottlingController` (the "rate limiter" behavior, leaky bucket): passes are spaced
 * `1000 / count` ms apart; a call that would wait longer than `maxQueueingTimeMs` is refused, others
 * queue for their turn. Sentinel rounds the spacing to whole ms when count divides 1000 (more
 * exactly: when its rounded value does, and count <= 1000), else to the nanosecond: so does this.
 */
export class ThrottlingController implements FlowController {
  private readonly pacer: Pacer;
  /** The spacing, ms: whole ms where Sentinel counts in ms, else to the nanosecond as it does. */
  private readonly cost: number;

  constructor(private readonly count: number, maxQueueingTimeMs: number) {
    this.pacer = new Pacer(maxQueueingTimeMs);
    const nanos = 1000 % Math.round(count) !== 0 || count / 1000 > 1;
    this.cost = nanos ? Math.round((1e6 * 1000) / count) / 1e6 : Math.round(1000 / count);
  }

  canPass(_node: StatNode, now: number): number {
    if (!(this.count > 0)) return REFUSE;
    return this.pacer.next(this.cost, now);
  }
}

/**
 * Sentinel's `WarmUpRateLimiterController`: the warm-up allowance of `WarmUpController` as the pace
 * of the rate limiter (costs rounded to whole ms, as Sentinel's `Math.round`).
 */
export class WarmUpRateLimiterController extends WarmUpController {
  private readonly pacer: Pacer;

  constructor(count: number, warmUpPeriodSec: number, maxQueueingTimeMs: number, coldFactor: number) {
    super(count, warmUpPeriodSec, coldFactor);
    this.pacer = new Pacer(maxQueueingTimeMs);
  }

  override canPass(node: StatNode, now: number): number {
    if (!(this.count > 0)) return REFUSE;
    this.syncToken(Math.trunc(node.previousPassQps(now)), now);
    const rest = this.storedTokens;
    const cost = rest >= this.warningToken ? Math.round(1000 / this.warningQps(rest)) : Math.round(1000 / this.count);
    return this.pacer.next(cost, now);
  }
}

// Java's Math.nextUp for the positive finite values it is used on here: the next double up.
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LOW = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;

export function nextUp(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return x;
  f64[0] = x;
  if (u32[LOW] === 0xffffffff) {
    u32[LOW] = 0;
    u32[1 - LOW] = u32[1 - LOW]! + 1;
  } else {
    u32[LOW] = u32[LOW]! + 1;
  }
  return f64[0]!;
}
