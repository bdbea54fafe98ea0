// The nacos registry's URL options and Dubbo naming, without a server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, endpoint, RpcError } from '@meshlet/core';
import { createRegistry, NacosRegistry, nacosSettings } from './index.js';
import { dubboEndpoint, dubboInstance, dubboServiceName } from './nacos/dubbo-naming.js';

const invalid = (e: unknown) => RpcError.is(e, Code.InvalidArgument);

test('nacos URL: servers, default port, namespace, group, credentials, timings', () => {
  const s = nacosSettings('nacos://nacos:secret@h1:8848,h2?namespace=dev&group=RPC&beat=1000&refresh=2000&timeout=500');
  assert.deepEqual(s.servers, ['h1:8848', 'h2:8848']);
  assert.equal(s.namespace, 'dev');
  assert.equal(s.group, 'RPC');
  assert.equal(s.username, 'nacos');
  assert.equal(s.password, 'secret');
  assert.equal(s.beatMs, 1000);
  assert.equal(s.refreshMs, 2000);
  assert.equal(s.timeoutMs, 500);
  const d = nacosSettings('nacos://127.0.0.1:8848?namespace=public');
  assert.equal(d.namespace, '', 'public is the empty namespace id');
  assert.equal(d.group, 'DEFAULT_GROUP');
  assert.equal(d.cluster, 'DEFAULT');
  assert.equal(d.username, undefined);
  assert.equal(nacosSettings('nacos://h?username=u&password=p').username, 'u');
  assert.ok(createRegistry('nacos://127.0.0.1:8848') instanceof NacosRegistry);
});

test('nacos URL: bad input is INVALID_ARGUMENT and never quotes credentials', () => {
  for (const url of ['nacos://', 'nacos://h:0', 'nacos://h:99999', 'nacos://h?beat=x', 'nacos://h?bogus=1', 'nacos://h?group=a@@b', 'nacos://h?username=u', 'nacos://u:%zz@h']) {
    assert.throws(() => nacosSettings(url), invalid, url);
  }
  try {
    nacosSettings('nacos://user:topsecret@h:0');
    assert.fail('accepted');
  } catch (err) {
    assert.ok(!(err as Error).message.includes('topsecret'));
  }
  assert.throws(() => nacosSettings({ servers: [] }), invalid);
  assert.throws(() => nacosSettings({ servers: ['h'], beatMs: -1 }), invalid);
});

test('Dubbo service names: providers:{interface}:{version}:{group}, unset parts empty', () => {
  assert.equal(dubboServiceName({ interface: 'demo.Echo', version: '1.0.0', group: 'g' }), 'providers:demo.Echo:1.0.0:g');
  assert.equal(dubboServiceName({ interface: 'demo.Echo' }), 'providers:demo.Echo::');
  assert.equal(dubboServiceName({ interface: 'demo.Echo', version: '1.0.0' }), 'providers:demo.Echo:1.0.0:');
});

test('an instance carries the provider URL parameters plus protocol and path, and reads back', () => {
  const reg = { service: { interface: 'demo.Echo', version: '1.0.0' }, endpoint: endpoint('dubbo', '10.0.0.5', 20880, { serialization: 'hessian2' }, 50), methods: ['b', 'a'], application: 'app' };
  const inst = dubboInstance(reg, 'meshlet-test');
  assert.equal(inst.ip, '10.0.0.5');
  assert.equal(inst.port, 20880);
  assert.equal(inst.weight, 0.5);
  const m = inst.metadata;
  assert.equal(m.protocol, 'dubbo');
  assert.equal(m.path, 'demo.Echo');
  assert.equal(m.interface, 'demo.Echo');
  assert.equal(m.version, '1.0.0');
  assert.equal(m.methods, 'a,b');
  assert.equal(m.side, 'provider');
  assert.equal(m.category, 'providers');
  assert.equal(m.application, 'app');
  assert.equal(m.weight, '50');
  assert.equal(m.release, 'meshlet-test');
  const back = dubboEndpoint({ ip: inst.ip, port: inst.port, weight: inst.weight, healthy: true, enabled: true, metadata: m });
  assert.ok(back);
  assert.equal(back.protocol, 'dubbo');
  assert.equal(back.weight, 50);
  assert.equal(back.params.interface, 'demo.Echo');
  assert.equal(back.params.protocol, undefined);
  assert.equal(back.params.path, undefined);
});

test('listed hosts: disabled, unhealthy, weight 0, consumers and malformed ones are skipped; Nacos weight ×100', () => {
  const ok = { ip: '10.0.0.1', port: 20880, weight: 2, healthy: true, enabled: true, metadata: { protocol: 'tri' } };
  const e = dubboEndpoint(ok);
  assert.equal(e?.protocol, 'tri');
  assert.equal(e?.weight, 200);
  assert.equal(dubboEndpoint({ ...ok, metadata: {} })?.protocol, 'dubbo');
  assert.equal(dubboEndpoint({ ...ok, enabled: false }), undefined);
  assert.equal(dubboEndpoint({ ...ok, healthy: false }), undefined);
  assert.equal(dubboEndpoint({ ...ok, weight: 0 }), undefined);
  assert.equal(dubboEndpoint({ ...ok, metadata: { category: 'consumers' } }), undefined);
  assert.equal(dubboEndpoint({ ...ok, metadata: { enabled: 'false' } }), undefined);
  assert.equal(dubboEndpoint({ ...ok, port: 0 }), undefined);
  assert.equal(dubboEndpoint({ ...ok, ip: 5 }), undefined);
  assert.equal(dubboEndpoint({ ...ok, metadata: { protocol: 'a b' } }), undefined);
  assert.equal(dubboEndpoint(null as never), undefined);
});

test('closed registry: register and subscribe reject SHUTDOWN, unregister resolves; bad registrations INVALID_ARGUMENT', async () => {
  const r = new NacosRegistry('nacos://127.0.0.1:1?timeout=200');
  await assert.rejects(r.register({ service: { interface: '' }, endpoint: endpoint('dubbo', 'h', 1), methods: [] }), invalid);
  await r.close();
  await r.close();
  await assert.rejects(r.register({ service: { interface: 'a' }, endpoint: endpoint('dubbo', 'h', 1), methods: [] }), (e) => RpcError.is(e, Code.Shutdown));
  await assert.rejects(r.subscribe({ interface: 'a' }, () => {}), (e) => RpcError.is(e, Code.Shutdown));
  await r.unregister({ service: { interface: 'a' }, endpoint: endpoint('dubbo', 'h', 1), methods: [] });
});

test('no server: register rejects UNAVAILABLE, subscribe delivers an empty set, close ends everything', async () => {
  const r = new NacosRegistry('nacos://127.0.0.1:1?timeout=300&beat=100&refresh=100');
  await assert.rejects(r.register({ service: { interface: 'a' }, endpoint: endpoint('dubbo', '127.0.0.1', 20880), methods: [] }), (e) => RpcError.is(e, Code.Unavailable));
  const sets: unknown[] = [];
  await r.subscribe({ interface: 'a' }, (s) => sets.push(s));
  assert.deepEqual(sets, [[]]);
  await r.close();
});

test('UDP push: plain and gzipped datagrams are acked with their lastRefTime and name the service; junk is ignored', async () => {
  const { PushReceiver } = await import('./nacos/push.js');
  const dgram = await import('node:dgram');
  const { gzipSync } = await import('node:zlib');
  const names: (string | undefined)[] = [];
  const receiver = new PushReceiver((name) => names.push(name));
  const port = await receiver.port();
  assert.ok(port !== undefined && port > 0);
  const sender = dgram.createSocket('udp4');
  const acks: Record<string, unknown>[] = [];
  sender.on('message', (m) => acks.push(JSON.parse(m.toString()) as Record<string, unknown>));
  await new Promise<void>((r) => sender.bind(0, '127.0.0.1', () => r()));
  const push = (o: unknown, gz = false) => {
    const buf = Buffer.from(JSON.stringify(o));
    sender.send(gz ? gzipSync(buf) : buf, port as number, '127.0.0.1');
  };
  try {
    push({ type: 'dom', lastRefTime: 11, data: JSON.stringify({ name: 'DEFAULT_GROUP@@providers:demo.Echo::', hosts: [] }) });
    push({ type: 'dom', lastRefTime: 12, data: JSON.stringify({ name: 'G@@providers:demo.Other::' }) }, true);
    sender.send(Buffer.from('not json'), port as number, '127.0.0.1');
    push({ type: 'dump', lastRefTime: 13 });
    const deadline = Date.now() + 5000;
    while ((acks.length < 3 || names.length < 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual([...names].sort(), ['DEFAULT_GROUP@@providers:demo.Echo::', 'G@@providers:demo.Other::']);
    assert.deepEqual(acks.map((a) => [a.type, a.lastRefTime]).sort((x, y) => Number(x[1]) - Number(y[1])), [['push-ack', 11], ['push-ack', 12], ['unknown-ack', 13]]);
  } finally {
    sender.close();
    receiver.close();
  }
});
