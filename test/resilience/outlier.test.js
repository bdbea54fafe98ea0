// Envoy-style outlier detection in a real runtime: four Dubbo providers on loopback, one refusing
// every call as overloaded (Dubbo status 100, SERVER_THREADPOOL_EXHAUSTED: a 503 to Envoy's classes). The reference's OutlierDetector ejects it after 5 consecutive
// 5xx (Envoy's default), the directory stops offering it, and once it is healthy again it returns
// at the first interval check after its ejection time, and gets its share of calls again.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { Code, createRuntime, roundRobin, RpcError } from '@meshlet/core';
import { OutlierDetector } from '@meshlet/breaker';
import { dubbo } from '@meshlet/transport-dubbo';
import { Ledger } from './service.js';
import { load } from './helpers.js';

async function startProvider(name) {
  const state = { failing: false, calls: 0 };
  // While failing, a server interceptor refuses calls before the method runs, as a server-side
  // bulkhead does: Dubbo answers those with status 100 (SERVER_THREADPOOL_EXHAUSTED).
  const overload = (next) => (inv) => {
    state.calls++;
    return state.failing ? Promise.reject(new RpcError(Code.ServerBusy, `${name} is overloaded`)) : next(inv);
  };
  const mesh = createRuntime({ application: `outlier-${name}`, protocols: [dubbo()], server: { host: '127.0.0.1', port: 0 }, serverInterceptors: [overload] });
  const answer = async (n) => `${name}:${n}`;
  mesh.provide(Ledger, { charge: answer, lookup: answer });
  await mesh.start();
  return { name, state, mesh, url: `127.0.0.1:${mesh.address().port}` };
}

/** Resolves with the event's arguments, or rejects after `ms` (a missing event fails the test instead of hanging it). */
function within(emitter, event, ms) {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new Error(`no '${event}' within ${ms} ms`)), ms);
  return once(emitter, event, { signal: ac.signal }).finally(() => clearTimeout(timer));
}

test('dubbo, 4 providers, one failing: ejected after 5 consecutive 5xx, offered no calls while out, back after its ejection time (2 s)', async () => {
  const providers = await Promise.all(['a', 'b', 'c', 'd'].map(startProvider));
  const [, , , bad] = providers;
  // Four hosts and Envoy's default max_ejection_percent (10 %) would eject none (1/4 = 25 %):
  // always_eject_one_host lets the first go. Short times keep the test quick.
  const detector = new OutlierDetector({ interval: { nanos: 100_000_000 }, baseEjectionTime: { seconds: 2 }, alwaysEjectOneHost: { value: true } });
  const mesh = createRuntime({ protocols: [dubbo()], loadBalancer: roundRobin, breakers: () => detector });
  try {
    const ledger = mesh.refer(Ledger, { url: providers.map((p) => p.url), cluster: 'failfast', timeout: 5_000 });
    for (let i = 0; i < 8; i++) await ledger.lookup(i);
    assert.equal(bad.state.calls, 2, 'round robin: every fourth call');

    bad.state.failing = true;
    const ejected = within(detector, 'eject', 10_000);
    const failures = [];
    for (let i = 0; i < 40 && detector.ejected().length === 0; i++) {
      await ledger.lookup(i).catch((e) => failures.push(e));
    }
    const [endpoint, info] = await ejected;
    assert.equal(`${endpoint.host}:${endpoint.port}`, bad.url);
    assert.equal(info.type, 'CONSECUTIVE_5XX');
    assert.equal(failures.length, 5, 'ejected at its 5th failure in a row');
    assert.ok(failures.every((e) => RpcError.is(e, Code.ServerBusy) && e.status === 100), String(failures[0]));

    // Out for 2 s (a margin for a loaded machine: it must not return during the next 60 calls).
    const returned = within(detector, 'uneject', 10_000);
    const before = bad.state.calls;
    const out = await Promise.all(Array.from({ length: 60 }, (_, i) => ledger.lookup(i)));
    assert.equal(bad.state.calls, before, 'no call reached the ejected provider');
    assert.deepEqual([...new Set(out.map((s) => s.split(':')[0]))].sort(), ['a', 'b', 'c']);

    assert.ok(detector.isEjected(endpoint), 'still out after the 60 calls');
    // Healthy again: returned by the detector's own timer after 2 s (at the next 100 ms check).
    bad.state.failing = false;
    const [back] = await returned;
    assert.equal(`${back.host}:${back.port}`, bad.url);
    const again = await Promise.all(Array.from({ length: 60 }, (_, i) => ledger.lookup(i)));
    const counts = {};
    for (const s of again) counts[s.split(':')[0]] = (counts[s.split(':')[0]] ?? 0) + 1;
    assert.equal(counts.d, 15, `its round-robin share again: ${JSON.stringify(counts)}`);
    assert.equal(detector.stats.ejectionsActive, 0);
  } finally {
    await mesh.stop(0);
    await Promise.all(providers.map((p) => p.mesh.stop(0)));
  }
});

test('dubbo, 128 calls in flight, failover: the failing provider is ejected and then gets no new call (only those already sent)', async () => {
  const providers = await Promise.all(['a', 'b', 'c', 'd'].map(startProvider));
  const bad = providers[3];
  bad.state.failing = true;
  // Envoy's defaults but for the percent rule (1 of 4); out for 30 s: the whole test.
  const detector = new OutlierDetector({ alwaysEjectOneHost: true });
  const mesh = createRuntime({ protocols: [dubbo()], breakers: () => detector });
  try {
    const ledger = mesh.refer(Ledger, { url: providers.map((p) => p.url), timeout: 5_000 });
    const ejected = within(detector, 'eject', 20_000);
    const running = load((i) => ledger.lookup(i), 128);
    const answered = () => Object.values(running.counts).reduce((a, b) => a + b, 0);
    const untilAnswered = async (n) => {
      while (answered() < n) await new Promise((r) => setImmediate(r));
    };
    const [endpoint, info] = await ejected;
    assert.equal(`${endpoint.host}:${endpoint.port}`, bad.url);
    assert.equal(info.type, 'CONSECUTIVE_5XX');
    const atEjection = bad.state.calls;
    await untilAnswered(answered() + 1_000);
    const drained = bad.state.calls;
    await untilAnswered(answered() + 1_000);
    const { counts, errors } = await running.stop();
    assert.ok(drained - atEjection <= 128, `${drained - atEjection} calls reached it after its ejection: at most those in flight`);
    assert.equal(bad.state.calls, drained, 'no new call once those were answered');
    assert.equal(counts.d, undefined);
    // Failover resends SERVER_BUSY elsewhere while the retry budget lasts; whatever reached the caller is that, nothing else.
    assert.deepEqual([...new Set(errors.map((e) => e.split(' ')[0]))].filter((c) => c !== 'SERVER_BUSY'), []);
  } finally {
    await mesh.stop(0);
    await Promise.all(providers.map((p) => p.mesh.stop(0)));
  }
});
