import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { Code, RpcError, createRuntime, defineService, t, type Invocation, type Meshlet } from '@meshlet/core';
import { FrameReader } from '@meshlet/core/engine';
import { motan2 } from './protocol.js';
import { captures, frames, hex } from './golden.fixture.js';
import { RawPeer } from './wire.fixture.js';
import { Meta, META_START, MsgType, Status } from './constants.js';
import { encodeFrame } from './frame.js';
import { motanSplitter, parseHeader } from './header.js';
import { readMeta } from './meta.js';
import { ByteWriter } from './wire/writer.js';

const Demo = defineService({
  interface: 'com.weibo.motan.demo.service.MotanDemoService',
  group: 'motan-demo-rpc',
  methods: {
    hello: { params: [t.string], returns: t.string },
    slow: { params: [t.int32], returns: t.string },
    notify: { params: [t.string], oneway: true },
    wrong: { params: [], returns: t.int32 },
  },
});
const Node = defineService({
  interface: 'com.example.NodeService',
  group: 'node-group',
  methods: { ping: { params: [t.string], returns: t.string } },
});
const Versioned = defineService({
  interface: 'com.example.Versioned',
  version: '1.0',
  methods: { hello: { params: [t.string], returns: t.string } },
});

let mesh: Meshlet;
let port: number;
const seen: Invocation[] = [];
const notified: string[] = [];

before(async () => {
  mesh = createRuntime({
    protocols: [motan2()],
    server: { host: '127.0.0.1', port: 0 },
    serverInterceptors: [(next) => (inv) => { seen.push(inv); return next(inv); }],
  });
  mesh.provide(Demo, {
    hello: (name) => `hello ${name}`,
    slow: (ms) => new Promise((r) => setTimeout(() => r(`slept ${ms}`), ms)),
    notify: (s) => { notified.push(s); },
    wrong: () => 'not an int' as unknown as number,
  });
  mesh.provide(Node, { ping: (s) => `pong ${s}` });
  mesh.provide(Versioned, { hello: (s) => `v1 ${s}` });
  await mesh.start();
  port = mesh.address()!.port;
});
after(() => mesh.stop(0));

const w = new ByteWriter();

function withId(frameHex: string, id: bigint): Buffer {
  const f = hex(frameHex);
  f.writeBigUInt64BE(id, 5);
  return f;
}

function metaOf(frame: Buffer): Record<string, string> {
  return readMeta(frame, META_START, META_START + parseHeader(frame).metaLength);
}

function bodyOf(frame: Buffer): string {
  return frame.subarray(META_START + parseHeader(frame).metaLength + 4).toString('hex');
}

function exceptionOf(frame: Buffer): { errcode: number; errmsg: string; errtype: number } {
  assert.equal(parseHeader(frame).status, Status.EXCEPTION);
  return JSON.parse(metaOf(frame)[Meta.EXCEPTION]!);
}

test('motan-go clientdemo\'s request gets serverdemo\'s response, every 64-bit id echoed exactly', async () => {
  const peer = await RawPeer.connect(port);
  const ids = [0x18ea26523e000003n, 0n, 0xffffffffffffffffn, 0x8000000000000000n, 9007199254740993n];
  for (const id of ids) peer.send(withId(captures.demoRequest, id));
  const got: bigint[] = [];
  for (let i = 0; i < ids.length; i++) {
    const f = await peer.frame(i);
    const h = parseHeader(f);
    got.push(h.requestId);
    assert.deepEqual([h.msgType, h.status, h.serialization], [MsgType.RESPONSE, Status.NORMAL, 6]);
    assert.match(metaOf(f)[Meta.PROCESS_TIME]!, /^\d+$/);
    assert.equal(bodyOf(f), bodyOf(hex(captures.demoResponse)));
    if (h.requestId === 0x18ea26523e000003n && metaOf(f)[Meta.PROCESS_TIME] === '0') assert.equal(f.toString('hex'), captures.demoResponse);
  }
  assert.deepEqual(got.sort(), [...ids].sort());
  peer.close();
});

test('the agent-style request (no M_pp, no M_v) and a proxied request from the agent with M_rid', async () => {
  const peer = await RawPeer.connect(port);
  peer.send(hex(captures.agentRequest));
  const a = await peer.frame(0);
  assert.equal(parseHeader(a).requestId, 0x1234n);
  assert.equal(bodyOf(a), bodyOf(hex(captures.demoResponse)));
  seen.length = 0;
  peer.send(hex(captures.proxiedRequest));
  const p = await peer.frame(1);
  const h = parseHeader(p);
  // Answered on the wire id (the agent's stream id), without needing the proxy bit.
  assert.deepEqual([h.requestId, h.msgType, h.status], [0x18ea2659dc100004n, MsgType.RESPONSE, Status.NORMAL]);
  assert.equal(bodyOf(p), '0100000006706f6e672078');
  const inv = seen.at(-1)!;
  assert.equal(inv.attachments.M_rid, '2748');
  assert.equal(inv.attachments['x-forwarded-for'], '127.0.0.1');
  assert.equal(inv.attachments.M_s, 'caller-app');
  assert.equal(inv.attachments.M_p, undefined, 'addressing keys are not attachments');
  peer.close();
});

test('heartbeats are answered, Java-style and motan-go-style, with the same id', async () => {
  const peer = await RawPeer.connect(port);
  peer.send(hex(frames.goHeartbeat));
  peer.send(hex(frames.javaHeartbeat));
  assert.equal((await peer.frame(0)).toString('hex'), frames.goHeartbeatReply);
  assert.equal((await peer.frame(1)).toString('hex'), 'f1f111080800000000000000090000000000000000');
  peer.close();
});

test('unknown service, unknown method, wrong group: Motan exceptions, typed errors for Meshlet callers', async () => {
  const peer = await RawPeer.connect(port);
  const request = (meta: [string, string][]) => encodeFrame(w, { msgType: 0, serialization: 6, requestId: 77n, meta, body: hex('0100000003526179') });
  peer.send(request([['M_p', 'no.such.Service'], ['M_m', 'hello']]));
  const e1 = exceptionOf(await peer.frame(0));
  assert.deepEqual([e1.errcode, e1.errtype], [404, 1]);
  assert.match(e1.errmsg, /no\.such\.Service/);
  peer.send(request([['M_p', Demo.interface], ['M_g', 'motan-demo-rpc'], ['M_m', 'nope']]));
  const e2 = exceptionOf(await peer.frame(1));
  // As Java motan 1.2.6 answers a missing method (captured: java-motan-captured.json).
  assert.deepEqual([e2.errcode, e2.errtype], [10101, 1]);
  assert.match(e2.errmsg, /method nope/);
  peer.send(request([['M_p', Demo.interface], ['M_g', 'other-group'], ['M_m', 'hello']]));
  assert.equal(exceptionOf(await peer.frame(2)).errcode, 404);
  // Motan's default group and version reach ungrouped and version-1.0 services alike.
  peer.send(request([['M_p', Versioned.interface], ['M_g', 'default_rpc'], ['M_m', 'hello']]));
  assert.equal(bodyOf(await peer.frame(3)), '0100000006' + Buffer.from('v1 Ray').toString('hex'));
  peer.close();

  const client = createRuntime({ protocols: [motan2()] });
  const Missing = defineService({ interface: 'com.example.Missing', methods: { x: { params: [], returns: t.string } } });
  const NoMethod = defineService({ interface: Demo.interface, group: Demo.group, methods: { nope: { params: [t.string], returns: t.string } } });
  try {
    await assert.rejects(client.refer(Missing, { url: `127.0.0.1:${port}` }).x(), (e: unknown) =>
      RpcError.is(e, Code.ServiceNotFound) && e.status === 404 && /com\.example\.Missing/.test(e.message));
    await assert.rejects(client.refer(NoMethod, { url: `127.0.0.1:${port}` }).nope('a'), (e: unknown) =>
      RpcError.is(e, Code.MethodNotFound) && /has no method nope/.test(e.message));
    await assert.rejects(client.refer(Demo, { url: `127.0.0.1:${port}` }).wrong(), (e: unknown) =>
      RpcError.is(e, Code.BadResponse) && /returned a value that is not a int/.test(e.message));
  } finally {
    await client.stop(0);
  }
});

test('unsupported serialization, garbage body → exceptions; bad magic and Motan v1 close only that connection', async () => {
  const peer = await RawPeer.connect(port);
  const hessian = hex(captures.demoRequest);
  hessian[4] = 0; // hessian2
  peer.send(hessian);
  const e1 = exceptionOf(await peer.frame(0));
  assert.deepEqual([e1.errcode, e1.errtype], [501, 0]);
  assert.match(e1.errmsg, /serialization id 0/);
  assert.equal(parseHeader(await peer.frame(0)).serialization, 0, 'answered in the id it came with');
  const garbage = encodeFrame(w, { msgType: 0, serialization: 6, requestId: 5n, meta: [['M_p', Demo.interface], ['M_g', 'motan-demo-rpc'], ['M_m', 'hello']], body: hex('16ff') });
  peer.send(garbage);
  const e2 = exceptionOf(await peer.frame(1));
  assert.deepEqual([e2.errcode, e2.errtype], [400, 0]);
  const bad = await RawPeer.connect(port);
  bad.send(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  await bad.untilClosed();
  const v1 = await RawPeer.connect(port);
  v1.send(hex('f1f1000000000000000000000000000000000000000000'));
  await v1.untilClosed();
  peer.send(hex(captures.demoRequest));
  assert.equal(parseHeader(await peer.frame(2)).status, Status.NORMAL);
  peer.close();
});

test('frames over the maximum size are refused from the meta size or the body size, before buffering', async () => {
  const head = 'f1f1000830' + '0000000000000001';
  for (const sizes of ['04000000', '00000000' + '04000000']) { // 64 MiB of meta; no meta and 64 MiB of body
    const peer = await RawPeer.connect(port);
    peer.send(hex(head + sizes));
    await peer.untilClosed();
  }
});

test('oneway requests get no response; gzip requests and responses', async () => {
  const client = createRuntime({ protocols: [motan2({ minGzipSize: 16 })] });
  try {
    const demo = client.refer(Demo, { url: `127.0.0.1:${port}` });
    await demo.notify('fire');
    const big = 'x'.repeat(10_000);
    assert.equal(await demo.hello(big), `hello ${big}`);
    const deadline = Date.now() + 10_000; // a hang guard, not a latency claim
    while (!notified.includes('fire') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.ok(notified.includes('fire'));
  } finally {
    await client.stop(0);
  }
  const peer = await RawPeer.connect(port);
  const address: [string, string][] = [['M_p', Demo.interface], ['M_g', 'motan-demo-rpc']];
  peer.send(encodeFrame(w, { msgType: MsgType.GZIP, serialization: 6, requestId: 3n, meta: [...address, ['M_m', 'hello']], body: gzipSync(hex('0100000003526179')) }));
  peer.send(encodeFrame(w, { msgType: MsgType.ONEWAY, serialization: 6, requestId: 4n, meta: [...address, ['M_m', 'notify']], body: hex('0100000003526179') }));
  peer.send(hex(captures.demoRequest));
  const g = await peer.frame(0);
  assert.deepEqual([parseHeader(g).requestId, bodyOf(g)], [3n, bodyOf(hex(captures.demoResponse))]);
  assert.equal(parseHeader(await peer.frame(1)).requestId, 0x18ea26523e000003n, 'the oneway call was not answered');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(peer.frames.length, 2);
  peer.close();
});

test('the client sends heartbeats on an idle connection and answers the server\'s', async () => {
  const heartbeats: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    const reader = new FrameReader(motanSplitter, 1 << 20);
    socket.on('data', (chunk) => reader.push(chunk, (f) => {
      const frame = Buffer.from(f);
      if ((frame[2]! & MsgType.HEARTBEAT) !== 0) {
        heartbeats.push(frame);
        if ((frame[2]! & MsgType.RESPONSE) === 0) socket.write(Buffer.concat([frame.subarray(0, 2), Buffer.from([frame[2]! | 1]), frame.subarray(3)]));
        return;
      }
      const h = parseHeader(frame);
      socket.write(encodeFrame(new ByteWriter(), { msgType: MsgType.RESPONSE, serialization: 6, requestId: h.requestId, body: hex('01000000026869') }));
      // Then ask the client for a heartbeat of our own.
      socket.write(hex(frames.goHeartbeat));
    }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = createRuntime({ protocols: [motan2()], client: { heartbeatInterval: 100 } });
  try {
    const demo = client.refer(Demo, { url: `127.0.0.1:${(server.address() as { port: number }).port}` });
    assert.equal(await demo.hello('x'), 'hi');
    const deadline = Date.now() + 10_000; // a hang guard: a loaded machine runs the 100 ms timer late
    while (heartbeats.filter((f) => f[2] === MsgType.HEARTBEAT).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const ours = heartbeats.find((f) => f[2] === MsgType.HEARTBEAT);
    assert.ok(ours, 'a heartbeat request from the client');
    assert.deepEqual([ours.length, ours[3], ours[4]], [21, 0x08, 6 << 3]);
    const reply = heartbeats.find((f) => f[2] === (MsgType.HEARTBEAT | MsgType.PROXY | MsgType.RESPONSE));
    assert.equal(reply?.toString('hex'), frames.goHeartbeatReply, 'the client answered our heartbeat');
  } finally {
    await client.stop(0);
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }
});

/** Resolves once `cond()` holds; fails after `ms` (a bound for a loaded machine, not a latency claim). */
async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !cond();) {
    if (Date.now() > end) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('graceful stop: in-flight calls finish, then the connection closes', async () => {
  const server = createRuntime({ protocols: [motan2()], server: { host: '127.0.0.1', port: 0 } });
  let started = 0;
  server.provide(Demo, { hello: (n) => n, slow: (ms) => (started++, new Promise((r) => setTimeout(() => r(`slept ${ms}`), ms))), notify: () => {}, wrong: () => 1 });
  await server.start();
  const client = createRuntime({ protocols: [motan2({ serialization: 'breeze' })] });
  try {
    const demo = client.refer(Demo, { url: `127.0.0.1:${server.address()!.port}` });
    assert.equal(await demo.hello('warm'), 'warm');
    const inFlight = demo.slow(300);
    await until(() => started === 1, 'the provider to start the call'); // in flight there, not just sent
    const stopped = server.stop(5000);
    assert.equal(await inFlight, 'slept 300');
    await stopped;
    await assert.rejects(demo.hello('after'), (e: unknown) => RpcError.is(e) && [Code.Unavailable, Code.ConnectionClosed].includes(e.code as never));
  } finally {
    await client.stop(0);
  }
});
