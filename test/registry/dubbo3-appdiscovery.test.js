// Meshlet ↔ Meshlet by Dubbo 3 application-level discovery on a real ZooKeeper: register-mode
// instance / interface against the consumer's migration rule (APPLICATION_FIRST falls back to the
// interface level, FORCE_APPLICATION does not), the MetadataService fetched once per revision, and
// instances that go away leaving the consumer's set.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Code, defineService, RpcError, t } from '@meshlet/core';
import { createMeshlet } from 'meshlet-rpc';
import { dubbo } from '@meshlet/transport-dubbo';
import { RawZooKeeper, ZooKeeperServer, waitUntil } from '../../packages/registry/dist/testing/index.js';
import { EchoService, echoImpl } from '../../examples/conformance/service.js';

const ECHO = 'com.meshlet.conformance.EchoService';

describe('Meshlet ↔ Meshlet, Dubbo 3 application-level discovery on ZooKeeper', { timeout: 60_000 }, () => {
  let zk;
  let raw;
  const running = [];
  before(async () => {
    zk = await ZooKeeperServer.start({ tickTime: 200 });
    raw = await RawZooKeeper.connect(zk.connectString);
  });
  after(async () => {
    await Promise.allSettled(running.map((m) => m.stop(0)));
    raw?.close();
    await zk?.close();
  });
  const url = (query) => `zookeeper://${zk.connectString}?session=2000&${query}`;
  async function provider(application, query, impl = echoImpl) {
    const m = createMeshlet({ application, protocols: [dubbo()], registry: url(query), server: { host: '127.0.0.1', port: 0 } });
    m.provide(EchoService, impl);
    await m.start();
    running.push(m);
    return m;
  }
  function consumer(query) {
    const m = createMeshlet({ application: 'app-consumer', protocols: [dubbo()], registry: url(query) });
    running.push(m);
    return m;
  }

  test('a provider registered at the application level only is found (APPLICATION_FIRST), and leaves when it stops', async () => {
    const p = await provider('app-one', 'register-mode=instance', { ...echoImpl, echo: (s) => `one:${s}` });
    assert.deepEqual(await raw.children(`/dubbo/${ECHO}/providers`).catch(() => []), []);
    const c = consumer('migration=APPLICATION_FIRST');
    const echo = c.refer(EchoService, { timeout: 3000 });
    assert.equal(await echo.echo('x'), 'one:x');
    await p.stop(0);
    // The instance node is gone: the consumer has no provider left and says so with a code.
    await waitUntil(async () => {
      try {
        await echo.echo('y');
        return false;
      } catch (e) {
        return e instanceof RpcError;
      }
    }, 10_000, 'the stopped instance leaves the consumer');
    await c.stop(0);
  });

  test('APPLICATION_FIRST falls back to the interface level when the application level has no instance; FORCE_APPLICATION does not', async () => {
    await provider('app-two', 'register-mode=interface', { ...echoImpl, echo: (s) => `two:${s}` });
    assert.equal((await raw.children(`/dubbo/${ECHO}/providers`)).length, 1);
    const first = consumer('migration=APPLICATION_FIRST');
    assert.equal(await first.refer(EchoService, { timeout: 3000 }).echo('x'), 'two:x');
    const forced = consumer('migration=FORCE_APPLICATION');
    // app-one's mapping stays (persistent, as in Java) but its instance is gone: nothing to call.
    await assert.rejects(forced.refer(EchoService, { timeout: 3000 }).echo('x'), (e) => e instanceof RpcError && e.code !== undefined);
    await Promise.all([first.stop(0), forced.stop(0)]);
  });

  test('register-mode=all: both levels; the consumer uses the application level and asks each revision once', async () => {
    let asked = 0;
    const p = await provider('app-three', 'register-mode=all', { ...echoImpl, echo: (s) => `three:${s}` });
    const c = createMeshlet({
      application: 'app-consumer', protocols: [dubbo()], registry: url('migration=FORCE_APPLICATION'),
      interceptors: [(next) => (inv) => { if (inv.method.name === 'getMetadataInfo') asked++; return next(inv); }],
    });
    running.push(c);
    const echo = c.refer(EchoService, { timeout: 3000 });
    for (let i = 0; i < 5; i++) assert.equal(await echo.echo(String(i)), `three:${i}`);
    assert.equal(asked, 1, 'one MetadataService call for one instance revision');
    assert.equal((await raw.children(`/dubbo/${ECHO}/providers`)).length >= 1, true);
    await c.stop(0);
    await p.stop(0);
  });

  test("offline() changes the instance's revision: the consumer re-reads it, keeps the rest and loses what went offline", async () => {
    const Other = defineService({ interface: 'com.meshlet.test.AppOther', version: '1.0', methods: { who: { params: [], returns: t.string } } });
    const p = createMeshlet({ application: 'app-four', protocols: [dubbo()], registry: url('register-mode=instance'), server: { host: '127.0.0.1', port: 0 } });
    p.provide(EchoService, { ...echoImpl, echo: (s) => `four:${s}` });
    p.provide(Other, { who: () => 'other' });
    await p.start();
    running.push(p);
    const c = consumer('migration=FORCE_APPLICATION');
    const other = c.refer(Other, { timeout: 3000 });
    const echo = c.refer(EchoService, { timeout: 3000 });
    assert.equal(await other.who(), 'other');
    assert.equal(await echo.echo('a'), 'four:a');
    const [id] = await raw.children('/services/app-four');
    const before = JSON.parse((await raw.data(`/services/app-four/${id}`)).toString()).payload.metadata['dubbo.metadata.revision'];
    await p.offline('com.meshlet.test.AppOther');
    const after = JSON.parse((await raw.data(`/services/app-four/${id}`)).toString()).payload.metadata['dubbo.metadata.revision'];
    assert.notEqual(after, before);
    await waitUntil(async () => other.who().then(() => false, (e) => e instanceof RpcError), 10_000, 'the offline service leaves the consumer');
    assert.equal(await echo.echo('b'), 'four:b', 'the instance still serves the rest, under its new revision');
    await p.online('com.meshlet.test.AppOther');
    await waitUntil(async () => other.who().then((v) => v === 'other', () => false), 10_000, 'back online');
    await Promise.all([c.stop(0), p.stop(0)]);
  });

  test('bad migration or register-mode values are typed errors', () => {
    assert.throws(() => createMeshlet({ protocols: [dubbo()], registry: url('migration=SOMETIMES') }), (e) => e instanceof RpcError && e.code === Code.InvalidArgument);
    assert.throws(() => createMeshlet({ protocols: [dubbo()], registry: url('register-mode=x') }), (e) => e instanceof RpcError && e.code === Code.InvalidArgument);
  });
});
