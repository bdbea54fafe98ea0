// Outlier ejection feeding Envoy's priority/locality selection in a real runtime: four Dubbo
// providers on loopback, two at priority 0 (localities eu/a and eu/b, one host each) and two at
// priority 1 (us/c). As the priority-0 hosts are ejected the traffic spills as Envoy's tables say
// (one of two out: health ⌊140 × 1/2⌋ = 70 % stays, 30 % spills; both out: all to priority 1), and
// returns when they do.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { Code, createRuntime, RpcError } from '@meshlet/core';
import { OutlierDetector } from '@meshlet/breaker';
import { localityAware, XDS_LOCALITY, XDS_LOCALITY_WEIGHT, XDS_PRIORITY } from '@meshlet/lb';
import { dubbo } from '@meshlet/transport-dubbo';
import { Ledger } from './service.js';

async function startProvider(name) {
  const state = { failing: false };
  // While failing, refused before the method runs (a server-side bulkhead): Dubbo status 100, a 503.
  const overload = (next) => (inv) => (state.failing ? Promise.reject(new RpcError(Code.ServerBusy, `${name} is overloaded`)) : next(inv));
  const mesh = createRuntime({ application: `locality-${name}`, protocols: [dubbo()], server: { host: '127.0.0.1', port: 0 }, serverInterceptors: [overload] });
  const answer = async (n) => `${name}:${n}`;
  mesh.provide(Ledger, { charge: answer, lookup: answer });
  await mesh.start();
  return { name, state, mesh, port: mesh.address().port };
}

function within(emitter, event, ms) {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new Error(`no '${event}' within ${ms} ms`)), ms);
  return once(emitter, event, { signal: ac.signal }).finally(() => clearTimeout(timer));
}

/** Draws 0.005, 0.015, …, 0.995 in turn: any 100 picks in a row see every percent once. */
function sweep() {
  let i = 0;
  return () => ((i++ % 100) + 0.5) / 100;
}

test('dubbo: outlier ejections spill priority-0 traffic to priority 1 by Envoy’s table, and it comes back', async () => {
  const [a, b, c, d] = await Promise.all(['a', 'b', 'c', 'd'].map(startProvider));
  const where = { a: ['0', 'eu/a/'], b: ['0', 'eu/b/'], c: ['1', 'us/c/'], d: ['1', 'us/c/'] };
  const url = [a, b, c, d].map((p) => {
    const [priority, locality] = where[p.name];
    const q = new URLSearchParams({ [XDS_PRIORITY]: priority, [XDS_LOCALITY]: locality, [XDS_LOCALITY_WEIGHT]: '1' });
    return `127.0.0.1:${p.port}?${q}`;
  });
  // Two of four may be out (50 %); returned after 4 s (a margin for a loaded machine: the phases
  // below must not outlast an ejection), checked every 100 ms.
  const detector = new OutlierDetector({ intervalMs: 100, baseEjectionTimeMs: 4_000, maxEjectionPercent: 50 });
  const out = (p) => detector.isEjected({ protocol: 'dubbo', host: '127.0.0.1', port: p.port });
  const mesh = createRuntime({ protocols: [dubbo()], breakers: () => detector, loadBalancer: () => localityAware({ random: sweep() }) });
  const hundred = async () => {
    const counts = { a: 0, b: 0, c: 0, d: 0 };
    for (let i = 0; i < 100; i++) counts[(await ledger.lookup(i)).split(':')[0]]++;
    return counts;
  };
  const failUntilEjected = async (p) => {
    p.state.failing = true;
    const ejected = within(detector, 'eject', 10_000);
    for (let i = 0; i < 200 && !out(p); i++) await ledger.lookup(i).catch(() => {});
    const [endpoint, info] = await ejected;
    assert.equal(endpoint.port, p.port);
    assert.equal(info.type, 'CONSECUTIVE_5XX');
  };
  const ledger = mesh.refer(Ledger, { url, cluster: 'failfast', timeout: 5_000 });
  try {
    assert.deepEqual(await hundred(), { a: 50, b: 50, c: 0, d: 0 }, 'all healthy: priority 0 only, its two localities alike');

    await failUntilEjected(a);
    assert.deepEqual(await hundred(), { a: 0, b: 70, c: 15, d: 15 }, 'eu/a out: priority 0 at 70 %, 30 % spilled');
    assert.ok(out(a), 'a still out');

    await failUntilEjected(b);
    assert.deepEqual(await hundred(), { a: 0, b: 0, c: 50, d: 50 }, 'priority 0 all out: everything to priority 1');
    assert.ok(out(a) && out(b), 'both still out');

    // Both may return at the same sweep, one event right after the other: listen for both from now on.
    const back = new Set();
    const bothBack = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`returned within 10 s: ${[...back]}`)), 10_000);
      detector.on('uneject', (e) => {
        back.add(e.port);
        if (back.size === 2) resolve(clearTimeout(timer));
      });
    });
    a.state.failing = false;
    b.state.failing = false;
    await bothBack;
    assert.deepEqual(await hundred(), { a: 50, b: 50, c: 0, d: 0 }, 'returned: priority 0 again');
  } finally {
    await mesh.stop(0);
    await Promise.all([a, b, c, d].map((p) => p.mesh.stop(0)));
  }
});
