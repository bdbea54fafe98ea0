import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Endpoint } from '@meshlet/core';
import { smoothRoundRobin } from './round-robin.js';
import { warmupWeight } from './warmup.js';
import { call, candidates, ep, manualClock, seeded, tally, type TestCandidate } from './test-support.js';

test('smooth weighted round robin: weights 5,1,1 give a,a,b,a,c,a,a and repeat', () => {
  const lb = smoothRoundRobin();
  const set = candidates([ep('a', 1, 5), ep('b', 1, 1), ep('c', 1, 1)]);
  const seq = Array.from({ length: 14 }, () => lb.pick(set, call()).endpoint.host).join(',');
  assert.equal(seq, 'a,a,b,a,c,a,a,a,a,b,a,c,a,a');
});

test('equal weights rotate strictly', () => {
  const lb = smoothRoundRobin();
  const set = candidates([ep('a'), ep('b'), ep('c')]);
  const seq = Array.from({ length: 6 }, () => lb.pick(set, call()).endpoint.host).join('');
  assert.equal(seq, 'abcabc');
});

test('exact shares over a full period, and weight 0 gets nothing', () => {
  const lb = smoothRoundRobin();
  const set = candidates([ep('a', 1, 3), ep('b', 1, 2), ep('z', 1, 0), ep('c', 1, 1)]);
  const counts = tally(() => lb.pick(set, call()), 600);
  assert.deepEqual(Object.fromEntries(counts), { a: 300, b: 200, c: 100 });
});

test('all weights zero still rotates', () => {
  const lb = smoothRoundRobin();
  const set = candidates([ep('a', 1, 0), ep('b', 1, 0)]);
  const counts = tally(() => lb.pick(set, call()), 10);
  assert.deepEqual(Object.fromEntries(counts), { a: 5, b: 5 });
});

test('a new candidate array with the same endpoints keeps the credits (no restart of the sequence)', () => {
  const lb = smoothRoundRobin();
  const a = ep('a', 1, 5), b = ep('b', 1, 1), c = ep('c', 1, 1);
  const picks: string[] = [];
  for (let i = 0; i < 7; i++) picks.push(lb.pick(candidates([a, b, c]), call()).endpoint.host);
  assert.equal(picks.join(','), 'a,a,b,a,c,a,a');
});

test('warm-up: a provider started 30 s into a 60 s warm-up gets half its weight', () => {
  const clock = manualClock();
  const lb = smoothRoundRobin({ clock: clock.now });
  const old = ep('old', 1, 100);
  const fresh = ep('new', 1, 100, { timestamp: String(clock.now() - 30_000), warmup: '60000' });
  const counts = tally(() => lb.pick(candidates([old, fresh]), call()), 1500);
  assert.deepEqual(Object.fromEntries(counts), { old: 1000, new: 500 });
});

test('equal weights: plain rotation over 5,000 endpoints (every endpoint exactly twice in 10,000 picks), and back to smooth when weights differ', () => {
  const lb = smoothRoundRobin();
  const set = candidates(Array.from({ length: 5000 }, (_, i) => ep(`h${i}`)));
  const counts = new Map<string, number>();
  for (let i = 0; i < 10_000; i++) {
    const h = lb.pick(set, call()).endpoint.host;
    counts.set(h, (counts.get(h) ?? 0) + 1);
  }
  assert.equal(counts.size, 5000);
  assert.ok([...counts.values()].every((n) => n === 2));
  const weighted = candidates([ep('a', 20880, 5), ep('b', 20880, 1), ep('c', 20880, 1)]);
  const seq = Array.from({ length: 7 }, () => lb.pick(weighted, call()).endpoint.host).join('');
  assert.equal([...seq].filter((h) => h === 'a').length, 5, seq);
});

let ramping: (e: Endpoint) => boolean = () => false;

/**
 * Smooth round robin as the full pass does it, credits by address, with its plain rotation over an
 * array whose weights are all equal: the reference the heaps must match choice for choice.
 */
function reference(weightOf: (e: Endpoint) => number = (e) => Math.max(0, e.weight)) {
  const credits = new Map<string, number>();
  let last: unknown;
  let uniform = false;
  let turn = 0;
  return (set: readonly { endpoint: Endpoint }[]): number => {
    if (set !== last) uniform = false;
    last = set;
    if (uniform) return (turn = (turn + 1) % set.length);
    let total = 0;
    let best = 0;
    let bestCredit = -Infinity;
    set.forEach((c, i) => {
      const key = `${c.endpoint.host}:${c.endpoint.port}`;
      const w = weightOf(c.endpoint);
      const credit = (credits.get(key) ?? 0) + w;
      credits.set(key, credit);
      total += w;
      if (credit > bestCredit) {
        bestCredit = credit;
        best = i;
      }
    });
    if (total <= 0) return (turn = (turn + 1) % set.length); // no weight anywhere: plain rotation
    const key = `${set[best]!.endpoint.host}:${set[best]!.endpoint.port}`;
    credits.set(key, credits.get(key)! - total);
    if (set.every((c) => weightOf(c.endpoint) === weightOf(set[0]!.endpoint) && !ramping(c.endpoint))) {
      uniform = true;
      turn = best;
    }
    return best;
  };
}

test('unequal integer weights: the same choices as the full pass, across new arrays, subsets and returning endpoints', () => {
  const rnd = seeded(12);
  for (let round = 0; round < 40; round++) {
    const lb = smoothRoundRobin();
    const ref = reference();
    const pool = Array.from({ length: 2 + Math.floor(rnd() * 12) }, (_, i) => ep(`10.4.${round}.${i}`, 20880, [0, 1, 2, 3, 5, 100][Math.floor(rnd() * 6)]!));
    let set = candidates(pool);
    for (let k = 0; k < 400; k++) {
      const r = rnd();
      if (r < 0.02) set = candidates(pool.filter(() => rnd() < 0.7)); // some endpoints out (breakers), credits kept for the rest
      else if (r < 0.04) set = candidates(pool); // all back, in a fresh array
      if (set.length === 0) set = candidates(pool);
      const want = set.length === 1 ? 0 : ref(set);
      const got = lb.pick(set, call());
      assert.equal(got, set[want], `round ${round}, pick ${k}: weights ${set.map((c) => c.endpoint.weight).join(',')}`);
    }
  }
});

test('unequal weights over 5,000 endpoints: exact shares over a period', () => {
  const lb = smoothRoundRobin();
  const set = candidates(Array.from({ length: 5000 }, (_, i) => ep(`10.5.${i >> 8}.${i & 255}`, 20880, 1 + (i % 3))));
  const counts = new Map<TestCandidate, number>();
  // One period of smooth round robin is as many picks as the weights add up to (9,999 here).
  const total = set.reduce((a, c) => a + c.endpoint.weight, 0);
  for (let i = 0; i < total; i++) {
    const c = lb.pick(set, call());
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  set.forEach((c, i) => assert.equal(counts.get(c) ?? 0, c.endpoint.weight, `endpoint ${i}`));
});

test('once a warm-up ends, shares follow the full weights exactly (the fast path takes over with the credits)', () => {
  const clock = manualClock();
  const lb = smoothRoundRobin({ clock: clock.now });
  const set = candidates([ep('a', 1, 100), ep('b', 1, 200, { timestamp: String(clock.now() - 30_000), warmup: '60000' })]);
  for (let i = 0; i < 1000; i++) lb.pick(set, call());
  clock.advance(60_000);
  lb.pick(set, call()); // the full pass sees every ramp ended
  const counts = tally(() => lb.pick(set, call()), 3000);
  assert.deepEqual(Object.fromEntries(counts), { a: 1000, b: 2000 });
});

test('endpoints warming up among unequal weights: the same choices as the full pass, through the end of each ramp', () => {
  const rnd = seeded(13);
  const clock = manualClock();
  const start = clock.now();
  // Dubbo's ramp, written out: weight × uptime / warmup, at least 1, until the warm-up is over.
  const weightOf = (e: Endpoint) => {
    const uptime = clock.now() - Number(e.params.timestamp ?? 0);
    return e.params.timestamp !== undefined && e.weight > 1 && uptime < 60_000 ? warmupWeight(uptime, 60_000, e.weight) : Math.max(0, e.weight);
  };
  ramping = (e) => e.params.timestamp !== undefined && e.weight > 1 && clock.now() - Number(e.params.timestamp) < 60_000;
  try {
    // The first rounds have equal weights: once the ramps end, the picks turn to plain rotation.
    for (let round = 0; round < 20; round++) {
      clock.set(start);
      const lb = smoothRoundRobin({ clock: clock.now });
      const ref = reference(weightOf);
      const pool = Array.from({ length: 2 + Math.floor(rnd() * 10) }, (_, i) => ep(`10.6.${round}.${i}`, 20880, round < 5 ? 100 : [1, 2, 3, 100, 100][Math.floor(rnd() * 5)]!,
        rnd() < 0.4 ? { timestamp: String(start - Math.floor(rnd() * 50_000)), warmup: '60000' } : {}));
      const set = candidates(pool);
      for (let k = 0; k < 600; k++) {
        clock.advance(Math.floor(rnd() * 200));
        const want = ref(set);
        assert.equal(lb.pick(set, call()), set[want], `round ${round}, pick ${k}`);
      }
    }
  } finally {
    ramping = () => false;
  }
});
