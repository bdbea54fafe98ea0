import assert from 'node:assert/strict';
import { test } from 'node:test';
import { weightedRandom } from './random.js';
import { call, candidates, ep, seeded, tally } from './test-support.js';

function share(counts: Map<string, number>, host: string, total: number): number {
  return (counts.get(host) ?? 0) / total;
}

test('weighted random follows the weights (3:1)', () => {
  const lb = weightedRandom({ random: seeded(1) });
  const set = candidates([ep('a', 1, 300), ep('b', 1, 100)]);
  const counts = tally(() => lb.pick(set, call()), 40_000);
  assert.ok(Math.abs(share(counts, 'a', 40_000) - 0.75) < 0.01, `a got ${share(counts, 'a', 40_000)}`);
});

test('equal weights are uniform', () => {
  const lb = weightedRandom({ random: seeded(2) });
  const set = candidates([ep('a'), ep('b'), ep('c'), ep('d')]);
  const counts = tally(() => lb.pick(set, call()), 40_000);
  for (const h of ['a', 'b', 'c', 'd']) assert.ok(Math.abs(share(counts, h, 40_000) - 0.25) < 0.01, `${h}: ${share(counts, h, 40_000)}`);
});

test('weight 0 is never chosen while another has weight; all zero is uniform', () => {
  const lb = weightedRandom({ random: seeded(3) });
  const counts = tally(() => lb.pick(candidates([ep('a', 1, 0), ep('b', 1, 10), ep('c', 1, 0)]), call()), 2000);
  assert.deepEqual(Object.fromEntries(counts), { b: 2000 });
  const zero = tally(() => lb.pick(candidates([ep('a', 1, 0), ep('b', 1, 0)]), call()), 2000);
  assert.ok((zero.get('a') ?? 0) > 900 && (zero.get('b') ?? 0) > 900);
});

test('the draw maps [0,1) onto weight intervals exactly', () => {
  let r = 0;
  const lb = weightedRandom({ random: () => r });
  const set = candidates([ep('a', 1, 1), ep('b', 1, 2), ep('c', 1, 1)]);
  const at = (x: number): string => ((r = x), lb.pick(set, call()).endpoint.host);
  assert.deepEqual([at(0), at(0.2499), at(0.25), at(0.7499), at(0.75), at(0.9999)], ['a', 'a', 'b', 'b', 'c', 'c']);
});
