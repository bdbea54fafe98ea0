// Envoy's outlier detection, each detector and rule against a fake clock (node's mocked setTimeout
// drives the interval timer; `now` is the detector's clock, moved with it).
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Code, RpcError, type Endpoint } from '@meshlet/core';
import { ep } from '../test-support.js';
import { OutlierDetector, type OutlierEjection } from './detector.js';
import type { OutlierDetectionConfig } from './config.js';

const serverError = new RpcError(Code.ServerError, 'boom', { status: 80 });
const peerUnavailable = new RpcError(Code.Unavailable, 'unavailable', { status: 14 });
const refused = new RpcError(Code.ConnectionClosed, 'connection refused');
const timeout = new RpcError(Code.Timeout, 'deadline passed');

interface Rig {
  detector: OutlierDetector;
  hosts: Endpoint[];
  events: string[];
  ejections: OutlierEjection[];
  /** Moves the clock and the mocked timers together. */
  advance(ms: number): void;
  ok(host: number, n?: number): void;
  fail(host: number, err: unknown, n?: number): void;
  now(): number;
}

/** One fake clock per test, shared by the rigs a test makes (the mocked timers are per test too). */
const clocks = new WeakMap<TestContext, { now: number }>();

function rig(t: TestContext, hostCount: number, config: OutlierDetectionConfig = {}, rolls: number[] = []): Rig {
  let clock = clocks.get(t);
  if (clock === undefined) {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    clocks.set(t, (clock = { now: 0 }));
  }
  const time = clock;
  // Rolls in [0, 1) for the enforcing draws and the jitter, in order; 0 (always enforce, no jitter) once they run out.
  const random = () => rolls.shift() ?? 0;
  const detector = new OutlierDetector(config, { clock: () => time.now, random });
  const hosts = Array.from({ length: hostCount }, (_, i) => ep(`h${i}`));
  detector.update(hosts);
  const gates = hosts.map((h) => detector.gate(h));
  const events: string[] = [];
  const ejections: OutlierEjection[] = [];
  detector.on('eject', (e, info) => { events.push(`eject ${e.host} ${info.type}`); ejections.push(info); });
  detector.on('detected', (e, info) => events.push(`detected ${e.host} ${info.type}`));
  detector.on('uneject', (e) => events.push(`uneject ${e.host}`));
  t.after(() => detector.close());
  return {
    detector, hosts, events, ejections,
    now: () => time.now,
    advance(ms) {
      // In whole seconds (every interval and arming time here is a whole second), so a timer fires
      // with the clock at its own time, not at the end of a longer tick.
      for (let left = ms; left > 0; left -= 1_000) {
        const step = Math.min(1_000, left);
        time.now += step;
        t.mock.timers.tick(step);
      }
    },
    ok(host, n = 1) {
      for (let i = 0; i < n; i++) {
        assert.equal(gates[host]!.passes(), true);
        gates[host]!.answered();
      }
    },
    fail(host, err, n = 1) {
      for (let i = 0; i < n; i++) {
        assert.equal(gates[host]!.passes(), true);
        gates[host]!.failed(err);
      }
    },
  };
}

test('consecutive 5xx: the 5th failure in a row ejects (default 5, enforcing 100 %), a success between resets the count', (t) => {
  const r = rig(t, 10);
  r.fail(0, serverError, 4);
  r.ok(0);
  r.fail(0, serverError, 4);
  assert.equal(r.detector.allows(r.hosts[0]!), true);
  const version = r.detector.version;
  r.fail(0, serverError);
  assert.equal(r.detector.allows(r.hosts[0]!), false);
  assert.notEqual(r.detector.version, version, 'version moves on ejection');
  assert.deepEqual(r.events, ['eject h0 CONSECUTIVE_5XX']);
  assert.equal(r.ejections[0]!.durationMs, 30_000);
  assert.equal(r.detector.stateOf(r.hosts[0]!), 'ejected');
  assert.equal(r.detector.stats.ejectionsActive, 1);
  assert.equal(r.detector.stats.ejectionsEnforced.CONSECUTIVE_5XX, 1);
  // Business exceptions and 4xx-like answers are successes; our own errors are not counted at all.
  r.fail(1, new RpcError(Code.Business, 'thrown'), 10);
  r.fail(1, new RpcError(Code.Cancelled, 'gave up'), 10);
  r.fail(1, new RpcError(Code.MethodNotFound, 'no such method'), 10);
  assert.equal(r.detector.allows(r.hosts[1]!), true);
});

test('consecutive gateway failure: detected but not enforced by default (0 %); enforced when configured, before the 5xx count', (t) => {
  const r = rig(t, 10);
  // A peer's UNAVAILABLE is a 503: a gateway error and a 5xx. At the 5th both counters fire; gateway first (not enforced), then 5xx ejects.
  r.fail(0, peerUnavailable, 5);
  assert.deepEqual(r.events, ['detected h0 CONSECUTIVE_GATEWAY_FAILURE', 'eject h0 CONSECUTIVE_5XX']);
  const s = rig(t, 10, { enforcingConsecutiveGatewayFailure: { value: 100 }, consecutive_5xx: { value: 10 } });
  // A 500 between gateway errors breaks the gateway run but not the 5xx run.
  s.fail(0, peerUnavailable, 4);
  s.fail(0, serverError);
  s.fail(0, peerUnavailable, 4);
  assert.deepEqual(s.events, []);
  s.fail(0, peerUnavailable);
  assert.deepEqual(s.events, ['eject h0 CONSECUTIVE_GATEWAY_FAILURE']);
});

test('without split, local-origin failures (refused, reset, our timeout) count as 503/504 in the 5xx and gateway runs', (t) => {
  const r = rig(t, 10, { enforcingConsecutiveGatewayFailure: 100 });
  r.fail(0, refused, 2);
  r.fail(0, timeout, 3);
  assert.deepEqual(r.events, ['eject h0 CONSECUTIVE_GATEWAY_FAILURE']);
});

test('split_external_local_origin_errors: local failures have their own run (default 5, enforcing 100 %), external ones the 5xx run', (t) => {
  const r = rig(t, 10, { splitExternalLocalOriginErrors: true });
  r.fail(0, refused, 4);
  r.fail(0, serverError, 4); // an answer: the connection worked, so the local run restarts
  r.fail(0, refused, 4);
  assert.deepEqual(r.events, []);
  r.fail(0, timeout);
  assert.deepEqual(r.events, ['eject h0 CONSECUTIVE_LOCAL_ORIGIN_FAILURE']);
  // External errors alone: the 5xx run, untouched by local failures in between.
  r.fail(1, serverError, 2);
  r.fail(1, refused, 3);
  r.fail(1, serverError, 3);
  assert.deepEqual(r.events.slice(1), []); // 10 hosts, 10 %: the second ejection overflows
  assert.equal(r.detector.stats.ejectionsOverflow, 1);
  assert.equal(r.detector.stats.ejectionsDetected.CONSECUTIVE_5XX, 1);
});

test('ejection time: base × the host’s multiplier, returned at the first interval check after it; the multiplier grows per ejection, is capped by max, and falls per clean interval', (t) => {
  const r = rig(t, 10, { interval: { seconds: 10 }, baseEjectionTime: { seconds: 30 }, maxEjectionTime: { seconds: 100 } });
  const h = r.hosts[0]!;
  const returnedAfter = () => {
    const from = r.now();
    while (!r.detector.allows(h)) r.advance(1_000);
    return r.now() - from;
  };
  r.advance(1_000);
  r.fail(0, serverError, 5);
  // Ejected at 1 s for 30 s: still out at the checks of 10, 20 and 30 s (29 s), back at 40 s.
  assert.equal(returnedAfter(), 39_000);
  r.fail(0, serverError, 5);
  assert.equal(r.ejections[1]!.durationMs, 60_000);
  assert.equal(returnedAfter(), 60_000);
  r.fail(0, serverError, 5);
  assert.equal(r.ejections[2]!.durationMs, 90_000);
  assert.equal(returnedAfter(), 90_000);
  r.fail(0, serverError, 5);
  assert.equal(r.ejections[3]!.durationMs, 100_000, 'capped at max_ejection_time');
  assert.equal(returnedAfter(), 100_000);
  r.fail(0, serverError, 5);
  assert.equal(r.ejections[4]!.durationMs, 100_000);
  returnedAfter();
  // The multiplier went 1, 2, 3, 4, 5 and stopped (it grows while multiplier × base < max + base:
  // 4 × 30 < 130, 5 × 30 is not). Each check a whole interval after the return lowers it by one: 5 → 2.
  r.advance(10_000);
  r.advance(10_000);
  r.advance(10_000);
  r.fail(0, serverError, 5);
  assert.equal(r.ejections[5]!.durationMs, 90_000, 'multiplier 2 + 1 for this ejection = 3 × base');
  assert.equal(r.detector.stats.ejectionsEnforced.CONSECUTIVE_5XX, 6);
});

test('jitter: a draw in [0, max_ejection_time_jitter] added to the ejection time', (t) => {
  // Rolls: enforcing (0 → enforced), jitter 0.5 × 1001 → 500 ms.
  const r = rig(t, 10, { intervalMs: 1_000, baseEjectionTimeMs: 2_000, maxEjectionTimeJitterMs: 1_000 }, [0, 0.5]);
  r.fail(0, serverError, 5);
  assert.equal(r.ejections[0]!.durationMs, 2_500);
  r.advance(2_000);
  assert.equal(r.detector.allows(r.hosts[0]!), false, 'out for 2.5 s, so still out at 2 s');
  r.advance(1_000);
  assert.equal(r.detector.allows(r.hosts[0]!), true);
});

test('enforcing percentage: a roll at or above it detects without ejecting', (t) => {
  const r = rig(t, 10, { enforcingConsecutive5xx: 30 }, [0.30, 0.29]);
  r.fail(0, serverError, 5);
  assert.deepEqual(r.events, ['detected h0 CONSECUTIVE_5XX']);
  r.fail(0, serverError, 5); // the count restarted after the detection
  assert.deepEqual(r.events, ['detected h0 CONSECUTIVE_5XX', 'eject h0 CONSECUTIVE_5XX']);
});

test('max_ejection_percent: Envoy counts the host about to go; at least one only with always_eject_one_host', (t) => {
  // 10 hosts, 10 %: one may go (1/10 = 10 %), a second would be 20 %.
  const ten = rig(t, 10);
  ten.fail(0, serverError, 5);
  ten.fail(1, serverError, 5);
  assert.deepEqual(ten.events, ['eject h0 CONSECUTIVE_5XX']);
  assert.equal(ten.detector.stats.ejectionsOverflow, 1);
  // 4 hosts, 10 %: 1/4 = 25 % > 10 %, none.
  const four = rig(t, 4);
  four.fail(0, serverError, 5);
  assert.deepEqual(four.events, []);
  assert.equal(four.detector.stats.ejectionsOverflow, 1);
  // always_eject_one_host: the first goes whatever the percentage, the second does not.
  const always = rig(t, 4, { alwaysEjectOneHost: { value: true } });
  always.fail(0, serverError, 5);
  always.fail(1, serverError, 5);
  assert.deepEqual(always.events, ['eject h0 CONSECUTIVE_5XX']);
  // 50 % of 4: two.
  const half = rig(t, 4, { maxEjectionPercent: 50 });
  for (let h = 0; h < 3; h++) half.fail(h, serverError, 5);
  assert.deepEqual(half.events, ['eject h0 CONSECUTIVE_5XX', 'eject h1 CONSECUTIVE_5XX']);
  // Returned hosts free their share.
  half.advance(40_000);
  assert.deepEqual(half.events.slice(2), ['uneject h0', 'uneject h1']);
  half.fail(2, serverError, 5);
  assert.deepEqual(half.events.slice(4), ['eject h2 CONSECUTIVE_5XX']);
});

test('success rate: Envoy’s example {50, 100, 100, 100, 100} → mean 90, stdev 20, threshold 52: the 50 % host goes', (t) => {
  const r = rig(t, 5, { maxEjectionPercent: 20 });
  r.ok(0, 50);
  r.fail(0, serverError, 50);
  for (let h = 1; h < 5; h++) r.ok(h, 100);
  // 50 failures in a row are a consecutive-5xx ejection long before the interval ends: without that run (0 disables it) ...
  assert.deepEqual(r.events, ['eject h0 CONSECUTIVE_5XX']);
  const s = rig(t, 5, { maxEjectionPercent: 20, consecutive_5xx: 0 });
  for (let i = 0; i < 50; i++) {
    s.ok(0);
    s.fail(0, serverError);
  }
  for (let h = 1; h < 5; h++) s.ok(h, 100);
  s.advance(10_000);
  assert.deepEqual(s.events, ['eject h0 SUCCESS_RATE']);
  const e = s.ejections[0]!;
  assert.equal(e.successRate, 50);
  assert.equal(e.mean, 90);
  assert.ok(Math.abs(e.threshold! - 52) < 1e-9, String(e.threshold));
  assert.deepEqual(s.detector.successRateOf('external'), { mean: 90, threshold: e.threshold });
});

test('success rate: minimum hosts (5) and request volume (100) per interval, counted per interval', (t) => {
  // Four hosts with volume (a fifth with 99 calls): no detection.
  const r = rig(t, 5, { maxEjectionPercent: 20, consecutive_5xx: 0 });
  for (let i = 0; i < 50; i++) {
    r.ok(0);
    r.fail(0, serverError);
  }
  for (let h = 1; h < 4; h++) r.ok(h, 100);
  r.ok(4, 99);
  r.advance(10_000);
  assert.deepEqual(r.events, []);
  assert.deepEqual(r.detector.successRateOf('external'), { mean: -1, threshold: -1 });
  // The next interval starts from zero: 1 more call for the fifth host is not 100.
  r.ok(4, 1);
  r.advance(10_000);
  assert.deepEqual(r.events, []);
  // Volume spread over two intervals never adds up.
  for (let i = 0; i < 25; i++) {
    r.ok(0);
    r.fail(0, serverError);
  }
  for (let h = 1; h < 5; h++) r.ok(h, 50);
  r.advance(10_000);
  for (let i = 0; i < 25; i++) {
    r.ok(0);
    r.fail(0, serverError);
  }
  for (let h = 1; h < 5; h++) r.ok(h, 50);
  r.advance(10_000);
  assert.deepEqual(r.events, []);
});

test('failure percentage: ≥ 85 % failed over ≥ 50 calls, with ≥ 5 such hosts; detected only by default (enforcing 0 %)', (t) => {
  const mixed = (r: Rig, host: number, failures: number, total: number) => {
    for (let i = 0; i < total; i++) (i < failures ? r.fail(host, serverError) : r.ok(host));
  };
  // consecutive_5xx 0 disables the consecutive run (Envoy compares `== threshold`, and counts start at 1).
  const base = { consecutive_5xx: 0, enforcingSuccessRate: 0, maxEjectionPercent: 100 };
  const off = rig(t, 5, base);
  mixed(off, 0, 85, 100);
  for (let h = 1; h < 5; h++) off.ok(h, 50);
  off.advance(10_000);
  assert.deepEqual(off.events, ['detected h0 FAILURE_PERCENTAGE']);

  const on = rig(t, 6, { ...base, enforcingFailurePercentage: 100 });
  mixed(on, 0, 85, 100); // 85 %: ejected
  mixed(on, 1, 84, 100); // 84 %: kept
  mixed(on, 2, 49, 49); // 100 % of 49 calls: under the volume
  for (let h = 3; h < 6; h++) on.ok(h, 50);
  on.advance(10_000);
  assert.deepEqual(on.events, ['eject h0 FAILURE_PERCENTAGE']);

  // Four hosts with the volume: fewer than failure_percentage_minimum_hosts.
  const few = rig(t, 5, { ...base, enforcingFailurePercentage: 100 });
  mixed(few, 0, 100, 100);
  for (let h = 1; h < 4; h++) few.ok(h, 50);
  few.ok(4, 10);
  few.advance(10_000);
  assert.deepEqual(few.events, []);
});

test('failure percentage on local-origin errors in split mode (enforcing_failure_percentage_local_origin)', (t) => {
  const r = rig(t, 5, {
    splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailure: 0, enforcingLocalOriginSuccessRate: 0,
    enforcingFailurePercentageLocalOrigin: 100, maxEjectionPercent: 100,
  });
  for (let i = 0; i < 60; i++) r.fail(0, refused);
  for (let h = 1; h < 5; h++) r.ok(h, 60);
  r.advance(10_000);
  assert.deepEqual(r.events, ['eject h0 FAILURE_PERCENTAGE_LOCAL_ORIGIN']);
});

test('the decoded Envoy shape, the plain-ms form, defaults, and typed errors for bad values', (t) => {
  const d = new OutlierDetector();
  t.after(() => d.close());
  assert.equal(d.config.intervalMs, 10_000);
  assert.equal(d.config.maxEjectionTimeMs, 300_000);
  assert.equal(d.config.successRateStdevFactor, 1900);
  assert.equal(d.config.enforcingConsecutiveGatewayFailure, 0);
  // An explicit zero arrives as `{}` from toObject(defaults: false): it is 0, not "unset".
  d.set({ interval: { seconds: 2, nanos: 500_000_000 }, baseEjectionTime: '45s', enforcingConsecutive_5xx: {}, maxEjectionPercent: { value: 30 } });
  assert.equal(d.config.intervalMs, 2_500);
  assert.equal(d.config.baseEjectionTimeMs, 45_000);
  assert.equal(d.config.maxEjectionTimeMs, 300_000);
  assert.equal(d.config.enforcingConsecutive5xx, 0);
  assert.equal(d.config.maxEjectionPercent, 30);
  d.set({ baseEjectionTimeMs: 400_000 });
  assert.equal(d.config.maxEjectionTimeMs, 400_000, 'unset max is max(300 s, base)');
  const bad = (c: OutlierDetectionConfig) => assert.throws(() => d.set(c), (e: unknown) => RpcError.is(e, Code.InvalidArgument));
  bad({ baseEjectionTimeMs: 60_000, maxEjectionTimeMs: 30_000 });
  bad({ maxEjectionPercent: 101 });
  bad({ interval: { seconds: 0 } });
  bad({ consecutive_5xx: -1 });
  bad({ enforcingSuccessRate: { value: 1.5 } });
  bad({ interval: 'soon' });
  assert.equal(d.config.baseEjectionTimeMs, 400_000, 'a refused configuration leaves the last good one');
});

test('set() at run time: new thresholds apply to the next calls, ejected hosts keep their time', (t) => {
  const r = rig(t, 10);
  r.fail(0, serverError, 3);
  r.detector.set({ consecutive_5xx: 4 });
  r.fail(0, serverError);
  assert.deepEqual(r.events, ['eject h0 CONSECUTIVE_5XX']);
  r.detector.set({ intervalMs: 1_000 });
  r.advance(29_000);
  assert.equal(r.detector.allows(r.hosts[0]!), false);
  r.advance(1_000);
  assert.equal(r.detector.allows(r.hosts[0]!), true, 'checked every second now: back at 30 s');
});

test('hosts that leave are forgotten (an ejected one frees its share); calls of stragglers count nowhere', (t) => {
  const r = rig(t, 10);
  r.fail(0, serverError, 5);
  assert.equal(r.detector.stats.ejectionsActive, 1);
  const version = r.detector.version;
  r.detector.update(r.hosts.slice(1));
  assert.equal(r.detector.stats.ejectionsActive, 0);
  assert.notEqual(r.detector.version, version);
  assert.equal(r.detector.size, 9);
  r.fail(0, serverError, 10); // h0's gate: its monitor was removed, the new lookup finds it is not a member
  assert.equal(r.detector.size, 9);
  assert.equal(r.detector.stateOf(r.hosts[0]!), undefined);
});

test('invoke and wrap count outcomes like the gate', async (t) => {
  const d = new OutlierDetector({ maxEjectionPercent: 100 });
  t.after(() => d.close());
  const a = ep('a');
  const failing = async () => { throw serverError; };
  const wrapped = d.wrap(a, failing);
  for (let i = 0; i < 4; i++) await assert.rejects(wrapped({} as never), serverError);
  assert.equal(d.allows(a), true);
  await assert.rejects(d.invoke(a, failing, {} as never), serverError);
  assert.equal(d.allows(a), false);
  // A throwing invoker rejects the call; it is counted too.
  const b = ep('b');
  for (let i = 0; i < 5; i++) await assert.rejects(d.invoke(b, () => { throw serverError; }, {} as never), serverError);
  assert.equal(d.allows(b), false);
});

test('property: any configuration object either resolves within Envoy’s bounds or is refused with INVALID_ARGUMENT', async () => {
  const fc = (await import('fast-check')).default;
  const { resolveOutlierConfig } = await import('./config.js');
  const fields = ['consecutive_5xx', 'consecutive5xx', 'interval', 'intervalMs', 'baseEjectionTime', 'baseEjectionTimeMs', 'maxEjectionPercent',
    'enforcingConsecutive_5xx', 'enforcingSuccessRate', 'successRateMinimumHosts', 'successRateStdevFactor', 'splitExternalLocalOriginErrors',
    'failurePercentageThreshold', 'maxEjectionTime', 'maxEjectionTimeMs', 'maxEjectionTimeJitter', 'alwaysEjectOneHost', '__proto__', 'constructor'];
  const value = fc.oneof(
    fc.integer({ min: -5, max: 500_000 }), fc.double(), fc.string(), fc.boolean(), fc.constant(null), fc.constant({}),
    fc.record({ value: fc.oneof(fc.integer({ min: -2, max: 200 }), fc.boolean(), fc.string()) }, { requiredKeys: [] }),
    fc.record({ seconds: fc.oneof(fc.integer({ min: -2, max: 400 }), fc.string()), nanos: fc.integer({ min: -2e9, max: 2e9 }) }, { requiredKeys: [] }),
    fc.constantFrom('1s', '0.5s', '-1s', '30s', 'x'),
  );
  fc.assert(fc.property(fc.dictionary(fc.constantFrom(...fields), value), (config) => {
    try {
      const c = resolveOutlierConfig(config);
      assert.ok(c.intervalMs > 0 && c.baseEjectionTimeMs > 0 && c.maxEjectionTimeMs >= c.baseEjectionTimeMs && c.maxEjectionTimeJitterMs >= 0);
      for (const k of ['maxEjectionPercent', 'enforcingConsecutive5xx', 'enforcingSuccessRate', 'failurePercentageThreshold'] as const) assert.ok(c[k] >= 0 && c[k] <= 100);
      assert.equal(typeof c.splitExternalLocalOriginErrors, 'boolean');
    } catch (e) {
      if (!RpcError.is(e, Code.InvalidArgument)) throw e;
    }
  }), { numRuns: 3000 });
  assert.throws(() => resolveOutlierConfig(null as never), (e: unknown) => RpcError.is(e, Code.InvalidArgument));
});

test('success rate on local-origin outcomes in split mode (enforcing_local_origin_success_rate); external ones are judged apart', (t) => {
  // h0: every call answered (local successes) but half of them 500s: its external rate is 50 %, its local one 100 %.
  // h1: 100 answered, 50 refused: local rate 66.7 % (under 93.3 − 1.9 × 13.3 = 68), external 100 %. The others: clean.
  const run = (maxEjectionPercent: number) => {
    const x = rig(t, 6, { splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailure: 0, consecutive_5xx: 0, maxEjectionPercent });
    for (let i = 0; i < 50; i++) {
      x.ok(0);
      x.fail(0, serverError);
      x.ok(1, 2);
      x.fail(1, refused);
    }
    for (let h = 2; h < 6; h++) x.ok(h, 100);
    x.advance(10_000);
    return x;
  };
  const r = run(20);
  // Six hosts, so that the local pass still has five once h0 is out (ejected hosts are not rated).
  // External pass first: h0 (50 under 91.7 − 1.9 × 18.6) goes; the local pass then finds h1, but 2 of 6 is 33 % > 20 %: overflow.
  assert.deepEqual(r.events, ['eject h0 SUCCESS_RATE']);
  assert.equal(r.detector.stats.ejectionsDetected.SUCCESS_RATE_LOCAL_ORIGIN, 1);
  assert.equal(r.detector.stats.ejectionsOverflow, 1);
  assert.ok(r.detector.successRateOf('local').mean > 0);
  // With room for two, both go, each by its own kind.
  const s = run(40);
  assert.deepEqual(s.events.filter((e) => e.startsWith('eject')), ['eject h0 SUCCESS_RATE', 'eject h1 SUCCESS_RATE_LOCAL_ORIGIN']);
});
