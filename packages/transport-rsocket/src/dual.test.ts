import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Code, RpcError, createRuntime, defineService, t, type Meshlet } from '@meshlet/core';
import { dubbo } from '@meshlet/transport-dubbo';
import { rsocket } from './protocol.js';

const User = t.object('com.meshlet.test.User', {
  id: t.int64, name: t.string, tags: t.list(t.string), attrs: t.map(t.string, t.string), active: t.bool, score: t.float64,
});

const Shop = defineService({
  interface: 'com.meshlet.test.Shop',
  version: '1.0',
  methods: {
    echoUser: { params: [User], returns: User },
    addLong: { params: [t.int64, t.int64], returns: t.int64 },
    reverseBytes: { params: [t.bytes], returns: t.bytes },
    fail: { params: [t.string], returns: t.void },
    ticks: { params: [t.int32], returns: t.int32, stream: true },
  },
});

/** One implementation object, exported over both protocols at once. */
const impl = {
  echoUser: (u: unknown) => u,
  addLong: (a: bigint, b: bigint) => BigInt.asIntN(64, a + b),
  reverseBytes: (b: Uint8Array) => Buffer.from(b).reverse(),
  fail: (m: string) => {
    throw Object.assign(new Error(m), { javaClass: 'java.lang.IllegalArgumentException' });
  },
  async *ticks(n: number) {
    for (let i = 0; i < n; i++) yield i;
  },
};

const open: Meshlet[] = [];
after(async () => {
  await Promise.all(open.map((m) => m.stop(0)));
});

test('the same service and implementation, exported over Dubbo (hessian2) and RSocket (JSON) at once', async () => {
  const overDubbo = createRuntime({ protocols: [dubbo()], server: { host: '127.0.0.1', port: 0 } }).provide(Shop, impl);
  const overRSocket = createRuntime({ protocols: [rsocket()], server: { host: '127.0.0.1', port: 0 } }).provide(Shop, impl);
  const client = createRuntime({ protocols: [dubbo(), rsocket()] });
  open.push(overDubbo, overRSocket, client);
  await Promise.all([overDubbo.start(), overRSocket.start()]);
  const viaDubbo = client.refer(Shop, { protocol: 'dubbo', url: `127.0.0.1:${overDubbo.address()!.port}` });
  const viaRSocket = client.refer(Shop, { protocol: 'rsocket', url: `127.0.0.1:${overRSocket.address()!.port}` });

  const user = { id: 9007199254740993n, name: 'Zoë 😀', tags: ['a', ''], attrs: new Map([['k', 'v']]), active: true, score: -12.5 };
  for (const s of [viaDubbo, viaRSocket]) {
    assert.deepEqual(await s.echoUser(user), user);
    assert.equal(await s.addLong(9223372036854775807n, 1n), -9223372036854775808n);
    assert.deepEqual(await s.reverseBytes(Buffer.from([1, 2, 255])), Buffer.from([255, 2, 1]));
    await assert.rejects(s.fail('nope'), (e: unknown) => RpcError.is(e, Code.Business) && e.message === 'nope' && e.remoteClass === 'java.lang.IllegalArgumentException');
  }
  const got: number[] = [];
  for await (const x of viaRSocket.ticks(3)) got.push(x);
  assert.deepEqual(got, [0, 1, 2]);
  // Dubbo has no streams: the call fails with a typed error, never hangs or returns a non-stream.
  await assert.rejects(viaDubbo.ticks(3)[Symbol.asyncIterator]().next(), (e: unknown) => RpcError.is(e));
});
