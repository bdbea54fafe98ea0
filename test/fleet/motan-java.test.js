// Real fleet, Weibo side: Java motan 1.2.6 (motan-core, motan-transport-netty, motan-registry-zookeeper
// from Maven Central; our own provider and consumer on its plain API, test/fleet/java/motan) opposite
// Meshlet over Motan2, both directions, in `simple` and `breeze`, direct and through a real ZooKeeper
// in motan's /motan layout. The Java side is the truth: where it and Meshlet disagreed, Meshlet was
// fixed (packages/transport-motan, java-names.test.ts). MESHLET_FLEET_CAPTURE=1 also records real
// Java frames into packages/transport-motan/src/fixtures/java-motan-captured.json (golden-tested
// there by java-captured.test.ts).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Code, createRuntime, defineService, RpcError, serviceDefinition, t } from '@meshlet/core';
import { createRegistry } from '@meshlet/registry';
import { motan2 } from '@meshlet/transport-motan';
import { RawZooKeeper, ZooKeeperServer } from '../../packages/registry/dist/testing/index.js';
import { EchoService, echoImpl } from '../../examples/conformance/service.js';
import { startCapture } from './lib/capture.js';
import { assertAllPassed, stopAll } from './lib/processes.js';
import { FleetService, fleetImpl } from './meshlet/fleet-service.js';
import { describeFrame, frames, meshletConsumer, meshletProvider, motanPeer } from './motan-java/peer.js';

const ECHO = 'com.meshlet.conformance.EchoService';
const GROUP = 'conformance';
/**
 * Cases the Java provider cannot answer, per serialization (the Java consumer's own list, with the
 * same reasons, is in Consumer.java):
 * - simple has no classes: the shared Java interface takes User and Order, which Java's
 *   SimpleSerialization cannot read from the Map Meshlet sends ("not support"); a Java motan user
 *   declares Map instead, which the Java consumer's simple/echoUser-map case does against Meshlet.
 * - breeze-core 0.1.5 reads a Set field as ArrayList and fails (Java to Java too): order/full.
 * - Motan2's M_e has no exception class, so exception/custom-class (which expects the remote class
 *   com.meshlet.fleet.FleetException) cannot be expressed; the message is still checked by
 *   fail/business and by the Java consumer's exception/custom-class.
 */
const SKIP = {
  simple: ['echoUser/full', 'echoUser/empty-collections', 'order/full', 'order/nulls', 'exception/custom-class'],
  breeze: ['order/full', 'exception/custom-class'],
};
/**
 * Kit 29 + fleet 11, less the skips; the Java consumer adds its motan cases (unknown service and
 * method, and under simple User and Order as the Maps a motan user sends).
 */
const MESHLET_CASES = { simple: 35, breeze: 38 };
const JAVA_CASES = { simple: 40, breeze: 41 };
const capture = process.env.MESHLET_FLEET_CAPTURE === '1';
const captured = {};

const inGroup = (def, group = GROUP) => serviceDefinition({ ...def, group }, def.methods.values());
const Missing = defineService({ interface: 'com.meshlet.NoSuchService', group: GROUP, methods: { nope: { params: [t.string], returns: t.string } } });
const EchoWithNope = defineService({ interface: ECHO, group: GROUP, version: '1.0', methods: { nope: { params: [t.string], returns: t.string } } });

let peer;
const started = [];
/** Every process, server and client a test starts is stopped in `after`, even when the test failed. */
function keep(x) { started.push(x); return x; }
/** An in-process Meshlet with a Motan2 client (heartbeats as told). */
function meshlet(client = {}, serialization = 'simple') {
  return keep(createRuntime({ application: 'meshlet-fleet-probe', protocols: [motan2({ serialization })], registry: false, client }));
}
const hexOf = (list) => list.map((f) => f.toString('hex'));

before(async () => {
  // Cold: Maven resolves motan 1.2.6 and its few dependencies, javac builds the peer.
  peer = await motanPeer();
}, { timeout: 600_000 });
after(async () => {
  await stopAll(started);
  if (capture) {
    writeFileSync(new URL('../../packages/transport-motan/src/fixtures/java-motan-captured.json', import.meta.url), `${JSON.stringify(captured, null, 2)}\n`);
  }
});

for (const serialization of ['simple', 'breeze']) {
  describe(`direct, ${serialization}: every kit and fleet case, both directions`, () => {
    it('Meshlet consumer → motan provider', async () => {
      const provider = keep(await peer.provider(['--serialization', serialization]));
      const result = await meshletConsumer(['--target', `127.0.0.1:${provider.port}?serialization=${serialization}`, '--skip', SKIP[serialization].join(',')]);
      assertAllPassed(result, MESHLET_CASES[serialization]);
    });

    it('motan consumer → Meshlet provider (and unknown service/method as Java reads them)', async () => {
      const provider = keep(await meshletProvider());
      const result = await peer.consumer(['--target', `127.0.0.1:${provider.port}`, '--serialization', serialization]);
      assertAllPassed(result, JAVA_CASES[serialization]);
      assert.ok(result.cases.some((c) => c.case === 'unknown/method' && c.ok));
    });
  });
}

describe('errors, group and version, opposite the motan provider', () => {
  let provider;
  let relay;
  let mesh;
  before(async () => {
    provider = keep(await peer.provider(['--serialization', 'simple']));
    relay = keep(await startCapture({ host: '127.0.0.1', port: provider.port }));
    mesh = meshlet();
  });

  it('unknown service 404, unknown method 10101, business 30001: typed errors with the thrown message', async () => {
    const url = `127.0.0.1:${relay.port}`;
    const echo = mesh.refer(inGroup(EchoService), { url });
    assert.equal(await echo.echo('hello'), 'hello');
    await assert.rejects(mesh.refer(Missing, { url }).nope('x'), (e) => RpcError.is(e, Code.ServiceNotFound) && e.status === 404);
    await assert.rejects(mesh.refer(EchoWithNope, { url }).nope('x'), (e) => RpcError.is(e, Code.MethodNotFound) && e.status === 10101);
    await assert.rejects(echo.fail('boom 😀'), (e) => RpcError.is(e, Code.Business) && e.message === 'boom 😀' && e.status === 30001);
    if (capture) {
      captured.meshletToJava = { requests: hexOf(frames(relay.bytes(0, 'fromClient'))), responses: hexOf(frames(relay.bytes(0, 'fromServer'))) };
    }
    const responses = frames(relay.bytes(0, 'fromServer')).map(describeFrame);
    const errors = responses.filter((r) => r.status === 1).map((r) => JSON.parse(r.meta.M_e));
    assert.deepEqual(errors.map((e) => [e.errcode, e.errtype]), [[404, 1], [10101, 1], [30001, 2]]);
    assert.equal(errors[2].errmsg, 'provider call process error, org err:boom 😀');
  });

  it("Java's router is liberal: a wrong group or version still reaches the interface (direct)", async () => {
    const other = mesh.refer(inGroup(EchoService, 'no-such-group'), { url: `127.0.0.1:${provider.port}` });
    assert.equal(await other.echo('any group'), 'any group');
    const v2 = mesh.refer(serviceDefinition({ ...EchoService, group: GROUP, version: '2.0' }, EchoService.methods.values()), { url: `127.0.0.1:${provider.port}` });
    assert.equal(await v2.echo('any version'), 'any version');
  });
});

describe('version selection, motan consumer → Meshlet provider serving 1.0 and 2.0', () => {
  it("Java's `version` meta (it sends no M_v) picks the provider's version", async () => {
    const mesh = keep(createRuntime({ application: 'meshlet-versions', protocols: [motan2()], registry: false, server: { host: '127.0.0.1', port: 0 } }));
    const at = (version) => serviceDefinition({ ...EchoService, group: GROUP, version }, EchoService.methods.values());
    mesh.provide(at('1.0'), { ...echoImpl, echo: () => 'answered by 1.0' });
    mesh.provide(at('2.0'), echoImpl);
    // The consumer's simple/echoOrder-map, at either version it asks for.
    for (const version of ['1.0', '2.0']) mesh.provide(serviceDefinition({ ...FleetService, group: GROUP, version }, FleetService.methods.values()), fleetImpl);
    await mesh.start();
    const port = mesh.address().port;
    const v2 = await peer.consumer(['--target', `127.0.0.1:${port}`, '--version', '2.0', '--only', 'motan', '--idle', '0']);
    assertAllPassed(v2, 5);
    const v1 = await peer.consumer(['--target', `127.0.0.1:${port}`, '--only', 'motan', '--idle', '0']);
    assert.match(v1.out, /"case":"idle\/before","ok":false.*answered by 1\.0/);
  });
});

describe('gzip (msgType 0x08) both ways', () => {
  it("Meshlet gzips a request past minGzipSize, Java a reply past its mingzSize; each inflates the other's", async () => {
    const provider = keep(await peer.provider(['--mingz', '1024']));
    const relay = keep(await startCapture({ host: '127.0.0.1', port: provider.port }));
    const mesh = keep(createRuntime({ application: 'meshlet-fleet-probe', protocols: [motan2({ minGzipSize: 1024 })], registry: false }));
    const echo = mesh.refer(inGroup(EchoService), { url: `127.0.0.1:${relay.port}` });
    const big = `${'gzip me '.repeat(64 * 1024)}😀`;
    assert.equal(await echo.echo(big), big);
    assert.equal(await echo.echo('small'), 'small');
    const [request, small] = frames(relay.bytes(0, 'fromClient')).map(describeFrame);
    const [reply, smallReply] = frames(relay.bytes(0, 'fromServer')).map(describeFrame);
    assert.deepEqual([request.gzip, reply.gzip, small.gzip, smallReply.gzip], [true, true, false, false]);
  });
});

describe('heartbeats on idle connections', () => {
  it('Meshlet client → motan provider: heartbeats past the interval are answered, the connection stays', async () => {
    const provider = keep(await peer.provider());
    const relay = keep(await startCapture({ host: '127.0.0.1', port: provider.port }));
    const mesh = meshlet({ heartbeatInterval: 300 });
    const echo = mesh.refer(inGroup(EchoService), { url: `127.0.0.1:${relay.port}` });
    assert.equal(await echo.echo('before'), 'before');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await echo.echo('after'), 'after');
    assert.equal(relay.connections.length, 1, 'one connection throughout');
    const sent = frames(relay.bytes(0, 'fromClient')).filter((f) => describeFrame(f).heartbeat);
    const answered = frames(relay.bytes(0, 'fromServer')).filter((f) => describeFrame(f).heartbeat);
    assert.ok(sent.length >= 2, `heartbeats sent: ${sent.length}`);
    assert.deepEqual(answered.map((f) => describeFrame(f).requestId), sent.map((f) => describeFrame(f).requestId));
    assert.ok(answered.every((f) => f[2] === 0x11), 'Java answers with msgType 0x11');
    if (capture) captured.heartbeat = { request: sent[0].toString('hex'), response: answered[0].toString('hex') };
  });

  it('Meshlet provider answers a Java heartbeat frame; a motan consumer idle past it carries on', async () => {
    const provider = keep(await meshletProvider());
    const socket = connect(provider.port, '127.0.0.1');
    await once(socket, 'connect');
    // Java's MotanV2Codec.encodeHeartbeat (rid 9): msgType 0x10, serialization byte 0x08.
    socket.write(Buffer.from('f1f110080800000000000000090000000000000000', 'hex'));
    const [reply] = await once(socket, 'data');
    socket.destroy();
    const h = describeFrame(reply);
    assert.ok(h.heartbeat && h.response && h.requestId === 9n);
    const result = await peer.consumer(['--target', `127.0.0.1:${provider.port}`, '--only', 'motan', '--idle', '1500']);
    assertAllPassed(result, 5);
    assert.match(result.out, /"case":"idle\/1500ms","ok":true/);
  });
});

describe('heartbeats from the motan consumer', () => {
  it('a fused endpoint heartbeats (Java 0x10 frames); Meshlet answers them and motan recovers', async () => {
    const provider = keep(await meshletProvider());
    const relay = keep(await startCapture({ host: '127.0.0.1', port: provider.port }));
    const result = await peer.consumer(['--target', `127.0.0.1:${relay.port}`, '--only', 'motan', '--fuse']);
    assertAllPassed(result, 6);
    const all = relay.connections.map((_, i) => [frames(relay.bytes(i, 'fromClient')), frames(relay.bytes(i, 'fromServer'))]);
    const pair = all.find(([out]) => out.some((f) => describeFrame(f).heartbeat));
    assert.ok(pair, 'motan sent a heartbeat on one of its connections');
    const [out, back] = pair;
    const beat = out.find((f) => describeFrame(f).heartbeat);
    assert.equal(beat.subarray(0, 5).toString('hex'), 'f1f1100808', "Java's heartbeat request: msgType 0x10, serialization byte 0x08");
    const reply = back.find((f) => describeFrame(f).heartbeat && describeFrame(f).requestId === describeFrame(beat).requestId);
    assert.ok(reply && describeFrame(reply).response, 'Meshlet answered it on the same id');
    if (capture) captured.javaHeartbeat = { request: beat.toString('hex'), response: reply.toString('hex') };
  });
});

describe('graceful stop under load: 64 slow calls in flight, provider gets SIGTERM, none lost', () => {
  it('motan provider stopping under Meshlet calls', async () => {
    const provider = keep(await peer.provider());
    const mesh = meshlet();
    const echo = mesh.refer(inGroup(EchoService), { url: `127.0.0.1:${provider.port}`, timeout: 20_000 });
    assert.equal(await echo.echo('warm'), 'warm');
    const calls = Array.from({ length: 64 }, () => echo.sleep(1500));
    await new Promise((r) => setTimeout(r, 300));
    const exited = provider.stop(20_000);
    const results = await Promise.allSettled(calls);
    assert.deepEqual(results.filter((r) => r.status !== 'fulfilled' || r.value !== 'slept').map((r) => r.reason?.message ?? r.value), []);
    assert.equal(await exited, 0);
  });

  it('Meshlet provider stopping under motan calls', async () => {
    const provider = keep(await meshletProvider());
    // The consumer prints READY once its 64 calls are on the wire (the kit's start line).
    const consumer = keep(await peer.start(['--target', `127.0.0.1:${provider.port}`, '--drain', '64']));
    const done = once(consumer.child, 'exit');
    assert.equal(await provider.stop(20_000), 0);
    await done;
    assert.match(consumer.output(), /"case":"drain\/64","ok":true/, consumer.output() + consumer.errors());
  });
});

describe('frames of the real thing, for the golden tests in packages/transport-motan', () => {
  it('motan consumer → Meshlet provider: typed, generic and unknown-method requests', async () => {
    const provider = keep(await meshletProvider());
    const relay = keep(await startCapture({ host: '127.0.0.1', port: provider.port }));
    const result = await peer.consumer(['--target', `127.0.0.1:${relay.port}`, '--only', 'motan', '--idle', '0']);
    assertAllPassed(result, 5);
    const requests = relay.connections.flatMap((_, i) => frames(relay.bytes(i, 'fromClient')));
    const responses = relay.connections.flatMap((_, i) => frames(relay.bytes(i, 'fromServer')));
    const methods = requests.map((f) => describeFrame(f).meta.M_m);
    assert.deepEqual(methods.filter((m) => m === 'echo').length, 2, methods.join());
    if (capture) captured.javaToMeshlet = { requests: hexOf(requests), responses: hexOf(responses) };
  });

  it('Meshlet breeze consumer → motan breeze provider: a User as a breeze message both ways', async () => {
    const provider = keep(await peer.provider(['--serialization', 'breeze']));
    const relay = keep(await startCapture({ host: '127.0.0.1', port: provider.port }));
    const mesh = meshlet({}, 'breeze');
    const echo = mesh.refer(inGroup(EchoService), { url: `127.0.0.1:${relay.port}` });
    const user = { id: 9007199254740993n, name: 'Zoë 😀', tags: ['a', 'b', ''], attrs: new Map([['k', 'v'], ['empty', '']]), active: true, score: -12.5 };
    assert.deepEqual(await echo.echoUser(user), user);
    await assert.rejects(echo.fail('boom'), (e) => RpcError.is(e, Code.Business) && e.message === 'boom');
    const requests = frames(relay.bytes(0, 'fromClient'));
    const responses = frames(relay.bytes(0, 'fromServer'));
    assert.equal(describeFrame(responses[0]).serialization, 8);
    if (capture) captured.breeze = { requests: hexOf(requests), responses: hexOf(responses) };
  });
});

describe('through ZooKeeper, motan layout (/motan/{group}/{service}/server/{ip:port})', () => {
  let zk;
  let raw;
  let registry;
  before(async () => {
    zk = keep(await ZooKeeperServer.start());
    raw = keep(await RawZooKeeper.connect(zk.connectString));
    registry = `zookeeper://${zk.connectString}`;
  }, { timeout: 60_000 });

  it('motan provider registers; Meshlet finds it and runs every case', async () => {
    const provider = keep(await peer.provider(['--registry', registry]));
    const dir = `/motan/${GROUP}/${ECHO}/server`;
    const nodes = await waitForChildren(raw, dir);
    assert.equal(nodes.length, 1);
    assert.match(nodes[0], new RegExp(`:${provider.port}$`));
    const data = (await raw.data(`${dir}/${nodes[0]}`)).toString('latin1');
    // zkclient's default serializer: a Java-serialized String holding the URL.
    assert.match(data, new RegExp(`motan2://[^/]+:${provider.port}/${ECHO.replace(/\./g, '\\.')}\\?`));
    assert.match(data, /group=conformance/);
    assert.match(data, /nodeType=service/);
    if (capture) captured.zookeeper = { serverNode: `${dir}/${nodes[0]}`, serverData: (await raw.data(`${dir}/${nodes[0]}`)).toString('hex') };
    const result = await meshletConsumer(['--registry', registry, '--skip', SKIP.simple.join(',')]);
    assertAllPassed(result, MESHLET_CASES.simple);
    // A Meshlet referer lists itself where Java's does (/client/{ip}), for motan's manager.
    const mesh = keep(createRuntime({ application: 'meshlet-fleet-probe', protocols: [motan2()], registry: createRegistry(registry) }));
    assert.equal(await mesh.refer(inGroup(EchoService)).echo('via zk'), 'via zk');
    const clients = await waitForChildren(raw, `/motan/${GROUP}/${ECHO}/client`);
    const client = (await raw.data(`/motan/${GROUP}/${ECHO}/client/${clients[0]}`)).toString('utf8');
    assert.match(client, new RegExp(`^motan2://${clients[0].replace(/\./g, '\\.')}:0/${ECHO.replace(/\./g, '\\.')}\\?group=conformance&application=meshlet-fleet-probe&nodeType=referer`));
    await mesh.stop(0);
    // A graceful stop unregisters first (motan's heartbeat switcher off): the node goes.
    assert.equal(await provider.stop(20_000), 0);
    assert.deepEqual(await raw.children(dir), []);
  });

  it("a breeze motan provider's node says serialization=breeze, and Meshlet calls it in breeze", async () => {
    const provider = keep(await peer.provider(['--registry', registry, '--serialization', 'breeze']));
    const dir = `/motan/${GROUP}/${ECHO}/server`;
    const [node] = await waitForChildren(raw, dir, (n) => n.endsWith(`:${provider.port}`));
    assert.match((await raw.data(`${dir}/${node}`)).toString('latin1'), /serialization=breeze/);
    assertAllPassed(await meshletConsumer(['--registry', registry, '--skip', SKIP.breeze.join(',')]), MESHLET_CASES.breeze);
    assert.equal(await provider.stop(20_000), 0);
  });

  it('Meshlet provider registers; the motan consumer finds it, and writes its client node', async () => {
    const provider = keep(await meshletProvider(['--registry', registry]));
    const dir = `/motan/${GROUP}/${ECHO}/server`;
    const nodes = await waitForChildren(raw, dir, (n) => n.endsWith(`:${provider.port}`));
    const node = nodes.find((n) => n.endsWith(`:${provider.port}`));
    const data = (await raw.data(`${dir}/${node}`)).toString('utf8');
    assert.match(data, new RegExp(`^motan2://127\\.0\\.0\\.1:${provider.port}/${ECHO.replace(/\./g, '\\.')}\\?group=conformance&`));
    // No unknown/service through a registry (Consumer.java): nobody serves it, motan fails it locally.
    assertAllPassed(await peer.consumer(['--registry', registry, '--serialization', 'simple']), JAVA_CASES.simple - 1);
    assertAllPassed(await peer.consumer(['--registry', registry, '--serialization', 'breeze']), JAVA_CASES.breeze - 1);
    const clients = await raw.children(`/motan/${GROUP}/${ECHO}/client`);
    assert.ok(clients.length >= 1, 'the motan consumer registers its client node');
    if (capture) {
      const client = `/motan/${GROUP}/${ECHO}/client/${clients[0]}`;
      captured.zookeeper = { ...captured.zookeeper, clientNode: client, clientData: (await raw.data(client)).toString('hex') };
    }
  });

  it('group selects: a motan consumer in another group finds no provider', async () => {
    // Its motan cases (simple/echoUser-map, unknown/method) need a provider in the group: none is.
    const result = await peer.consumer(['--registry', registry, '--group', 'no-such-group', '--only', 'motan'], { ms: 60_000 });
    assert.notEqual(result.code, 0);
    assert.doesNotMatch(result.out, /"ok":true/);
  });
});

async function waitForChildren(raw, path, ok = () => true, ms = 20_000) {
  const end = Date.now() + ms;
  for (;;) {
    const list = await raw.children(path).catch(() => []);
    if (list.some(ok)) return list;
    if (Date.now() > end) throw new Error(`no node under ${path} within ${ms} ms: ${list}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
