// The nacos registry's SOFARPC naming against a real Nacos-protocol server (r-nacos, see
// testing/nacos-server.ts): where a Bolt provider lands, what Bolt subscribers read, and that the
// Dubbo naming beside it is untouched. Java SOFARPC itself: test/fleet/sofarpc-nacos.test.js.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { endpoint, type Registration, type ServiceKey } from '@meshlet/core';
import { Recorder } from './fixtures/helpers.js';
import { NacosRegistry } from './index.js';
import { NacosServer, nacosServerMissing } from './testing/index.js';

const ECHO = 'com.meshlet.conformance.EchoService';
const echo: ServiceKey = { interface: ECHO, version: '1.0' };
const g2: ServiceKey = { ...echo, group: 'g2' };
const reg = (service: ServiceKey, port: number, protocol = 'bolt'): Registration => ({ service, endpoint: endpoint(protocol, '127.0.0.1', port, {}, 100), methods: ['echo'], application: 'nacos-sofa-test' });
/** The keys SOFARPC 5.13.2's provider writes (RegistryUtils.convertProviderToMap), captured from a real one. */
const JAVA_KEYS = ['accepts', 'appName', 'delay', 'dynamic', 'id', 'interface', 'language', 'pid', 'protocol', 'rpcVer', 'serialization', 'startTime', 'timeout', 'uniqueId', 'weight'];
const skip = nacosServerMissing();

describe('nacos registry, SOFARPC naming, against a real server', { skip }, () => {
  let server: NacosServer;
  const open: NacosRegistry[] = [];
  const registry = (query = ''): NacosRegistry => {
    const r = new NacosRegistry(server.url(query));
    open.push(r);
    return r;
  };
  const list = async (q: Record<string, string>): Promise<{ hosts: { ip: string; port: number; clusterName: string; weight: number; ephemeral: boolean; metadata: Record<string, string> }[] }> => {
    const res = await fetch(`http://127.0.0.1:${server.port}/nacos/v1/ns/instance/list?${new URLSearchParams({ healthyOnly: 'false', ...q })}`);
    assert.equal(res.status, 200);
    return (await res.json()) as never;
  };

  before(async () => {
    server = await NacosServer.start({ healthTimeoutSec: 2, instanceTimeoutSec: 3, startTimeoutMs: 120_000 });
  });
  after(async () => {
    await Promise.allSettled(open.map((r) => r.close()));
    await server?.close();
  });

  test('a Bolt provider is written where and as SOFARPC writes it; Dubbo beside it keeps its own naming', async () => {
    const provider = registry('?beat=500');
    await provider.register(reg(echo, 12200));
    await provider.register(reg(g2, 12200));
    await provider.register(reg(echo, 20880, 'dubbo'));
    const { hosts } = await list({ namespaceId: 'sofa-rpc', serviceName: `${ECHO}:DEFAULT`, groupName: 'DEFAULT_GROUP' });
    assert.equal(hosts.length, 1);
    const [h] = hosts;
    assert.deepEqual([h?.ip, h?.port, h?.clusterName, h?.weight, h?.ephemeral], ['127.0.0.1', 12200, 'default-cluster', 1, true]);
    assert.deepEqual(Object.keys(h?.metadata ?? {}).sort(), JAVA_KEYS);
    assert.deepEqual([h?.metadata.uniqueId, h?.metadata.protocol, h?.metadata.language], ['', 'bolt', 'nodejs']);
    const g2Hosts = (await list({ namespaceId: 'sofa-rpc', serviceName: `${ECHO}:g2:DEFAULT` })).hosts;
    assert.deepEqual(g2Hosts.map((x) => [x.port, x.metadata.uniqueId]), [[12200, 'g2']]);
    // The Dubbo registration stays in the registry's namespace (public) under Dubbo's name.
    assert.deepEqual((await list({ serviceName: `providers:${ECHO}:1.0:` })).hosts.map((x) => x.port), [20880]);
    assert.deepEqual((await list({ namespaceId: 'sofa-rpc', serviceName: `providers:${ECHO}:1.0:` })).hosts, []);
    await provider.close();
    assert.deepEqual((await list({ namespaceId: 'sofa-rpc', serviceName: `${ECHO}:DEFAULT` })).hosts, [], 'close deletes at once');
  });

  test('Bolt subscribers read their uniqueId\'s service; Dubbo subscribers of the same key do not see Bolt providers', async () => {
    const provider = registry('?beat=500');
    const consumer = registry('?refresh=300');
    const plain = new Recorder();
    const unique = new Recorder();
    const dubbo = new Recorder();
    await consumer.subscribe(echo, plain.listener, { protocol: 'bolt' });
    await consumer.subscribe(g2, unique.listener, { protocol: 'bolt' });
    await consumer.subscribe(echo, dubbo.listener, { protocol: 'dubbo' });
    await provider.register(reg(echo, 12201));
    await provider.register(reg(g2, 12202));
    await plain.until((a) => a.length === 1, 5000, 'bolt provider');
    await unique.until((a) => a.length === 1, 5000, 'g2 provider');
    assert.deepEqual(plain.last, ['bolt://127.0.0.1:12201']);
    assert.deepEqual(unique.last, ['bolt://127.0.0.1:12202']);
    const e = plain.sets.at(-1)?.[0];
    assert.deepEqual([e?.weight, e?.params.serialization, e?.params.interface], [100, 'hessian2', ECHO]);
    assert.deepEqual(dubbo.addresses(), [[]]);
    await provider.unregister(reg(echo, 12201));
    await plain.until((a) => a.length === 0, 5000, 'unregister');
    assert.deepEqual(unique.last, ['bolt://127.0.0.1:12202']);
    await provider.close();
    await consumer.close();
  });

  test('SOFARPC reads cluster default-cluster only, and so does Meshlet; a namespace in the URL is used instead of sofa-rpc', async () => {
    const consumer = registry('?refresh=300');
    const rec = new Recorder();
    await consumer.subscribe(echo, rec.listener, { protocol: 'bolt' });
    // Another cluster of the same service, as some other writer would put it.
    const q = new URLSearchParams({ namespaceId: 'sofa-rpc', serviceName: `${ECHO}:DEFAULT`, groupName: 'DEFAULT_GROUP', clusterName: 'other', ip: '127.0.0.1', port: '12203', ephemeral: 'false', metadata: JSON.stringify({ protocol: 'bolt', uniqueId: '' }) });
    assert.equal((await fetch(`http://127.0.0.1:${server.port}/nacos/v1/ns/instance?${q}`, { method: 'POST' })).status, 200);
    const provider = registry('?beat=500');
    await provider.register(reg(echo, 12204));
    await rec.until((a) => a.includes('bolt://127.0.0.1:12204'), 5000, 'default-cluster provider');
    assert.deepEqual(rec.last, ['bolt://127.0.0.1:12204'], 'the other cluster is not read');

    const prod = registry('?namespace=prod&beat=500');
    await prod.register(reg(echo, 12205));
    assert.deepEqual((await list({ namespaceId: 'prod', serviceName: `${ECHO}:DEFAULT` })).hosts.map((x) => x.port), [12205]);
    assert.ok(!rec.last?.includes('bolt://127.0.0.1:12205'));
    await Promise.all([provider.close(), prod.close(), consumer.close()]);
  });
});
