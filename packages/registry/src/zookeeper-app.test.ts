// Dubbo 3 application-level registration on a real ZooKeeper: the instance node and mapping as
// Java Dubbo 3.3.6 writes them (JAVA_INSTANCE was read from a Java provider's node), register-mode
// interface / instance / all, revisions following the registrations, the mapping's compare-and-set.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Code, dubboMetadataInfo, endpoint, RpcError, type Endpoint, type Registration, type ServiceKey } from '@meshlet/core';
import { ZookeeperRegistry } from './index.js';
import { instanceJson, parseInstance, parseMapping } from './zookeeper/app-layout.js';
import { zkApp } from './zookeeper-app.fixture.js';

const JAVA_INSTANCE = '{"name":"dubbo3-app-provider","id":"127.0.0.1:36517","address":"127.0.0.1","port":36517,"sslPort":null,"payload":{"@class":"org.apache.dubbo.registry.zookeeper.ZookeeperInstance","id":"127.0.0.1:36517","name":"dubbo3-app-provider","metadata":{"dubbo.endpoints":"[{\\"port\\":36517,\\"protocol\\":\\"dubbo\\"}]","dubbo.metadata-service.url-params":"{\\"serialization\\":\\"hessian2\\",\\"prefer.serialization\\":\\"hessian2\\",\\"version\\":\\"1.0.0\\",\\"dubbo\\":\\"2.0.2\\",\\"release\\":\\"3.3.6\\",\\"side\\":\\"provider\\",\\"port\\":\\"36517\\",\\"protocol\\":\\"dubbo\\"}","dubbo.metadata.revision":"84829bbeafe65ac8d507c0776fb59308","dubbo.metadata.storage-type":"local","meta-v":"1.0.0","timestamp":"1796525854339"}},"registrationTimeUTC":1796525855886,"serviceType":"DYNAMIC","uriSpec":null}';

describe('application-level layout, no server', () => {
  test("a Java instance node reads as its address, revision, endpoints and MetadataService's port", () => {
    const i = parseInstance(JAVA_INSTANCE)!;
    assert.deepEqual({ ...i, metadata: undefined }, {
      application: 'dubbo3-app-provider', host: '127.0.0.1', port: 36517, revision: '84829bbeafe65ac8d507c0776fb59308',
      endpoints: { dubbo: 36517 }, metadataService: { protocol: 'dubbo', port: 36517 }, metadata: undefined,
    });
    for (const bad of ['', '{', '[]', '{"name":"a"}', '{"name":"a","address":"h","port":1,"payload":{"metadata":{}}}']) {
      assert.equal(parseInstance(bad), undefined, bad);
    }
  });

  test("Meshlet's instance node has the Java node's shape, key for key", () => {
    const java = JSON.parse(JAVA_INSTANCE);
    const ours = JSON.parse(instanceJson('m', '10.0.0.1', 20880, 'abc', 1700000000000));
    assert.deepEqual(Object.keys(ours), Object.keys(java));
    assert.deepEqual(Object.keys(ours.payload), Object.keys(java.payload));
    assert.deepEqual(Object.keys(ours.payload.metadata), Object.keys(java.payload.metadata));
    assert.deepEqual(Object.keys(JSON.parse(ours.payload.metadata['dubbo.metadata-service.url-params'])),
      Object.keys(JSON.parse(java.payload.metadata['dubbo.metadata-service.url-params'])));
    assert.equal(parseInstance(JSON.stringify(ours))?.revision, 'abc');
  });

  test('mapping data: comma-joined names, blanks and repeats dropped', () => {
    assert.deepEqual(parseMapping(Buffer.from('a, b,,a')), ['a', 'b']);
    assert.deepEqual(parseMapping(null), []);
  });

  test('register-mode must be interface, instance or all (the default)', () => {
    assert.throws(() => new ZookeeperRegistry('zookeeper://127.0.0.1:1?register-mode=both'), (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument);
    assert.equal(new ZookeeperRegistry('zookeeper://127.0.0.1:1').settings.registerMode, 'all');
    assert.equal(new ZookeeperRegistry({ servers: '127.0.0.1:1', registerMode: 'instance' }).settings.registerMode, 'instance');
  });

  test('migration must be FORCE_INTERFACE, APPLICATION_FIRST (the default) or FORCE_APPLICATION', () => {
    assert.throws(() => new ZookeeperRegistry('zookeeper://127.0.0.1:1?migration=application_first'), (e: unknown) => e instanceof RpcError && e.code === Code.InvalidArgument);
    assert.equal(new ZookeeperRegistry('zookeeper://127.0.0.1:1').settings.migration, 'APPLICATION_FIRST');
    assert.equal(new ZookeeperRegistry('zookeeper://127.0.0.1:1?migration=FORCE_APPLICATION').settings.migration, 'FORCE_APPLICATION');
  });
});

describe('application-level registration on ZooKeeper', () => {
  const zk = zkApp();
  const registry = (mode: string) => zk.registry(`register-mode=${mode}`);
  const { children, data } = zk;
  const reg = (service: ServiceKey, port: number, application = 'app-a'): Registration =>
    ({ service, endpoint: endpoint('dubbo', '127.0.0.1', port, { application }), methods: ['echo'], application });

  test('instance: one node per app instance with the revision of all its services; mappings; no interface nodes', async () => {
    const r = registry('instance');
    const echo = reg({ interface: 'i.Echo', version: '1.0' }, 30001);
    const calc = reg({ interface: 'i.Calc' }, 30001);
    await r.register(echo);
    await r.register(calc);
    assert.deepEqual(await children('/services/app-a'), ['127.0.0.1:30001']);
    const node = parseInstance(await data('/services/app-a/127.0.0.1:30001'))!;
    assert.equal(node.revision, dubboMetadataInfo('app-a', [echo, calc]).revision);
    assert.equal((await data('/dubbo/mapping/i.Echo')).toString(), 'app-a');
    assert.equal((await data('/dubbo/mapping/i.Calc')).toString(), 'app-a');
    assert.deepEqual(await children('/dubbo/i.Echo/providers'), [], 'no interface-level node');

    await r.unregister(calc);
    assert.equal(parseInstance(await data('/services/app-a/127.0.0.1:30001'))!.revision, dubboMetadataInfo('app-a', [echo]).revision);
    await r.unregister(echo);
    assert.deepEqual(await children('/services/app-a'), [], 'the last service gone, the instance goes');
    assert.equal((await data('/dubbo/mapping/i.Echo')).toString(), 'app-a', 'mappings are persistent, as in Java');
  });

  test('all writes both levels; interface writes no instance', async () => {
    const all = registry('all');
    await all.register(reg({ interface: 'i.Both' }, 30002, 'app-b'));
    assert.equal((await children('/dubbo/i.Both/providers')).length, 1);
    assert.deepEqual(await children('/services/app-b'), ['127.0.0.1:30002']);
    const iface = registry('interface');
    await iface.register(reg({ interface: 'i.Only' }, 30003, 'app-c'));
    assert.equal((await children('/dubbo/i.Only/providers')).length, 1);
    assert.deepEqual(await children('/services/app-c'), []);
    await assert.rejects(data('/dubbo/mapping/i.Only'));
    await all.close();
    assert.deepEqual(await children('/services/app-b'), [], 'close removes the instance at once');
  });

  test('a consumer: instances × their metadata become endpoints; a failing MetadataService is retried without any ZooKeeper event', async () => {
    const provider = registry('instance');
    const echo = reg({ interface: 'i.Retry', version: '1.0' }, 32001, 'app-r');
    await provider.register(echo);
    let asked = 0;
    const consumer = zk.registry('migration=FORCE_APPLICATION');
    consumer.useMetadataFetcher(async (instance) => {
      asked++;
      assert.deepEqual(instance, { application: 'app-r', host: '127.0.0.1', port: 32001, protocol: 'dubbo', revision: dubboMetadataInfo('app-r', [echo]).revision });
      if (asked < 3) throw new Error('not yet');
      return dubboMetadataInfo('app-r', [echo]);
    });
    const sets: (readonly Endpoint[])[] = [];
    await consumer.subscribe({ interface: 'i.Retry', version: '1.0' }, (eps) => sets.push(eps), { protocol: 'dubbo' });
    assert.deepEqual(sets, [[]], 'first delivery: nothing yet');
    const t0 = Date.now();
    while (sets.at(-1)!.length === 0 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
    const ep: Endpoint | undefined = (sets as (readonly Endpoint[])[]).at(-1)![0];
    assert.equal(asked, 3);
    assert.equal(`${ep!.protocol}://${ep!.host}:${ep!.port}`, 'dubbo://127.0.0.1:32001');
    assert.equal(ep!.params.interface, 'i.Retry');
    // Another version is another service: not delivered to this subscriber.
    const other: (readonly Endpoint[])[] = [];
    await consumer.subscribe({ interface: 'i.Retry', version: '2.0' }, (eps) => other.push(eps), { protocol: 'dubbo' });
    assert.deepEqual(other, [[]]);
  });

  test('providers of one interface in several applications all land in its mapping (compare-and-set)', async () => {
    const apps = ['m1', 'm2', 'm3', 'm4', 'm5'];
    await Promise.all(apps.map((a, i) => registry('instance').register(reg({ interface: 'i.Shared' }, 31000 + i, a))));
    assert.deepEqual(parseMapping(await data('/dubbo/mapping/i.Shared')).sort(), apps);
  });
});
