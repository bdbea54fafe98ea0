import assert from 'node:assert/strict';
import { test } from 'node:test';
import { smoothRoundRobin } from './round-robin.js';
import { call, candidates, ep, manualClock, tally } from './test-support.js';

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
