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

/**
 * A consumer's life in miniature: picks send calls (the chosen endpoint's count goes up), calls end
 * in any order (the count goes down and the balancer is told, as the runtime tells it), and every
 * pick must land on an endpoint with the fewest calls in flight at that moment.
 */
function simulate(n: number, weightOf: (i: number) => number, steps: number, seed: number, load = 4 * n, bound = false) {
  const lb = leastPending({ random: seeded(seed) });
  const set = candidates(Array.from({ length: n }, (_, i) => ep(`10.0.${i >> 8}.${i & 255}`, 20880, weightOf(i))));
  // As the runtime does: a reporter per endpoint, made before the balancer saw any pick.
  const reporters = new Map(bound ? set.map((c) => [c.endpoint, lb.reporter!(c.endpoint)] as const) : []);
  let reads = 0;
  const counted = set.map((c) => {
    let pending = 0;
    return { endpoint: c.endpoint, get pending() { reads++; return pending; }, set pending(v: number) { pending = v; } };
  });
  const inFlight: typeof counted = [];
  // How many endpoints have each count: the true least without reading every endpoint per step.
  const having = [n];
  const rnd = seeded(seed + 1000);
  let picks = 0;
  for (let step = 0; step < steps; step++) {
    // Up to `load` calls out (4 per endpoint: the least is rarely 0, so ties are few and a count
    // filed wrong shows).
    if (inFlight.length > 0 && (inFlight.length >= load || rnd() < 0.3)) {
      const k = Math.floor(rnd() * inFlight.length);
      const done = inFlight[k]!;
      inFlight[k] = inFlight[inFlight.length - 1]!;
      inFlight.pop();
      const was = done.pending;
      reads--; // the simulation's own read
      done.pending = was - 1;
      having[was]!--;
      having[was - 1]!++;
      if (bound) reporters.get(done.endpoint)!.report(1, undefined);
      else lb.report!(done.endpoint, 1, undefined);
      continue;
    }
    let least = 0;
    while (having[least] === 0) least++;
    const chosen = lb.pick(counted, call());
    picks++;
    const pending = chosen.pending;
    reads--; // the simulation's own read
    assert.equal(pending, least, `step ${step}: picked one with ${pending} in flight while the least had ${least}`);
    chosen.pending = pending + 1;
    having[pending]!--;
    having[pending + 1] = (having[pending + 1] ?? 0) + 1;
    inFlight.push(chosen);
  }
  return { readsPerPick: reads / picks };
}

test('over 300 endpoints with calls starting and ending in any order, every pick has the fewest in flight', () => {
  simulate(300, () => 100, 40_000, 5);
});

test('the same with unequal weights (ties drawn by weight)', () => {
  simulate(300, (i) => [100, 200, 50, 0][i % 4]!, 40_000, 6);
});

test('the same told through reporters bound once per endpoint (the runtime\'s way)', () => {
  simulate(300, () => 100, 40_000, 9, 4 * 300, true);
});

test('a pick over 5,000 endpoints reads a handful of pending counts, not 5,000 (O(1) amortized)', () => {
  // Per pick: the drawn one, two swept, one per ended call told by `report`, more when a draw was
  // stale or, with weights, refused; the first pick files all 5,000, spread here over 20,000 picks.
  // The scan this replaced read 5,000 per pick.
  const { readsPerPick } = simulate(5000, () => 100, 40_000, 7, 128);
  assert.ok(readsPerPick < 8, `${readsPerPick.toFixed(2)} pending reads per pick`);
  const weighted = simulate(5000, (i) => 100 * (1 + (i % 3)), 40_000, 8, 128);
  assert.ok(weighted.readsPerPick < 8, `weighted: ${weighted.readsPerPick.toFixed(2)} pending reads per pick`);
});

test('a count that falls unreported (another reference sharing the connection) is seen within n / 2 picks', () => {
  const lb = leastPending({ random: seeded(9) });
  const set = candidates(Array.from({ length: 100 }, (_, i) => ep(`10.1.0.${i}`)));
  for (const c of set) c.pending = 3;
  set[42]!.pending = 9;
  lb.pick(set, call()); // files every endpoint, 42 under 9
  set[42]!.pending = 0; // its calls ended elsewhere; nobody reports them to this balancer
  let picks = 0;
  while (lb.pick(set, call()) !== set[42]) {
    picks++;
    assert.ok(picks <= 51, 'endpoint 42 was not found with the fewest in flight within 51 picks');
  }
  // Found once: it stays the one with the fewest.
  for (let i = 0; i < 20; i++) assert.equal(lb.pick(set, call()), set[42]);
});

test('a count that changes on every read cannot make a pick spin', () => {
  const lb = leastPending({ random: seeded(10) });
  let tick = 0;
  const set = Array.from({ length: 50 }, (_, i) => ({ endpoint: ep(`10.2.0.${i}`, 20880, 1 + (i % 5)), get pending() { return (tick++ * 7919) % 13; } }));
  for (let i = 0; i < 200; i++) assert.ok(set.includes(lb.pick(set, call())));
});

test('weighted ties over 1,000 endpoints: shares follow the weights', () => {
  const lb = leastPending({ random: seeded(11) });
  const set = candidates(Array.from({ length: 1000 }, (_, i) => ep(`10.3.${i >> 8}.${i & 255}`, 20880, i % 2 === 0 ? 100 : 300)));
  set[1]!.pending = 1; // one heavy endpoint is busy: never chosen while others have none
  let heavy = 0;
  for (let i = 0; i < 40_000; i++) {
    const c = lb.pick(set, call());
    assert.notEqual(c, set[1]);
    if (c.endpoint.weight === 300) heavy++;
  }
  // 499 heavy at 300 against 500 light at 100: 149,700 / 199,700 = 0.7496.
  assert.ok(Math.abs(heavy / 40_000 - 0.7496) < 0.01, `heavy share ${heavy / 40_000}`);
});
