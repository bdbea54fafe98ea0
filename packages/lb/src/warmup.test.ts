import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EndpointState } from './endpoint-state.js';
import { weightedRandom } from './random.js';
import { call, candidates, ep, manualClock, seeded, tally } from './test-support.js';
import { DEFAULT_WARMUP_MS, warmupWeight } from './warmup.js';

test('warm-up weight ramps linearly from 1 to the full weight (Dubbo values)', () => {
  assert.equal(warmupWeight(1, 600_000, 100), 1);
  assert.equal(warmupWeight(60_000, 600_000, 100), 10);
  assert.equal(warmupWeight(300_000, 600_000, 100), 50);
  assert.equal(warmupWeight(599_999, 600_000, 100), 99);
  assert.equal(warmupWeight(600_000, 600_000, 100), 100);
  assert.equal(warmupWeight(10_000, 600_000, 7), 1);
  // Float rounding as Java does it: 600000/3 is not exact in float.
  assert.equal(warmupWeight(400_000, 600_000, 3), 2);
});

test('an endpoint state ramps with time, then stops reading the clock', () => {
  const clock = manualClock();
  const e = ep('a', 1, 100, { timestamp: String(clock.now()), warmup: '100000' });
  const s = new EndpointState(e, undefined, clock.now());
  assert.equal(s.weightAt(clock.now()), 1);
  clock.advance(25_000);
  assert.equal(s.weightAt(clock.now()), 25);
  clock.advance(75_000);
  assert.equal(s.weightAt(clock.now()), 100);
  assert.equal(s.warm, true);
});

test('no timestamp, or weight <= 1: no warm-up; missing warmup means 10 minutes', () => {
  assert.equal(new EndpointState(ep('a', 1, 100)).warm, true);
  assert.equal(new EndpointState(ep('a', 1, 1, { timestamp: '1' }), undefined, 2).warm, true);
  const clock = manualClock();
  const s = new EndpointState(ep('a', 1, 100, { timestamp: String(clock.now() - DEFAULT_WARMUP_MS / 2) }), undefined, clock.now());
  assert.equal(s.weightAt(clock.now()), 50);
});

test('a provider whose clock is ahead of ours ramps from when we first saw it', () => {
  const clock = manualClock();
  const s = new EndpointState(ep('a', 1, 100, { timestamp: String(clock.now() + 3_600_000), warmup: '60000' }), undefined, clock.now());
  assert.equal(s.weightAt(clock.now()), 1);
  clock.advance(60_000);
  assert.equal(s.weightAt(clock.now()), 100);
});

test('warm-up ramp through a balancer: the new provider’s share grows to an even split', () => {
  const clock = manualClock();
  const lb = weightedRandom({ random: seeded(7), clock: clock.now });
  const set = candidates([ep('old'), ep('new', 20880, 100, { timestamp: String(clock.now()), warmup: '60000' })]);
  const shares: number[] = [];
  for (let i = 0; i <= 4; i++) {
    const counts = tally(() => lb.pick(set, call()), 20_000);
    shares.push((counts.get('new') ?? 0) / 20_000);
    clock.advance(15_000);
  }
  // Expected weight ratios: 1/101, 25/125, 50/150, 75/175, 100/200.
  const expected = [1 / 101, 0.2, 1 / 3, 75 / 175, 0.5];
  shares.forEach((s, i) => assert.ok(Math.abs(s - expected[i]!) < 0.015, `step ${i}: ${s} vs ${expected[i]}`));
});
