import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, RpcError } from '@meshlet/core';
import { P2C_DEFAULTS, p2c } from './p2c.js';
import { call, candidates, ep, manualClock, seeded, type TestCandidate } from './test-support.js';

/** Runs `calls` sequential calls, each taking its endpoint's latency of the moment, and counts picks. */
function drive(lb: ReturnType<typeof p2c>, set: TestCandidate[], clock: ReturnType<typeof manualClock>, latency: (host: string) => number, calls: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < calls; i++) {
    const c = lb.pick(set, call());
    const host = c.endpoint.host;
    counts.set(host, (counts.get(host) ?? 0) + 1);
    clock.advance(1);
    lb.report!(c.endpoint, latency(host), undefined);
  }
  return counts;
}

test('p2c moves traffic away from a slow endpoint', () => {
  const clock = manualClock();
  const lb = p2c({ random: seeded(11), clock: clock.now });
  const set = candidates([ep('a'), ep('b'), ep('slow')]);
  drive(lb, set, clock, () => 2, 300); // all equal at first
  const counts = drive(lb, set, clock, (h) => (h === 'slow' ? 100 : 2), 3000);
  const slow = (counts.get('slow') ?? 0) / 3000;
  assert.ok(slow < 0.05, `slow endpoint still got ${slow}`);
  assert.ok((counts.get('a') ?? 0) > 1200 && (counts.get('b') ?? 0) > 1200, JSON.stringify([...counts]));
});

test('p2c weighs pending calls: a loaded endpoint loses against an idle one of equal latency', () => {
  const clock = manualClock();
  const lb = p2c({ random: seeded(12), clock: clock.now });
  const set = candidates([ep('a'), ep('b')]);
  for (const c of set) lb.report!(c.endpoint, 5, undefined);
  lb.pick(set, call());
  for (const c of set) lb.report!(c.endpoint, 5, undefined);
  set[0]!.pending = 4;
  for (let i = 0; i < 20; i++) assert.equal(lb.pick(set, call()).endpoint.host, 'b');
});

test('an endpoint recovers: once fast again, its decayed estimate brings traffic back', () => {
  const clock = manualClock();
  const lb = p2c({ random: seeded(13), clock: clock.now, decayMs: 1000 });
  const set = candidates([ep('a'), ep('b')]);
  drive(lb, set, clock, (h) => (h === 'b' ? 200 : 2), 500);
  clock.advance(10_000); // idle: b's estimate decays towards zero, so it gets probed
  const counts = drive(lb, set, clock, () => 2, 2000);
  assert.ok((counts.get('b') ?? 0) > 700, JSON.stringify([...counts]));
});

test('a new endpoint is probed once, then waits for its first answer', () => {
  const clock = manualClock();
  const lb = p2c({ random: seeded(14), clock: clock.now });
  const set = candidates([ep('old'), ep('new')]);
  lb.pick(set, call());
  lb.report!(set[0]!.endpoint, 3, undefined);
  const first = lb.pick(set, call());
  assert.equal(first.endpoint.host, 'new');
  set[1]!.pending = 1;
  for (let i = 0; i < 20; i++) assert.equal(lb.pick(set, call()).endpoint.host, 'old');
});

test('failures count as slow (no black hole); business errors and cancellations do not', () => {
  const clock = manualClock();
  const lb = p2c({ random: seeded(15), clock: clock.now });
  const set = candidates([ep('a'), ep('b')]);
  lb.pick(set, call());
  lb.report!(set[0]!.endpoint, 2, undefined);
  lb.report!(set[1]!.endpoint, 2, undefined);
  clock.advance(1);
  // b fails fast: with the penalty it must look slower than a, never faster.
  lb.report!(set[1]!.endpoint, 0.1, new RpcError(Code.ConnectionClosed, 'refused'));
  for (let i = 0; i < 20; i++) assert.equal(lb.pick(set, call()).endpoint.host, 'a');
  // a answers with a business exception quickly, and a cancelled call is ignored: a stays preferred.
  lb.report!(set[0]!.endpoint, 1, new RpcError(Code.Business, 'IllegalStateException'));
  lb.report!(set[0]!.endpoint, 5000, new RpcError(Code.Cancelled, 'caller gave up'));
  for (let i = 0; i < 20; i++) assert.equal(lb.pick(set, call()).endpoint.host, 'a');
});

test('update() forgets departed endpoints; late reports for them are ignored', () => {
  const clock = manualClock();
  const lb = p2c({ random: seeded(16), clock: clock.now });
  const a = ep('a'), b = ep('b');
  lb.update([a, b]);
  lb.pick(candidates([a, b]), call());
  lb.update([a]);
  lb.report!(b, 1, undefined);
  assert.equal(lb.pick(candidates([a]), call()).endpoint.host, 'a');
});

test('cold start: a slow first connect is not taken for a slow endpoint (two fresh endpoints share at once)', () => {
  // Both connect on first use; a's connection took 96 ms, b's 3 ms. Every call after that takes
  // 0.2 ms on either. Seen before: a got 3 of 1,217 calls in the first second.
  const clock = manualClock();
  const lb = p2c({ random: seeded(17), clock: clock.now });
  const set = candidates([ep('a'), ep('b')]);
  lb.pick(set, call());
  clock.advance(3);
  lb.report!(set[1]!.endpoint, 3, undefined);
  clock.advance(93);
  lb.report!(set[0]!.endpoint, 96, undefined);
  const counts = new Map<string, number>();
  for (let i = 0; i < 1000; i++) {
    const c = lb.pick(set, call());
    counts.set(c.endpoint.host, (counts.get(c.endpoint.host) ?? 0) + 1);
    clock.advance(0.25);
    lb.report!(c.endpoint, 0.2, undefined);
  }
  assert.ok((counts.get('a') ?? 0) > 300 && (counts.get('b') ?? 0) > 300, JSON.stringify([...counts]));
  assert.ok(lb.latencyOf!(set[0]!.endpoint)! < 1, 'a is estimated by its calls, not its connect');
});

test('cold start: an endpoint that is slow on every call is still found slow after its one probe', () => {
  const clock = manualClock();
  const lb = p2c({ random: seeded(18), clock: clock.now });
  const set = candidates([ep('a'), ep('slow')]);
  lb.pick(set, call());
  clock.advance(5);
  lb.report!(set[0]!.endpoint, 5, undefined);
  lb.report!(set[1]!.endpoint, 5, undefined);
  const counts = drive(lb, set, clock, (h) => (h === 'slow' ? 80 : 1), 2000);
  assert.ok((counts.get('slow') ?? 0) < 100, JSON.stringify([...counts]));
});

test('a reporter bound before the endpoint is known, or kept across its leaving and coming back, records on the current state', () => {
  const clock = manualClock();
  const lb = p2c({ random: seeded(21), clock: clock.now });
  const a = ep('a');
  const b = ep('b');
  // The runtime binds a member's reporter before it tells the balancer the new set.
  const reportA = lb.reporter!(a);
  lb.update([a, b]);
  reportA.report(40, undefined);
  assert.equal(lb.latencyOf!(a), 40);
  lb.update([b]); // a leaves: its state is dropped and a late report must not bring it back
  reportA.report(5, undefined);
  assert.equal(lb.latencyOf!(a), undefined);
  const again = ep('a'); // a comes back (a new Endpoint object, the same address)
  lb.update([again, b]);
  reportA.report(7, undefined);
  assert.equal(lb.latencyOf!(again), 7, 'the old reporter finds the new state by address');
  lb.reporter!(b).report(3, new Error('refused'));
  assert.equal(lb.latencyOf!(b), P2C_DEFAULTS.failurePenaltyMs, 'a failure counts as the penalty, as report does');
});
