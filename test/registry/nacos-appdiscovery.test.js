// Dubbo 3 application-level discovery on a real Nacos-protocol server (r-nacos, see
// packages/registry/src/testing/nacos-server.ts), Meshlet ↔ Meshlet: the application's Nacos
// service and the mapping config as Java Dubbo 3.3.6 writes them (the captured Java instance:
// packages/registry/src/fixtures/nacos-java-app-instance.json), register-mode against migration,
// the revision following the registrations, a mapping written after a consumer subscribed (the
// config long poll), and the empty protection after a server restart.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { defineService, endpoint, RpcError, serviceDefinition } from '@meshlet/core';
import { createMeshlet } from 'meshlet-rpc';
import { dubbo } from '@meshlet/transport-dubbo';
import { triple } from '@meshlet/transport-triple';
import { NacosRegistry } from '../../packages/registry/dist/index.js';
import { NacosServer, nacosServerMissing, waitUntil } from '../../packages/registry/dist/testing/index.js';
import { EchoService, echoImpl } from '../../examples/conformance/service.js';

const ECHO = 'com.meshlet.conformance.EchoService';
const JAVA = JSON.parse(readFileSync(new URL('../../packages/registry/src/fixtures/nacos-java-app-instance.json', import.meta.url), 'utf8')).hosts[0];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** EchoService exported on dubbo and tri at once, and referred over tri only. */
const BothEcho = serviceDefinition({ ...EchoService, protocol: ['dubbo', 'tri'] }, EchoService.methods.values());
const TriEcho = serviceDefinition({ ...EchoService, protocol: 'tri' }, EchoService.methods.values());

describe('Dubbo 3 application-level discovery on Nacos, Meshlet ↔ Meshlet', { timeout: 120_000, skip: nacosServerMissing() }, () => {
  let server;
  let base;
  const running = [];
  before(async () => {
    server = await NacosServer.start({ healthTimeoutSec: 3, instanceTimeoutSec: 6 });
    base = `http://127.0.0.1:${server.port}`;
  });
  after(async () => {
    await Promise.allSettled(running.map((m) => (m.stop ? m.stop(0) : m.close())));
    await server?.close();
  });
  const url = (query) => server.url(`?beat=500&${query}`);
  async function provider(application, query, impl = echoImpl, services = [EchoService]) {
    const m = createMeshlet({ application, protocols: [dubbo()], registry: url(query), server: { host: '127.0.0.1', port: 0 } });
    for (const s of services) m.provide(s, impl);
    await m.start();
    running.push(m);
    return m;
  }
  function consumer(query) {
    const m = createMeshlet({ application: 'app-consumer', protocols: [dubbo()], registry: url(query) });
    running.push(m);
    return m;
  }
  const hosts = async (serviceName) => {
    const res = await fetch(`${base}/nacos/v1/ns/instance/list?${new URLSearchParams({ serviceName, groupName: 'DEFAULT_GROUP', healthyOnly: 'false' })}`);
    return JSON.parse(await res.text()).hosts ?? [];
  };
  const mapping = async (iface) => {
    const res = await fetch(`${base}/nacos/v1/cs/configs?${new URLSearchParams({ dataId: iface, group: 'mapping' })}`);
    const text = await res.text();
    return res.status === 200 ? text : undefined;
  };
  const fails = async (call) => {
    try {
      await call();
      return false;
    } catch (e) {
      return e instanceof RpcError;
    }
  };

  test('register-mode=instance writes the application instance as Java does, and the mapping; nothing at the interface level', async () => {
    const p = await provider('nacos-app-shape', 'register-mode=instance');
    const [instance] = await hosts('nacos-app-shape');
    assert.equal(instance.port, p.address().port);
    assert.equal(instance.weight, JAVA.weight);
    assert.equal(instance.ephemeral, true);
    assert.deepEqual(Object.keys(instance.metadata).sort(), Object.keys(JAVA.metadata).sort());
    assert.deepEqual(Object.keys(JSON.parse(instance.metadata['dubbo.metadata-service.url-params'])).sort(),
      Object.keys(JSON.parse(JAVA.metadata['dubbo.metadata-service.url-params'])).sort());
    assert.deepEqual(JSON.parse(instance.metadata['dubbo.endpoints']), [{ port: p.address().port, protocol: 'dubbo' }]);
    assert.equal(await mapping(ECHO), 'nacos-app-shape');
    assert.deepEqual(await hosts(`providers:${ECHO}:1.0:`), []);
    // A second application providing the interface is appended; the first stays listed.
    const p2 = await provider('nacos-app-shape-2', 'register-mode=instance');
    assert.equal(await mapping(ECHO), 'nacos-app-shape,nacos-app-shape-2');
    await p2.stop(0);
    await p.stop(0);
    assert.deepEqual(await hosts('nacos-app-shape'), [], 'unregistered with the last registration');
    assert.equal(await mapping(ECHO), 'nacos-app-shape,nacos-app-shape-2', 'the mapping is never shrunk (as in Java)');
  });

  test('the revision follows the registrations of the instance', async () => {
    const registry = new NacosRegistry(url('register-mode=instance'));
    running.push(registry);
    const reg = (iface) => ({ service: { interface: iface, version: '1.0' }, endpoint: endpoint('dubbo', '127.0.0.1', 20999, {}, 100), application: 'nacos-app-rev', methods: ['m'] });
    await registry.register(reg('a.One'));
    const [one] = await hosts('nacos-app-rev');
    await registry.register(reg('a.Two'));
    const [two] = await hosts('nacos-app-rev');
    assert.notEqual(two.metadata['dubbo.metadata.revision'], one.metadata['dubbo.metadata.revision']);
    assert.equal((await hosts('nacos-app-rev')).length, 1, 'one instance per application process');
    assert.equal(await mapping('a.Two'), 'nacos-app-rev');
    await registry.unregister(reg('a.Two'));
    const [back] = await hosts('nacos-app-rev');
    assert.equal(back.metadata['dubbo.metadata.revision'], one.metadata['dubbo.metadata.revision']);
    await registry.unregister(reg('a.One'));
    assert.deepEqual(await hosts('nacos-app-rev'), []);
  });

  test('FORCE_APPLICATION finds an instance-only provider and loses it when it stops; FORCE_INTERFACE does not find it', async () => {
    const p = await provider('nacos-app-one', 'register-mode=instance', { ...echoImpl, echo: (s) => `one:${s}` });
    const c = consumer('migration=FORCE_APPLICATION');
    const echo = c.refer(EchoService, { timeout: 3000 });
    assert.equal(await echo.echo('x'), 'one:x');
    const blind = consumer('migration=FORCE_INTERFACE').refer(EchoService, { timeout: 1000 });
    assert.ok(await fails(() => blind.echo('x')), 'not at the interface level');
    await p.stop(0);
    await waitUntil(() => fails(() => echo.echo('y')), 10_000, 'the stopped instance leaves the consumer');
  });

  test('APPLICATION_FIRST falls back to the interface level when no application instance provides the service', async () => {
    const p = await provider('nacos-app-iface', 'register-mode=interface', { ...echoImpl, echo: (s) => `iface:${s}` });
    assert.deepEqual(await hosts('nacos-app-iface'), []);
    const c = consumer('migration=APPLICATION_FIRST');
    assert.equal(await c.refer(EchoService, { timeout: 3000 }).echo('x'), 'iface:x');
    const strict = consumer('migration=FORCE_APPLICATION').refer(EchoService, { timeout: 1000 });
    // The mapping may name applications from earlier tests (never shrunk), none of which serves now.
    assert.ok(await fails(() => strict.echo('x')), 'FORCE_APPLICATION does not fall back');
    await p.stop(0);
  });

  test('a consumer that subscribed first finds a provider registered later through the mapping long poll and the push, not the 60 s refresh', async () => {
    const iface = 'com.meshlet.late.Echo';
    const Late = defineService({ interface: iface, version: '1.0', methods: { echo: { params: EchoService.methods.get('echo').params, returns: EchoService.methods.get('echo').returns } } });
    const c = createMeshlet({ application: 'app-consumer', protocols: [dubbo()], registry: server.url('?refresh=60000&migration=FORCE_APPLICATION') });
    running.push(c);
    const echo = c.refer(Late, { timeout: 1000 });
    assert.ok(await fails(() => echo.echo('early')), 'nothing yet');
    assert.equal(await mapping(iface), undefined);
    const t0 = Date.now();
    await provider('nacos-app-late', 'register-mode=instance', { ...echoImpl, echo: (s) => `late:${s}` }, [Late]);
    await waitUntil(async () => (await echo.echo('z').catch(() => '')) === 'late:z', 20_000, 'the late provider');
    const took = Date.now() - t0;
    assert.ok(took < 10_000, `found after ${took} ms`);
  });

  test('a runtime with dubbo and tri is one instance at its dubbo port listing both; a tri consumer (FORCE_APPLICATION) reaches the tri port', async () => {
    const p = createMeshlet({ application: 'nacos-app-both', protocols: [dubbo(), triple()], registry: url('register-mode=instance'), server: { host: '127.0.0.1', port: 0 } });
    p.provide(BothEcho, { ...echoImpl, echo: (s) => `both:${s}` });
    await p.start();
    running.push(p);
    const listed = await hosts('nacos-app-both');
    assert.equal(listed.length, 1, JSON.stringify(listed));
    assert.equal(listed[0].port, p.address('dubbo').port);
    assert.deepEqual(JSON.parse(listed[0].metadata['dubbo.endpoints']), [{ port: p.address('dubbo').port, protocol: 'dubbo' }, { port: p.address('tri').port, protocol: 'tri' }]);
    // The consumer reads MetadataServices over dubbo (the runtime installs its fetcher with the dubbo protocol).
    const c = createMeshlet({ application: 'app-consumer', protocols: [dubbo(), triple()], registry: url('migration=FORCE_APPLICATION') });
    running.push(c);
    assert.equal(await c.refer(TriEcho, { timeout: 3000 }).echo('t'), 'both:t');
    await p.stop(0);
    assert.deepEqual(await hosts('nacos-app-both'), []);
  });

  describe('empty protection', () => {
    const key = { interface: 'com.meshlet.grace.Echo', version: '1.0' };
    const reg = (port) => ({ service: key, endpoint: endpoint('dubbo', '127.0.0.1', port, {}, 100), application: 'nacos-grace', methods: ['echo'] });
    /** A subscriber's every delivered set (as port lists), timestamped. */
    async function watch(query) {
      const r = new NacosRegistry(server.url(query));
      running.push(r);
      const sets = [];
      await r.subscribe(key, (set) => sets.push({ at: Date.now(), ports: set.map((e) => e.port).sort() }));
      return { r, sets, last: () => sets.at(-1)?.ports ?? [] };
    }

    test('a server restart: the subscriber never sees the empty list while the provider registers again', async () => {
      const p = new NacosRegistry(server.url('?beat=2000&register-mode=interface'));
      running.push(p);
      await p.register(reg(21001));
      const w = await watch('?refresh=200&emptyGrace=10000');
      assert.deepEqual(w.last(), [21001]);
      await server.kill();
      await sleep(300);
      await server.restart();
      // The restarted server is empty until the provider's next beat writes it again (up to 2 s).
      await waitUntil(async () => (await hosts(`providers:${key.interface}:1.0:`)).length === 1, 15_000, 'the provider back on the restarted server');
      await sleep(500);
      assert.deepEqual(w.sets.filter((s) => s.ports.length === 0), [], JSON.stringify(w.sets));
      assert.deepEqual(w.last(), [21001]);
      await p.close();
    });

    test('the hold lasts emptyGrace only: a provider that does not come back leaves after it; with emptyGrace=0 at once', async () => {
      const p = new NacosRegistry(server.url('?beat=500&register-mode=interface'));
      running.push(p);
      await p.register(reg(21002));
      const held = await watch('?refresh=200&emptyGrace=3000');
      const bare = await watch('?refresh=200&emptyGrace=0');
      assert.deepEqual(held.last(), [21002]);
      assert.deepEqual(bare.last(), [21002]);
      await server.kill();
      await p.close(); // its delete cannot reach the server, and nothing registers it again
      await sleep(300);
      await server.restart();
      const restartedAt = Date.now();
      await waitUntil(async () => bare.last().length === 0, 10_000, 'the unprotected subscriber to see the empty list');
      await sleep(1000);
      assert.deepEqual(held.last(), [21002], 'held inside the grace');
      await waitUntil(async () => held.last().length === 0, 10_000, 'the protected subscriber to let go after the grace');
      const emptyAt = held.sets.at(-1).at;
      // Counted from when the subscriber's registry saw the server again (within a second of the restart).
      assert.ok(emptyAt - restartedAt >= 2500, `let go ${emptyAt - restartedAt} ms after the restart`);
    });

    test('emptyProtection=true keeps the last non-empty list for good, as nacos-client namingPushEmptyProtection', async () => {
      const p = new NacosRegistry(server.url('?beat=500&register-mode=interface'));
      running.push(p);
      await p.register(reg(21003));
      const w = await watch('?refresh=200&emptyProtection=true');
      const plain = await watch('?refresh=200');
      assert.deepEqual(w.last(), [21003]);
      await p.unregister(reg(21003));
      await waitUntil(async () => plain.last().length === 0, 10_000, 'the plain subscriber to see the provider leave');
      await sleep(1000);
      assert.deepEqual(w.last(), [21003]);
    });
  });
});
