// One implementation exported on several protocols by one runtime; each protocol's server serves
// only what is exported on it; stream methods are refused on protocols that cannot carry them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, createRuntime, defineService, RpcError, t } from '@meshlet/core';
import { dubbo } from '@meshlet/transport-dubbo';
import { motan2 } from '@meshlet/transport-motan';
import { rsocket } from '@meshlet/transport-rsocket';

const Both = defineService({ interface: 'com.meshlet.test.Both', version: '1.0', protocol: ['dubbo', 'motan2'], methods: { hi: { params: [t.string], returns: t.string } } });
const DubboOnly = defineService({ interface: 'com.meshlet.test.DubboOnly', version: '1.0', protocol: 'dubbo', methods: { hi: { params: [t.string], returns: t.string } } });
const Streams = defineService({ interface: 'com.meshlet.test.Streams', version: '1.0', methods: { count: { params: [t.int32], returns: t.int32, stream: true } } });

test('one service, two protocols, one runtime; each server serves only its own exports', async () => {
  const server = createRuntime({ protocols: [dubbo(), motan2()], server: { host: '127.0.0.1', port: { dubbo: 0, motan2: 0 } } });
  let calls = 0;
  server.provide(Both, { hi: (n) => { calls++; return `hi ${n}`; } });
  server.provide(DubboOnly, { hi: (n) => `dubbo ${n}` });
  await server.start();
  const client = createRuntime({ protocols: [dubbo(), motan2()] });
  try {
    const overDubbo = client.refer(Both, { url: `127.0.0.1:${server.address('dubbo').port}`, protocol: 'dubbo' });
    const overMotan = client.refer(Both, { url: `127.0.0.1:${server.address('motan2').port}`, protocol: 'motan2' });
    assert.equal(await overDubbo.hi('a'), 'hi a');
    assert.equal(await overMotan.hi('b'), 'hi b');
    assert.equal(calls, 2, 'one implementation behind both');
    const wrongServer = client.refer(DubboOnly, { url: `127.0.0.1:${server.address('motan2').port}`, protocol: 'motan2', cluster: 'failfast' });
    await assert.rejects(wrongServer.hi('x'), (e) => RpcError.is(e, Code.ServiceNotFound));
  } finally {
    await client.stop(0);
    await server.stop(0);
  }
});

test('stream methods work over rsocket and are refused, unsent, over protocols without streams', async () => {
  const server = createRuntime({ protocols: [rsocket(), dubbo()], server: { host: '127.0.0.1', port: { rsocket: 0, dubbo: 0 } } });
  server.provide(defineService({ ...Streams, protocol: ['rsocket', 'dubbo'], methods: { count: { params: [t.int32], returns: t.int32, stream: true } } }), {
    async *count(n) { for (let i = 0; i < n; i++) yield i; },
  });
  await server.start();
  const mesh = createRuntime({ protocols: [dubbo(), rsocket()] });
  try {
    const items = [];
    for await (const i of mesh.refer(Streams, { url: `127.0.0.1:${server.address('rsocket').port}`, protocol: 'rsocket' }).count(3)) items.push(i);
    assert.deepEqual(items, [0, 1, 2]);
    const overDubbo = mesh.refer(Streams, { url: `127.0.0.1:${server.address('dubbo').port}`, protocol: 'dubbo' });
    await assert.rejects(async () => { for await (const _ of overDubbo.count(3)) { /* nothing arrives */ } }, (e) => RpcError.is(e, Code.Unsupported));
  } finally {
    await mesh.stop(0);
    await server.stop(0);
  }
});
