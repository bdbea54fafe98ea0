import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { consumer, freshRegistry, getJson, provider, waitFor } from './harness.js';

describe('admin endpoint: Dubbo QoS offline/online drain a provider', () => {
  let a; let b; let c;
  before(async () => {
    const registry = freshRegistry();
    [a, b] = [await provider('alpha', registry), await provider('beta', registry)];
    c = await consumer(registry);
    await waitFor(async () => (await getJson(`${c.admin}/status`)).references[0]?.endpoints.length === 2 || (await c.echo.whoami(), false), 'both providers listed');
  });
  after(async () => {
    await Promise.all([c?.mesh.stop(0), a?.mesh.stop(0), b?.mesh.stop(0)]);
  });

  test('offline: the registry entry goes, in-flight and late calls still succeed, the consumer stops picking it; online brings it back', async () => {
    const alphaAddress = (await getJson(`${a.admin}/status`)).services.find((s) => s.protocol === 'dubbo').address;
    // Calls in flight to alpha while it goes offline.
    const inFlight = Array.from({ length: 6 }, () => c.echo.slow(400));
    await waitFor(async () => (await getJson(`${a.admin}/status`)).inFlight.server > 0, 'a call in flight on alpha');
    const res = await fetch(`${a.admin}/offline?service=demo.admin.Echo`, { method: 'POST' });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'OK\n', 'Dubbo QoS answers OK');
    const results = await Promise.all(inFlight);
    assert.ok(results.every((r) => r === 'alpha' || r === 'beta'), 'every in-flight call succeeded');
    assert.ok(results.includes('alpha'), 'alpha finished the calls it had when it went offline');

    const status = await getJson(`${a.admin}/status`);
    assert.ok(status.services.every((s) => s.state === 'offline'));
    await waitFor(async () => !(await getJson(`${c.admin}/status`)).references[0].listed.includes(alphaAddress), 'alpha gone from the registry');
    const picks = new Set();
    for (let i = 0; i < 40; i++) picks.add(await c.echo.whoami());
    assert.deepEqual([...picks], ['beta'], 'the consumer only picks the online provider');

    // A late caller that still has alpha's address is served: offline is not shutdown.
    const direct = c.mesh.refer((await import('./harness.js')).Echo, { url: alphaAddress.replace('dubbo://', '') });
    assert.equal(await direct.whoami(), 'alpha');

    const ls = await (await fetch(`${a.admin}/ls`)).text();
    assert.match(ls, /As Provider side:/);
    assert.match(ls, /demo\.admin\.Echo:1\.0\.0 \| memory\(N\)/);

    const back = await fetch(`${a.admin}/online`, { method: 'POST', headers: { accept: 'application/json' } });
    const body = await back.json();
    assert.equal(body.result, 'OK');
    assert.ok(body.services.includes('demo.admin.Echo:1.0.0'));
    await waitFor(async () => (await getJson(`${c.admin}/status`)).references[0].listed.includes(alphaAddress), 'alpha listed again');
    await waitFor(async () => (await c.echo.whoami()) === 'alpha', 'alpha picked again');
    assert.match(await (await fetch(`${a.admin}/ls`)).text(), /memory\(Y\)/);
  });

  test('the consumer status shows endpoints with health, breaker, EWMA and counts; its metrics count calls', async () => {
    for (let i = 0; i < 10; i++) await c.echo.whoami();
    const s = await getJson(`${c.admin}/status`);
    assert.equal(s.application, 'caller');
    assert.equal(s.mode, 'direct');
    assert.equal(s.registry, 'memory');
    assert.match(s.registryUrl, /^memory:\/\/admin-/);
    const ref = s.references.find((r) => r.service === 'demo.admin.Echo:1.0.0' && r.protocol === 'dubbo');
    assert.equal(ref.endpoints.length, 2);
    for (const e of ref.endpoints) {
      assert.equal(e.health, 'up');
      assert.equal(e.breaker, 'closed');
      assert.ok(e.calls > 0, `${e.address} was called`);
      assert.equal(typeof e.ewmaMs, 'number');
    }
    const metrics = await fetch(`${c.admin}/metrics`);
    assert.equal(metrics.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const text = await metrics.text();
    const m = /^meshlet_calls_total\{side="client",service="demo\.admin\.Echo:1\.0\.0",method="whoami",code="OK"\} (\d+)$/m.exec(text);
    assert.ok(m && Number(m[1]) >= 10, 'client calls counted');
    assert.match(text, /^meshlet_endpoints_up\{service="demo\.admin\.Echo:1\.0\.0",protocol="dubbo"\} 2$/m);
    const server = await (await fetch(`${b.admin}/metrics`)).text();
    assert.match(server, /^meshlet_calls_total\{side="server",service="demo\.admin\.Echo:1\.0\.0",method="whoami",code="OK"\} \d+$/m);
    const stats = await getJson(`${c.admin}/stats?seconds=5`);
    assert.equal(stats.client.length, 5);
  });

  test('bad requests get a 4xx with a code, never a crash', async () => {
    assert.equal((await fetch(`${a.admin}/offline`)).status, 405, 'GET must not take a node offline');
    const bad = await fetch(`${a.admin}/offline?service=${encodeURIComponent('demo.(')}`, { method: 'POST' });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).code, 'BAD_REQUEST');
    assert.equal((await fetch(`${a.admin}/stats?seconds=-1`)).status, 400);
    assert.equal((await fetch(`${a.admin}/nowhere`)).status, 404);
    assert.equal((await getJson(`${a.admin}/status`)).services.every((s) => s.state === 'online'), true, 'a refused command changed nothing');
  });

  test('MESHLET_ADMIN_PORT turns it on, loopback only; admin: false and no env keep it off', async () => {
    const { createMeshlet } = await import('meshlet-rpc');
    const off = createMeshlet({ registry: false }, {});
    assert.equal(off.admin, undefined);
    await off.stop(0);
    const forced = createMeshlet({ registry: false, admin: false }, { MESHLET_ADMIN_PORT: '0' });
    assert.equal(forced.admin, undefined);
    await forced.stop(0);
    const on = createMeshlet({ registry: false }, { MESHLET_ADMIN_PORT: '0' });
    const address = await on.admin.ready;
    assert.equal(address.host, '127.0.0.1');
    assert.equal((await fetch(`http://127.0.0.1:${address.port}/status`)).status, 200);
    await on.stop(0);
    await assert.rejects(fetch(`http://127.0.0.1:${address.port}/status`), 'closed with the runtime');
    assert.throws(() => createMeshlet({ registry: false }, { MESHLET_ADMIN_PORT: 'http' }), { code: 'INVALID_ARGUMENT' });
  });
});
