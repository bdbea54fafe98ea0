// Dubbo 3 application instances that export dubbo and tri at once, on a real ZooKeeper: one
// instance per application and host (its id the dubbo port, as Java's), `dubbo.endpoints` listing
// both ports in Java 3.3.6's order (JAVA_DUBBO_TRI was read from a Java provider's node, see
// test/fleet/dubbo3-appdiscovery-tri.test.js), and consumers of either protocol reaching the port
// `dubbo.endpoints` gives it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dubboMetadataInfo, endpoint, type Endpoint, type Registration, type ServiceKey } from '@meshlet/core';
import { migrate } from './app-level/instance-services.js';
import { instanceJson, parseInstance } from './zookeeper/app-layout.js';
import { zkApp } from './zookeeper-app.fixture.js';

const JAVA_DUBBO_TRI = '{"name":"dubbo3-apptri-provider","id":"127.0.0.1:39671","address":"127.0.0.1","port":39671,"sslPort":null,"payload":{"@class":"org.apache.dubbo.registry.zookeeper.ZookeeperInstance","id":"127.0.0.1:39671","name":"dubbo3-apptri-provider","metadata":{"dubbo.endpoints":"[{\\"port\\":39671,\\"protocol\\":\\"dubbo\\"},{\\"port\\":35889,\\"protocol\\":\\"tri\\"}]","dubbo.metadata-service.url-params":"{\\"serialization\\":\\"hessian2\\",\\"prefer.serialization\\":\\"hessian2\\",\\"version\\":\\"2.0.0\\",\\"dubbo\\":\\"2.0.2\\",\\"release\\":\\"3.3.6\\",\\"side\\":\\"provider\\",\\"port\\":\\"35889\\",\\"protocol\\":\\"tri\\"}","dubbo.metadata.revision":"5ececd1ff93ded9796faa2183ac0f723","dubbo.metadata.storage-type":"local","meta-v":"2.0.0","timestamp":"1796534640843"}},"registrationTimeUTC":1796534641072,"serviceType":"DYNAMIC","uriSpec":null}';

const reg = (protocol: string, service: ServiceKey, port: number, application = 'app-t'): Registration =>
  ({ service, endpoint: endpoint(protocol, '127.0.0.1', port, { application }), methods: ['echo'], application });

describe('dubbo + tri instances, no server', () => {
  test("Java's dubbo+tri node reads as both ports; the instance's own port is the dubbo one", () => {
    const i = parseInstance(JAVA_DUBBO_TRI)!;
    assert.equal(i.port, 39671);
    assert.deepEqual(i.endpoints, { dubbo: 39671, tri: 35889 });
    assert.deepEqual(i.metadataService, { protocol: 'tri', port: 35889 });
  });

  test("Meshlet's dubbo.endpoints is Java's text, byte for byte (order of entries and of keys)", () => {
    const java = JSON.parse(JAVA_DUBBO_TRI).payload.metadata['dubbo.endpoints'];
    const ours = JSON.parse(instanceJson('m', '127.0.0.1', 39671, 'abc', 1, [{ port: 39671, protocol: 'dubbo' }, { port: 35889, protocol: 'tri' }]));
    assert.equal(ours.payload.metadata['dubbo.endpoints'], java);
    assert.equal(ours.port, 39671);
    assert.deepEqual(Object.keys(ours.payload.metadata), Object.keys(JSON.parse(JAVA_DUBBO_TRI).payload.metadata));
  });

  test('migration per protocol: FORCE_APPLICATION drops both levels of dubbo and tri; APPLICATION_FIRST keeps the interface level of a protocol the instances lack', () => {
    const ifDubbo = endpoint('dubbo', '10.0.0.1', 20880);
    const ifTri = endpoint('tri', '10.0.0.1', 50051);
    const ifBolt = endpoint('bolt', '10.0.0.1', 12200);
    const appDubbo = endpoint('dubbo', '10.0.0.2', 20880);
    const addr = (eps: readonly Endpoint[]) => eps.map((e) => `${e.protocol}://${e.host}:${e.port}`).sort();
    assert.deepEqual(addr(migrate([ifDubbo, ifTri, ifBolt], [appDubbo], 'APPLICATION_FIRST')),
      ['bolt://10.0.0.1:12200', 'dubbo://10.0.0.2:20880', 'tri://10.0.0.1:50051']);
    assert.deepEqual(addr(migrate([ifDubbo, ifTri, ifBolt], [appDubbo], 'FORCE_APPLICATION')),
      ['bolt://10.0.0.1:12200', 'dubbo://10.0.0.2:20880']);
    assert.deepEqual(addr(migrate([ifDubbo, ifTri], [], 'APPLICATION_FIRST')), ['dubbo://10.0.0.1:20880', 'tri://10.0.0.1:50051']);
    assert.deepEqual(addr(migrate([ifDubbo, ifTri], [appDubbo], 'FORCE_INTERFACE')), ['dubbo://10.0.0.1:20880', 'tri://10.0.0.1:50051']);
  });
});

describe('dubbo + tri instances on ZooKeeper', () => {
  const { registry, children, data } = zkApp();
  const metadata = async (path: string) => JSON.parse((await data(path)).toString()).payload.metadata as Record<string, string>;

  test('one instance for both protocols: its id the dubbo port (it moves there when dubbo registers after tri), both ports listed, one revision over both', async () => {
    const r = registry('register-mode=instance');
    const svc = { interface: 'i.Both', version: '1.0' };
    const tri = reg('tri', svc, 41002);
    const dubbo = reg('dubbo', svc, 41001);
    await r.register(tri);
    assert.deepEqual(await children('/services/app-t'), ['127.0.0.1:41002'], 'tri alone: the tri port');
    assert.equal((await metadata('/services/app-t/127.0.0.1:41002'))['dubbo.endpoints'], '[{"port":41002,"protocol":"tri"}]');
    assert.equal(JSON.parse((await metadata('/services/app-t/127.0.0.1:41002'))['dubbo.metadata-service.url-params']).protocol, 'tri');

    await r.register(dubbo);
    assert.deepEqual(await children('/services/app-t'), ['127.0.0.1:41001'], 'moved to the dubbo port');
    const m = await metadata('/services/app-t/127.0.0.1:41001');
    assert.equal(m['dubbo.endpoints'], '[{"port":41001,"protocol":"dubbo"},{"port":41002,"protocol":"tri"}]');
    assert.equal(m['dubbo.metadata.revision'], dubboMetadataInfo('app-t', [tri, dubbo]).revision);
    const params = JSON.parse(m['dubbo.metadata-service.url-params']!);
    assert.deepEqual([params.protocol, params.port, params.version], ['dubbo', '41001', '1.0.0']);
    assert.deepEqual(Object.keys(dubboMetadataInfo('app-t', [tri, dubbo]).services).sort(), ['i.Both:1.0:dubbo', 'i.Both:1.0:tri']);
    assert.deepEqual(await children('/dubbo/i.Both/providers'), [], 'instance mode: no interface-level node for either');
    assert.equal((await data('/dubbo/mapping/i.Both')).toString(), 'app-t');

    await r.unregister(dubbo);
    assert.deepEqual(await children('/services/app-t'), ['127.0.0.1:41002'], 'dubbo gone: back on the tri port');
    assert.equal((await metadata('/services/app-t/127.0.0.1:41002'))['dubbo.metadata.revision'], dubboMetadataInfo('app-t', [tri]).revision);
    await r.unregister(tri);
    assert.deepEqual(await children('/services/app-t'), []);
  });

  test("a consumer of each protocol gets that protocol's port from dubbo.endpoints (not the instance's own port nor the MetadataInfo's)", async () => {
    const provider = registry('register-mode=instance');
    const svc = { interface: 'i.Pick', version: '1.0' };
    const tri = reg('tri', svc, 42002, 'app-p');
    const dubbo = reg('dubbo', svc, 42001, 'app-p');
    await provider.register(dubbo);
    await provider.register(tri);
    const consumer = registry('migration=FORCE_APPLICATION');
    const asked: unknown[] = [];
    consumer.useMetadataFetcher(async (instance) => {
      asked.push(instance);
      const info = dubboMetadataInfo('app-p', [dubbo, tri]);
      // Ports the MetadataInfo leaves out (0): the instance's dubbo.endpoints must supply them.
      return { services: Object.fromEntries(Object.entries(info.services).map(([k, s]) => [k, { ...s, port: 0 }])) };
    });
    const last = async (protocol: string) => {
      const sets: (readonly Endpoint[])[] = [];
      await consumer.subscribe(svc, (eps) => sets.push(eps), { protocol });
      const t0 = Date.now();
      while (!(sets.at(-1) ?? []).some((e) => e.protocol === protocol) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
      return sets.at(-1)!.filter((e) => e.protocol === protocol).map((e) => `${e.protocol}://${e.host}:${e.port}`);
    };
    assert.deepEqual(await last('tri'), ['tri://127.0.0.1:42002']);
    assert.deepEqual(await last('dubbo'), ['dubbo://127.0.0.1:42001']);
    assert.deepEqual(asked[0], { application: 'app-p', host: '127.0.0.1', port: 42001, protocol: 'dubbo', revision: dubboMetadataInfo('app-p', [dubbo, tri]).revision });
  });
});
