import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leastPending } from './least-pending.js';
import { call, candidates, ep, seeded, tally } from './test-support.js';

test('picks the endpoint with the fewest calls in flight', () => {
  const lb = leastPending({ random: seeded(1) });
  const set = candidates([ep('a'), ep('b'), ep('c')]);
  set[0]!.pending = 5;
  set[1]!.pending = 1;
  set[2]!.pending = 3;
  for (let i = 0; i < 50; i++) assert.equal(lb.pick(set, call()).endpoint.host, 'b');
});

test('ties are broken at random, evenly', () => {
  const lb = leastPending({ random: seeded(2) });
  const set = candidates([ep('a'), ep('b'), ep('c')]);
  set[2]!.pending = 1;
  const counts = tally(() => lb.pick(set, call()), 10_000);
  assert.equal(counts.get('c'), undefined);
  assert.ok(Math.abs((counts.get('a') ?? 0) - 5000) < 250, JSON.stringify([...counts]));
});

test('ties are drawn by weight when weights differ', () => {
  const lb = leastPending({ random: seeded(3) });
  const set = candidates([ep('a', 1, 300), ep('b', 1, 100), ep('c', 1, 1000)]);
  set[2]!.pending = 2;
  const counts = tally(() => lb.pick(set, call()), 20_000);
  assert.equal(counts.get('c'), undefined);
  const a = (counts.get('a') ?? 0) / 20_000;
  assert.ok(Math.abs(a - 0.75) < 0.015, `a share ${a}`);
});

test('calls spread as pending counts change (simulated in-flight calls)', () => {
  const lb = leastPending({ random: seeded(4) });
  const set = candidates([ep('a'), ep('b'), ep('c')]);
  for (let i = 0; i < 9; i++) lb.pick(set, call()).pending++;
  assert.deepEqual(set.map((c) => c.pending), [3, 3, 3]);
});
