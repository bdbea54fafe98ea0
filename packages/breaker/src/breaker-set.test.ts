import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mock, test } from 'node:test';
import { Code, RpcError, type Endpoint } from '@meshlet/core';
import { BreakerSet, type BreakerState } from './breaker-set.js';
import { activeRotators } from './rotator.js';
import { call, deferred, ep, failing, ok } from './test-support.js';

const refused = new RpcError(Code.ConnectionClosed, 'connection refused');
const unavailable = (e: unknown) => RpcError.is(e, Code.Unavailable);

function record(set: BreakerSet): string[] {
  const events: string[] = [];
  for (const name of ['open', 'halfOpen', 'close'] as const) set.on(name, (e: Endpoint) => events.push(`${name} ${e.host}`));
  return events;
}

test('opens after the configured failures, then refuses without calling the endpoint', async () => {
  const set = new BreakerSet({ volumeThreshold: 5, errorThresholdPercentage: 50 });
  const a = ep('a');
  const events = record(set);
  for (let i = 0; i < 4; i++) await assert.rejects(set.invoke(a, failing(refused), call()), refused);
  assert.equal(set.state(a), 'closed');
  await assert.rejects(set.invoke(a, failing(refused), call()), refused);
  assert.equal(set.state(a), 'open');
  assert.equal(set.allows(a), false);
  assert.deepEqual(events, ['open a']);
  let reached = 0;
  await assert.rejects(set.invoke(a, async () => void reached++, call()), unavailable);
  assert.equal(reached, 0);
  set.close();
});

test('the error rate decides: failures below the threshold keep it closed', async () => {
  const set = new BreakerSet({ volumeThreshold: 10, errorThresholdPercentage: 50 });
  const a = ep('a');
  for (let i = 0; i < 30; i++) {
    await (i % 3 === 0 ? set.invoke(a, failing(refused), call()).catch(() => {}) : set.invoke(a, ok, call()));
  }
  assert.equal(set.state(a), 'closed');
  set.close();
});

test('business exceptions do not count (and still reach the caller); local errors neither', async () => {
  const set = new BreakerSet({ volumeThreshold: 1 });
  const a = ep('a');
  const business = new RpcError(Code.Business, 'java.lang.IllegalStateException: no stock', { remoteClass: 'java.lang.IllegalStateException' });
  for (let i = 0; i < 50; i++) await assert.rejects(set.invoke(a, failing(business), call()), business);
  for (const code of [Code.Cancelled, Code.InvalidArgument, Code.Serialization, Code.Shutdown]) {
    await assert.rejects(set.invoke(a, failing(new RpcError(code, 'x')), call()));
  }
  assert.equal(set.state(a), 'closed');
  set.close();
  // They count as answered calls: the same single endpoint failure on a fresh breaker opens it.
  const fresh = new BreakerSet({ volumeThreshold: 1 });
  await assert.rejects(fresh.invoke(a, failing(new RpcError(Code.Timeout, 'slow')), call()));
  assert.equal(fresh.state(a), 'open');
  fresh.close();
});

test('half-opens after the reset timeout, lets one probe through, closes when it succeeds', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const set = new BreakerSet({ volumeThreshold: 1, resetTimeout: 5000 });
    const a = ep('a');
    const events = record(set);
    await assert.rejects(set.invoke(a, failing(refused), call()));
    mock.timers.tick(4999);
    assert.equal(set.state(a), 'open');
    mock.timers.tick(1);
    assert.equal(set.state(a), 'halfOpen');
    assert.equal(set.allows(a), true);
    const probe = deferred();
    const sent = set.invoke(a, probe.invoker, call());
    assert.equal(set.allows(a), false, 'one probe at a time');
    await assert.rejects(set.invoke(a, ok, call()), unavailable);
    probe.resolve('fine');
    assert.equal(await sent, 'fine');
    assert.equal(set.state(a), 'closed');
    assert.equal(set.allows(a), true);
    assert.deepEqual(events, ['open a', 'halfOpen a', 'close a']);
    set.close();
  } finally {
    mock.timers.reset();
  }
});

test('a failed probe opens it again for another reset timeout; a business error on the probe closes it', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const set = new BreakerSet({ volumeThreshold: 1, resetTimeout: 1000 });
    const a = ep('a');
    await assert.rejects(set.invoke(a, failing(refused), call()));
    mock.timers.tick(1000);
    await assert.rejects(set.invoke(a, failing(refused), call()), refused);
    assert.equal(set.state(a), 'open');
    mock.timers.tick(1000);
    assert.equal(set.state(a), 'halfOpen');
    await assert.rejects(set.invoke(a, failing(new RpcError(Code.Business, 'no')), call()));
    assert.equal(set.state(a), 'closed');
    set.close();
  } finally {
    mock.timers.reset();
  }
});

test('breakers are per endpoint', async () => {
  const set = new BreakerSet({ volumeThreshold: 1 });
  await assert.rejects(set.invoke(ep('a'), failing(refused), call()));
  assert.equal(set.state(ep('a')), 'open');
  assert.equal(set.state(ep('b')), 'closed');
  assert.equal(await set.invoke(ep('b'), ok, call()), 'ok');
  assert.equal(set.notClosed, 1);
  set.close();
});

test('removal shuts the breaker down: no breaker, no rotator, no timer; calls to a departed endpoint pass through', async () => {
  const rotatorsBefore = activeRotators();
  // A bucket length no other test uses, so this set's rotator is its own.
  const set = new BreakerSet({ volumeThreshold: 1, rollingCountTimeout: 7000 });
  const a = ep('a'), b = ep('b');
  set.update([a, b]);
  await assert.rejects(set.invoke(a, failing(refused), call()));
  assert.equal(await set.invoke(b, ok, call()), 'ok');
  assert.equal(set.size, 2);
  assert.equal(activeRotators(), rotatorsBefore + 1);
  const version = set.version;
  set.update([b]);
  assert.equal(set.size, 1);
  assert.equal(set.notClosed, 0);
  assert.ok(set.version > version);
  assert.equal(set.state(a), 'closed');
  assert.equal(await set.invoke(a, ok, call()), 'ok', 'in-flight stragglers to a departed endpoint are not refused');
  assert.equal(set.size, 1, 'and they create no breaker');
  set.update([]);
  assert.equal(set.size, 0);
  assert.equal(activeRotators(), rotatorsBefore);
});

test('wrap makes a per-endpoint invoker once', async () => {
  const set = new BreakerSet({ volumeThreshold: 1 });
  const a = ep('a');
  const guarded = set.wrap(a, failing(refused));
  await assert.rejects(guarded(call()), refused);
  await assert.rejects(guarded(call()), unavailable);
  set.close();
});

test('a wrapped invoker keeps its breaker across delete and the endpoint leaving and returning', async () => {
  const set = new BreakerSet({ volumeThreshold: 1, errorThresholdPercentage: 10 });
  const a = ep('a');
  let fail = true;
  const guarded = set.wrap(a, async () => {
    if (fail) throw refused;
    return 'ok';
  });
  await assert.rejects(guarded(call()), refused);
  assert.equal(set.state(a), 'open');
  // The entry it kept was shut down: it finds the new one, closed, rather than the old open one.
  assert.equal(set.delete(a), true);
  fail = false;
  assert.equal(await guarded(call()), 'ok');
  assert.equal(set.size, 1);
  fail = true;
  await assert.rejects(guarded(call()), refused);
  assert.equal(set.state(a), 'open');
  // The endpoint left the set: calls pass unprotected (nothing to learn); back in, it is watched again.
  set.update([]);
  await assert.rejects(guarded(call()), refused);
  assert.equal(set.size, 0);
  set.update([a]);
  await assert.rejects(guarded(call()), refused);
  assert.equal(set.state(a), 'open');
  await assert.rejects(guarded(call()), unavailable);
  set.close();
});

test('states() lists every breaker', async () => {
  const set = new BreakerSet({ volumeThreshold: 1 });
  await assert.rejects(set.invoke(ep('a'), failing(refused), call()));
  await set.invoke(ep('b'), ok, call());
  assert.deepEqual(set.states(), new Map<string, BreakerState>([['dubbo://a:20880', 'open'], ['dubbo://b:20880', 'closed']]));
  set.close();
});

test('invalid options are refused', () => {
  assert.throws(() => new BreakerSet({ resetTimeout: 0 }), (e: unknown) => RpcError.is(e, Code.InvalidArgument));
});

// Unref'd timers never keep a process alive, so "it exits" alone proves little: the child also
// counts every timer it creates and clears (ref'd or not) and shows none is left after close().
const CHILD = `
const live = new Set();
const track = (make, clear) => [
  (fn, ms, ...rest) => { const h = make((...a) => { if (make === globalThis.setTimeout) live.delete(h); fn(...a); }, ms, ...rest); live.add(h); return h; },
  (h) => { live.delete(h); clear(h); },
];
[globalThis.setTimeout, globalThis.clearTimeout] = track(setTimeout, clearTimeout);
[globalThis.setInterval, globalThis.clearInterval] = track(setInterval, clearInterval);
const { BreakerSet } = await import(process.argv[1]);
const { endpoint, RpcError } = await import('@meshlet/core');
const set = new BreakerSet({ volumeThreshold: 1, resetTimeout: 60000 });
for (let i = 0; i < 50; i++) {
  await set.invoke(endpoint('dubbo', '10.0.0.' + i, 20880), async () => { throw new RpcError('CONNECTION_CLOSED', 'x'); }, {}).catch(() => {});
}
const before = live.size;
set.close();
console.log(JSON.stringify({ before, after: live.size, open: set.notClosed }));
`;

test('a process with open breakers exits once they are closed, with no timer left behind', () => {
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD, new URL('./index.js', import.meta.url).href], {
    encoding: 'utf8', timeout: 10_000, cwd: new URL('.', import.meta.url),
  });
  assert.equal(out.status, 0, out.stderr);
  const counts = JSON.parse(out.stdout) as { before: number; after: number; open: number };
  assert.ok(counts.before >= 51, `50 reset timers and 1 shared rotator expected, saw ${counts.before}`);
  assert.deepEqual({ after: counts.after, open: counts.open }, { after: 0, open: 0 });
});

test('a healthy endpoint has no opossum breaker; its first failure wakes one, a quiet window puts it back to sleep', async () => {
  const set = new BreakerSet({ volumeThreshold: 5, rollingCountTimeout: 300, rollingCountBuckets: 3 });
  const a = ep('a');
  for (let i = 0; i < 1000; i++) assert.equal(await set.invoke(a, ok, call()), 'ok');
  assert.deepEqual({ watched: set.size, awake: set.awake }, { watched: 1, awake: 0 });
  await assert.rejects(set.invoke(a, failing(refused), call()), refused);
  assert.equal(set.awake, 1);
  assert.equal(set.state(a), 'closed');
  // More than a window of buckets with no failure, then a call puts it to sleep. Polled, not a fixed
  // 550 ms: the buckets turn on timers, which a loaded machine runs late.
  for (const end = Date.now() + 10_000; ;) {
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await set.invoke(a, ok, call()), 'ok');
    if ((set.awake as number) === 0 || Date.now() > end) break;
  }
  assert.equal(set.awake, 0);
  set.close();
});

test('calls answered before the first failure count: the woken breaker judges the whole window', async () => {
  // 30 answered, then 10 failures: 25 % of 40, under the 50 % threshold, so it stays closed (a
  // breaker that saw only the failures would open).
  const set = new BreakerSet({ volumeThreshold: 10, errorThresholdPercentage: 50 });
  const a = ep('a');
  for (let i = 0; i < 30; i++) await set.invoke(a, ok, call());
  for (let i = 0; i < 10; i++) await assert.rejects(set.invoke(a, failing(refused), call()), refused);
  assert.equal(set.state(a), 'closed');
  // 25 more failures: 35 of 65 (54 %) opens it.
  for (let i = 0; i < 25 && set.state(a) === 'closed'; i++) await set.invoke(a, failing(refused), call()).catch(() => {});
  assert.equal(set.state(a), 'open');
  set.close();
});

test('a call sent while healthy that fails after the breaker opened is counted, and changes nothing', async () => {
  const set = new BreakerSet({ volumeThreshold: 3 });
  const a = ep('a');
  const slow = deferred();
  const straggler = set.invoke(a, slow.invoker, call());
  for (let i = 0; i < 3; i++) await set.invoke(a, failing(refused), call()).catch(() => {});
  assert.equal(set.state(a), 'open');
  slow.reject(refused);
  await assert.rejects(straggler, refused);
  assert.equal(set.state(a), 'open');
  assert.equal(set.notClosed, 1);
  set.close();
});

test('a throwing invoker on a healthy endpoint rejects, as through opossum', async () => {
  const set = new BreakerSet({ volumeThreshold: 1 });
  const a = ep('a');
  await assert.rejects(set.invoke(a, (() => { throw refused; }) as never, call()), refused);
  assert.equal(set.state(a), 'open');
  set.close();
});

test('answered calls are kept per bucket as the buckets turn, and leave with the window', async () => {
  // 300 ms buckets, a window of 3 (a bucket length no other test uses: the rotator is per length).
  mock.timers.enable({ apis: ['setInterval', 'setTimeout'] });
  try {
    const options = { volumeThreshold: 10, errorThresholdPercentage: 50, rollingCountTimeout: 900, rollingCountBuckets: 3 };
    // 30 answered, the bucket turns, 10 failures: 25 % of 40, closed (losing the 30 at the turn would open it).
    const kept = new BreakerSet(options);
    const a = ep('a');
    for (let i = 0; i < 30; i++) await kept.invoke(a, ok, call());
    mock.timers.tick(300);
    for (let i = 0; i < 10; i++) await assert.rejects(kept.invoke(a, failing(refused), call()), refused);
    assert.equal(kept.state(a), 'closed');
    kept.close();
    // 30 answered, then 10 in the next bucket, then the first leaves the window: 12 failures are
    // 12 of 22, open (counting the 30 still, 12 of 52 would keep it closed).
    const expired = new BreakerSet(options);
    const b = ep('b');
    for (let i = 0; i < 30; i++) await expired.invoke(b, ok, call());
    mock.timers.tick(300);
    for (let i = 0; i < 10; i++) await expired.invoke(b, ok, call());
    mock.timers.tick(600);
    for (let i = 0; i < 12 && expired.state(b) === 'closed'; i++) await expired.invoke(b, failing(refused), call()).catch(() => {});
    assert.equal(expired.state(b), 'open');
    expired.close();
  } finally {
    mock.timers.reset();
  }
});

/** What the runtime does with a gate: sends directly while it passes (telling the outcome), else through invoke. */
async function viaGate(set: BreakerSet, gate: ReturnType<BreakerSet['gate']>, a: Endpoint, invoker: typeof ok): Promise<unknown> {
  if (!gate.passes()) return set.invoke(a, invoker, call());
  try {
    const v = await invoker(call());
    gate.answered();
    return v;
  } catch (err) {
    gate.failed(err);
    throw err;
  }
}

test('a gate counts as invoke does: answered calls before the first failure judge the window, failures wake and open the breaker, then calls go through invoke', async () => {
  const set = new BreakerSet({ volumeThreshold: 10, errorThresholdPercentage: 50 });
  const a = ep('a');
  const gate = set.gate(a);
  set.update([a]);
  for (let i = 0; i < 30; i++) assert.equal(await viaGate(set, gate, a, ok), 'ok');
  assert.equal(set.awake, 0, 'no opossum breaker for a healthy endpoint');
  // 10 failures: 25 % of 40, closed; the first woke a breaker, so the gate stops passing.
  for (let i = 0; i < 10; i++) await assert.rejects(viaGate(set, gate, a, failing(refused)), refused);
  assert.equal(set.awake, 1);
  assert.equal(set.state(a), 'closed');
  assert.equal(gate.passes(), false, 'a woken breaker watches the calls');
  // 25 more through the breaker: 35 of 65 opens it, and then nothing is sent.
  for (let i = 0; i < 25 && set.state(a) === 'closed'; i++) await viaGate(set, gate, a, failing(refused)).catch(() => {});
  assert.equal(set.state(a), 'open');
  const d = deferred();
  await assert.rejects(viaGate(set, gate, a, d.invoker), unavailable);
  assert.equal(d.calls, 0);
  // The endpoint leaves and comes back: the gate finds the new (healthy) entry by address.
  set.update([]);
  const again = ep('a');
  set.update([again]);
  assert.equal(gate.passes(), true);
  assert.equal(await viaGate(set, gate, again, ok), 'ok');
  set.close();
});
