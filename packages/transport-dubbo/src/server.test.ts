import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Code, createRuntime, defineService, RpcError, t, type Meshlet } from '@meshlet/core';
import { HessianReader } from '@meshlet/hessian';
import { dubbo } from './protocol.js';
import { golden, hex } from './golden.fixture.js';
import { RawPeer } from './wire.fixture.js';
import { HEADER_LENGTH, Status } from './constants.js';
import { parseHeader } from './header.js';

const Demo = defineService({
  interface: 'org.apache.dubbo.demo.DemoService',
  methods: {
    sayHello: { params: [t.string], returns: t.string },
    mixed: { params: [t.int32, t.string, t.array(t.int64)], returns: t.string },
    slow: { params: [t.int32], returns: t.string },
  },
});
const Grouped = defineService({
  interface: 'org.apache.dubbo.demo.DemoService',
  group: 'blue',
  version: '2.0',
  methods: { sayHello: { params: [t.string], returns: t.string } },
});

let mesh: Meshlet;
let port: number;

before(async () => {
  mesh = createRuntime({ protocols: [dubbo()], server: { host: '127.0.0.1', port: 0 } });
  mesh.provide(Demo, {
    sayHello: (name) => `Hello ${name}`,
    mixed: (n, s, longs) => `${n}|${s}|${longs.join(',')}`,
    slow: (ms) => new Promise((r) => setTimeout(() => r(`slept ${ms}`), ms)),
  });
  mesh.provide(Grouped, { sayHello: (name) => `blue ${name}` });
  await mesh.start();
  port = mesh.address()!.port;
});
after(() => mesh.stop(0));

function withId(frameHex: string, id: bigint): Buffer {
  const f = hex(frameHex);
  f.writeBigInt64BE(id, 4);
  return f;
}

function bodyString(frame: Buffer): unknown {
  return new HessianReader(frame, HEADER_LENGTH, frame.length).readValue();
}

test('a Java request gets a Java response, with the 64-bit id echoed exactly', async () => {
  const peer = await RawPeer.connect(port);
  for (const id of [-6917529027641081853n, 9007199254740993n, -1n, 9223372036854775807n]) {
    peer.send(withId(golden.A, id));
  }
  const ids = [];
  for (let i = 0; i < 4; i++) {
    const f = await peer.frame(i);
    const h = parseHeader(f);
    assert.equal(h.status, Status.OK);
    ids.push(h.id);
    const expected = withId(golden.B, h.id);
    assert.equal(f.toString('hex'), expected.toString('hex'));
  }
  assert.deepEqual(ids.sort(), [-6917529027641081853n, 9007199254740993n, -1n, 9223372036854775807n].sort());
  peer.close();
});

test('heartbeats are answered with the same id, status 20', async () => {
  const peer = await RawPeer.connect(port);
  peer.send(hex(golden.E_REQ));
  assert.equal((await peer.frame(0)).toString('hex'), golden.E_RESP);
  peer.close();
});

test('unsupported serialization id → BAD_REQUEST naming it, connection stays usable', async () => {
  const peer = await RawPeer.connect(port);
  const f = hex(golden.A);
  f[2] = 0xc0 | 6; // fastjson
  peer.send(f);
  const resp = await peer.frame(0);
  assert.equal(parseHeader(resp).status, Status.BAD_REQUEST);
  assert.match(String(bodyString(resp)), /serialization id 6/);
  peer.send(hex(golden.A));
  assert.equal(parseHeader(await peer.frame(1)).status, Status.OK);
  peer.close();
});

test('unknown service and unknown method → status 70 with Java\'s wording, typed NOT_FOUND on a Meshlet client', async () => {
  const client = createRuntime({ protocols: [dubbo()] });
  const Missing = defineService({ interface: 'com.example.Missing', methods: { x: { params: [], returns: t.string } } });
  const NoMethod = defineService({ interface: 'org.apache.dubbo.demo.DemoService', methods: { nope: { params: [t.string], returns: t.string } } });
  const WrongTypes = defineService({ interface: 'org.apache.dubbo.demo.DemoService', methods: { sayHello: { params: [t.int32], returns: t.string } } });
  try {
    await assert.rejects(client.refer(Missing, { url: `127.0.0.1:${port}` }).x(), (e: unknown) =>
      RpcError.is(e, Code.ServiceNotFound) && e.status === 70 && /Not found exported service: com.example.Missing/.test(e.message));
    await assert.rejects(client.refer(NoMethod, { url: `127.0.0.1:${port}` }).nope('a'), (e: unknown) =>
      RpcError.is(e, Code.MethodNotFound) && e.status === 70 && /has no method nope/.test(e.message));
    await assert.rejects(client.refer(WrongTypes, { url: `127.0.0.1:${port}` }).sayHello(1), (e: unknown) =>
      RpcError.is(e) && /parameter types I/.test(e.message));
  } finally {
    await client.stop(0);
  }
});

test('group travels in the attachments; version in the body', async () => {
  const client = createRuntime({ protocols: [dubbo()] });
  try {
    assert.equal(await client.refer(Grouped, { url: `127.0.0.1:${port}` }).sayHello('x'), 'blue x');
    assert.equal(await client.refer(Demo, { url: `127.0.0.1:${port}` }).sayHello('x'), 'Hello x');
  } finally {
    await client.stop(0);
  }
});

test('resolved heads are remembered per service, version and signature: interleaved calls each reach their own', async () => {
  const client = createRuntime({ protocols: [dubbo()] });
  try {
    const grouped = client.refer(Grouped, { url: `127.0.0.1:${port}` });
    const demo = client.refer(Demo, { url: `127.0.0.1:${port}` });
    for (let i = 0; i < 3; i++) {
      assert.equal(await demo.sayHello(`d${i}`), `Hello d${i}`);
      assert.equal(await grouped.sayHello(`g${i}`), `blue g${i}`);
      assert.equal(await demo.mixed(i, 's', []), `${i}|s|`);
    }
    // The same method name with other parameter types is still refused after the good one was remembered.
    const WrongTypes = defineService({ interface: Demo.interface, methods: { sayHello: { params: [t.int32], returns: t.string } } });
    await assert.rejects(client.refer(WrongTypes, { url: `127.0.0.1:${port}` }).sayHello(1), (e: unknown) =>
      RpcError.is(e) && /parameter types I/.test(e.message));
    assert.equal(await demo.sayHello('again'), 'Hello again');
  } finally {
    await client.stop(0);
  }
});

test('JVM descriptors with primitives and arrays select and decode every argument', async () => {
  const client = createRuntime({ protocols: [dubbo()] });
  try {
    const demo = client.refer(Demo, { url: `127.0.0.1:${port}` });
    assert.equal(await demo.mixed(7, 's', [1n, -9223372036854775808n]), '7|s|1,-9223372036854775808');
  } finally {
    await client.stop(0);
  }
});

test('a garbage body → BAD_REQUEST; a bad magic closes only that connection', async () => {
  const peer = await RawPeer.connect(port);
  const f = Buffer.concat([hex('dabbc2000000000000000009'), Buffer.from([0, 0, 0, 3, 0xff, 0xfe, 0xfd])]);
  peer.send(f);
  const resp = await peer.frame(0);
  assert.equal(parseHeader(resp).status, Status.BAD_REQUEST);
  assert.match(String(bodyString(resp)), /^Fail to decode request due to: /);
  const bad = await RawPeer.connect(port);
  bad.send(Buffer.from('hello world, not dubbo'));
  await bad.untilClosed();
  peer.send(hex(golden.A));
  assert.equal(parseHeader(await peer.frame(1)).status, Status.OK);
  peer.close();
});

test('a frame over the maximum size is refused from its header, before buffering', async () => {
  const peer = await RawPeer.connect(port);
  const header = hex('dabbc2000000000000000009');
  const len = Buffer.alloc(4);
  len.writeInt32BE(64 * 1024 * 1024);
  peer.send(Buffer.concat([header, len, Buffer.alloc(10)]));
  await peer.untilClosed();
});

/** Resolves once `cond()` holds; fails after `ms` (a bound for a loaded machine, not a latency claim). */
async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !cond();) {
    if (Date.now() > end) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('graceful stop: readonly event, in-flight calls finish, then close', async () => {
  const server = createRuntime({ protocols: [dubbo()], server: { host: '127.0.0.1', port: 0 } });
  let started = 0;
  server.provide(Demo, { sayHello: (n) => n, mixed: () => '', slow: (ms) => (started++, new Promise((r) => setTimeout(() => r(`slept ${ms}`), ms))) });
  await server.start();
  const client = createRuntime({ protocols: [dubbo()] });
  try {
    const demo = client.refer(Demo, { url: `127.0.0.1:${server.address()!.port}` });
    await demo.sayHello('warm');
    const inFlight = demo.slow(300);
    // In flight at the provider, not just sent: a stop before the provider read it (a fixed 50 ms on
    // a loaded machine) finds the connection idle and closes it, and the call fails.
    await until(() => started === 1, 'the provider to start the call');
    const stopped = server.stop(5000);
    assert.equal(await inFlight, 'slept 300');
    await stopped;
    await assert.rejects(demo.sayHello('after'), (e: unknown) => RpcError.is(e) && [Code.Unavailable, Code.ConnectionClosed].includes(e.code as never));
  } finally {
    await client.stop(0);
  }
});
