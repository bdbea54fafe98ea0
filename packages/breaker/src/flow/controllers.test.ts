import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FlowRules } from './flow-rules.js';
import { nextUp } from './controllers.js';

/** A clock the test moves; starts on a whole second, as Sentinel's windows are aligned to the epoch. */
function clock(start = 1_000_000) {
  const c = { now: start, read: () => c.now };
  return c;
}

/** Calls `n` times at the clock's current time; returns what each got (0 pass, >0 wait, -1 refused). */
function offer(flow: FlowRules, resource: string, n: number, origin = ''): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(flow.entry(resource, origin));
  return out;
}
const passed = (r: number[]) => r.filter((x) => x >= 0).length;

/** `n` calls at the start of each of `seconds` seconds: what each second's calls got. */
function everySecond(c: { now: number }, flow: FlowRules, seconds: number, n: number): number[][] {
  const out: number[][] = [];
  for (let s = 0; s < seconds; s++) {
    out.push(offer(flow, 'r', n));
    c.now += 1000;
  }
  return out;
}

test('QPS 10, reject: 10 admitted in a second, the 11th refused; the 2 x 500 ms window slides', () => {
  const c = clock();
  const flow = new FlowRules({ clock: c.read, rules: [{ resource: 'r', count: 10 }] });
  assert.deepEqual(offer(flow, 'r', 15), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, -1, -1, -1]);
  assert.deepEqual(flow.refusal('r'), flow.rules()[0]);
  c.now += 999; // the first bucket is still in the window
  assert.equal(passed(offer(flow, 'r', 5)), 0);
  c.now += 1; // a whole second later both buckets are new
  assert.equal(passed(offer(flow, 'r', 15)), 10);
  // Sliding: 4 in the first half of a second, 6 in the second half; 500 ms on, the first half has
  // left the window and exactly its 4 places are free again.
  c.now += 1000;
  assert.equal(passed(offer(flow, 'r', 4)), 4);
  c.now += 500;
  assert.equal(passed(offer(flow, 'r', 10)), 6);
  c.now += 500;
  assert.equal(passed(offer(flow, 'r', 10)), 4);
  assert.deepEqual(flow.stats('r'), { passQps: 10, previousPassQps: 10, threads: 0 });
});

test('QPS with a fractional count admits as Sentinel does (passQps + 1 <= count)', () => {
  const c = clock();
  const flow = new FlowRules({ clock: c.read, rules: [{ resource: 'r', count: 2.5 }] });
  assert.equal(passed(offer(flow, 'r', 5)), 2);
  const zero = new FlowRules({ clock: c.read, rules: [{ resource: 'z', count: 0 }] });
  assert.equal(passed(offer(zero, 'z', 3)), 0, 'count 0 refuses everything');
});

test('THREAD 128: 128 in flight admitted, the 129th refused, one more once one ends', () => {
  const flow = new FlowRules({ rules: [{ resource: 'r', grade: 0, count: 128 }] });
  assert.equal(passed(offer(flow, 'r', 128)), 128);
  assert.equal(flow.entry('r'), -1);
  assert.equal(flow.stats('r').threads, 128);
  flow.exit('r');
  assert.equal(flow.entry('r'), 0);
  assert.equal(flow.entry('r'), -1);
  for (let i = 0; i < 128; i++) flow.exit('r');
  assert.equal(flow.stats('r').threads, 0);
});

test('warm up (count 10, 10 s, coldFactor 3): count / coldFactor at a cold start, then Sentinel\'s ramp to 10', () => {
  const c = clock();
  const flow = new FlowRules({ clock: c.read, rules: [{ resource: 'r', count: 10, controlBehavior: 1, warmUpPeriodSec: 10 }] });
  const perSecond = everySecond(c, flow, 20, 30).map(passed);
  // warningToken 50, maxToken 100, slope 0.004: at a cold start 1 / (50 * 0.004 + 1 / 10) = 3.33
  // calls/s, and each saturated second spends the tokens its previous second passed. The figures
  // are those of an independent model of WarmUpController's arithmetic (int casts included).
  assert.deepEqual(perSecond, [3, 3, 3, 3, 3, 4, 4, 4, 5, 5, 6, 7, 10, 10, 10, 10, 10, 10, 10, 10]);
});

test('warm up (count 100, 5 s): 33 at a cold start, 100 once warm; idle long enough, cold again', () => {
  const c = clock();
  const flow = new FlowRules({ clock: c.read, rules: [{ resource: 'r', count: 100, controlBehavior: 1, warmUpPeriodSec: 5 }] });
  const perSecond = everySecond(c, flow, 12, 300).map(passed);
  assert.deepEqual(perSecond, [33, 36, 40, 46, 56, 76, 100, 100, 100, 100, 100, 100]);
  c.now += 60_000; // tokens refill while traffic is below count / coldFactor
  assert.equal(passed(offer(flow, 'r', 300)), 33);
});

test('rate limiter (count 10, queue 500 ms): passes 100 ms apart, queued up to 500 ms, refused beyond', () => {
  const c = clock();
  const flow = new FlowRules({ clock: c.read, rules: [{ resource: 'r', count: 10, controlBehavior: 2, maxQueueingTimeMs: 500 }] });
  assert.deepEqual(offer(flow, 'r', 8), [0, 100, 200, 300, 400, 500, -1, -1]);
  c.now += 250; // the last turn taken is at +500: the next is at +600, 350 ms from now
  assert.deepEqual(offer(flow, 'r', 3), [350, 450, -1]);
  c.now += 10_000; // idle: the next call passes at once
  assert.deepEqual(offer(flow, 'r', 2), [0, 100]);
  // A count that does not divide 1000 paces to the nanosecond (Sentinel's nanosecond mode): 3/s is
  // 333.333333 ms apart, so the 4th call waits 999.999999 ms and fits a 1000 ms queue.
  const odd = new FlowRules({ clock: c.read, rules: [{ resource: 'o', count: 3, controlBehavior: 2, maxQueueingTimeMs: 1000 }] });
  const waits = offer(odd, 'o', 5);
  assert.deepEqual(waits.slice(0, 4).map((w) => Math.round(w * 1e6) / 1e6), [0, 333.333333, 666.666666, 999.999999]);
  assert.equal(waits[4], -1);
  // Sentinel's millisecond mode rounds: 10.4/s is 96 ms apart (round(1000 / 10.4)), not 96.15.
  const ms = new FlowRules({ clock: c.read, rules: [{ resource: 'm', count: 10.4, controlBehavior: 2, maxQueueingTimeMs: 500 }] });
  assert.deepEqual(offer(ms, 'm', 3), [0, 96, 192]);
});

test('warm up + rate limiter: paced at the warm-up allowance (cold: 1000 / 3.33 = 300 ms), then 1000 / count', () => {
  const c = clock();
  const flow = new FlowRules({ clock: c.read, rules: [{ resource: 'r', count: 10, controlBehavior: 3, warmUpPeriodSec: 10, maxQueueingTimeMs: 1000 }] });
  const seconds = everySecond(c, flow, 40, 12);
  // 12 calls at the start of each second, each admitted call counted when admitted; the figures
  // are an independent model's of WarmUpRateLimiterController (Math.round of 1000 / warmingQps).
  const refused = (n: number) => Array<number>(n).fill(-1);
  assert.deepEqual(seconds[0], [0, 300, 600, 900, ...refused(8)]);
  assert.deepEqual(seconds[1], [184, 468, 752, ...refused(9)]);
  assert.deepEqual(seconds[5], [48, 272, 496, 720, 944, ...refused(7)]);
  assert.deepEqual(seconds[9], [8, 148, 288, 428, 568, 708, 848, 988, ...refused(4)]);
  assert.deepEqual(seconds.map(passed), [4, 3, 4, 4, 4, 5, 5, 5, 6, 8, 9, ...Array<number>(29).fill(10)]);
  assert.deepEqual(seconds[39], [60, 160, 260, 360, 460, 560, 660, 760, 860, 960, -1, -1]);
});

test('nextUp is Java\'s Math.nextUp', () => {
  assert.equal(nextUp(1), 1 + Number.EPSILON);
  assert.ok(nextUp(10 / 3) > 10 / 3);
  assert.equal(nextUp(2 ** 52 - 0.5), 2 ** 52);
});
