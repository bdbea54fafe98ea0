// Real fleet, SOFA side: SOFARPC 5.13.2 (sofa-rpc-all from Maven Central, our own provider and
// consumer on its plain API, test/fleet/java/sofarpc) opposite Meshlet over Bolt, both directions,
// direct and through a real ZooKeeper in SOFARPC's /sofa-rpc layout. The Java side is the truth:
// where it and Meshlet disagreed, Meshlet was fixed (packages/transport-bolt, with unit tests).
// MESHLET_FLEET_CAPTURE=1 also records a real SOFARPC consumer/provider exchange into
// packages/transport-bolt/src/fixtures/sofarpc-captured.json (golden-tested there).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Code, createRuntime, currentCall, RpcError } from '@meshlet/core';
import { createRegistry } from '@meshlet/registry';
import { bolt, boltSplitter, crcValid, parseFrame, readTraceContext } from '@meshlet/transport-bolt';
import { RawZooKeeper, ZooKeeperServer } from '../../packages/registry/dist/testing/index.js';
import { EchoService } from '../../examples/conformance/service.js';
import { startCapture } from './lib/capture.js';
import { assertAllPassed, runConsumer, startPeer, stopAll, waitForLine } from './lib/processes.js';
import { stopOneUnderLoad } from './lib/stop-under-load.js';
import { FleetService, fleetImpl } from './meshlet/fleet-service.js';
import { EchoWithNope, G2Echo, Missing, ProtoService, meshletConsumer, meshletProvider, sofaPeer } from './sofarpc/peer.js';

const ECHO = 'com.meshlet.conformance.EchoService';
/** The kit's 29 cases and the 11 fleet cases. */
const ALL = 40;
const meshletScript = (name) => new URL(`./meshlet/${name}.js`, import.meta.url).pathname;
const meshletBoltProvider = (args = []) => startPeer(process.execPath, [meshletScript('provider'), '--protocol', 'bolt', '--port', '0', ...args], { name: 'meshlet bolt provider' });
const meshletBoltConsumer = (args) => runConsumer(process.execPath, [meshletScript('consumer'), '--protocol', 'bolt', ...args], { name: 'meshlet bolt consumer' });

/** Bolt frames of one direction of a captured connection, split by the transport's own reader. */
function frames(buf) {
  const out = [];
  for (let at = 0; at < buf.length;) {
    const len = boltSplitter.frameLength(buf, at);
    assert.ok(len > 0 && at + len <= buf.length, `a whole frame at ${at}`);
    out.push(buf.subarray(at, at + len));
    at += len;
  }
  return out;
}
/** [type, cmdcode, id] of each frame: heartbeats are cmdcode 0 (request type 1, ack type 0). */
const kinds = (list) => list.map((f) => { const p = parseFrame(f); return [p.type, p.cmd, p.id]; });
const heartbeats = (list, type) => kinds(list).filter(([ty, cmd]) => cmd === 0 && ty === type).map(([, , id]) => id);

let peer;
const started = [];
/** Every process and server a test starts is stopped in `after`, even when the test failed. */
function keep(x) { started.push(x); return x; }

before(async () => {
  // Cold: Maven resolves sofa-rpc-all and friends, protoc generates the messages, javac builds.
  peer = await sofaPeer();
}, { timeout: 600_000 });
after(async () => {
  await stopAll(started);
});

describe('direct: every kit and fleet case, both directions', () => {
  it('Meshlet consumer → SOFARPC provider', async () => {
    const provider = keep(await peer.provider());
    assertAllPassed(await meshletBoltConsumer(['--target', `127.0.0.1:${provider.port}`]), ALL);
  });

  it('SOFARPC consumer → Meshlet provider', async () => {
    const provider = keep(await meshletBoltProvider());
    assertAllPassed(await peer.consumer(['--target', `127.0.0.1:${provider.port}`]), ALL);
  });
});

describe('probes: uniqueId, unknown service and method, trace context, protobuf', () => {
  let javaProvider;
  let mesh;
  let client;
  before(async () => {
    javaProvider = keep(await peer.provider());
    mesh = keep(await meshletProvider());
    client = keep(meshletConsumer());
  });

  it('SOFARPC consumer → Meshlet: uniqueId g2, SOFARPC\'s exact framework errors, rpc_trace_context arrives', async () => {
    assertAllPassed(await peer.consumer(['--target', `127.0.0.1:${mesh.address().port}`, '--suite', 'probe']), 6);
  });

  it('SOFARPC consumer → SOFARPC provider: the same probes hold against the real thing', async () => {
    // The probe suite's expectations (exact errorMsg texts, SofaRpcException type) are Java's own.
    assertAllPassed(await peer.consumer(['--target', `127.0.0.1:${javaProvider.port}`, '--suite', 'probe']), 6);
  });

  it('SOFARPC GenericService ($invoke; $genericInvoke with a GenericObject) → Meshlet, as → SOFARPC', async () => {
    assertAllPassed(await peer.consumer(['--target', `127.0.0.1:${mesh.address().port}`, '--suite', 'generic']), 3);
    assertAllPassed(await peer.consumer(['--target', `127.0.0.1:${javaProvider.port}`, '--suite', 'generic']), 3);
  });

  it('Meshlet consumer → SOFARPC: uniqueId selects, unknown service and method are typed with Java\'s text', async () => {
    const url = `127.0.0.1:${javaProvider.port}`;
    assert.equal(await client.refer(G2Echo, { url }).echo('x'), 'g2:x');
    assert.equal(await client.refer(EchoService, { url }).echo('x'), 'x');
    await assert.rejects(client.refer(Missing, { url, timeout: 5000 }).nope('x'), (e) =>
      RpcError.is(e, Code.ServiceNotFound) && e.message === 'RPC-020100010: RPC cannot find service: [com.meshlet.Missing:1.0] ');
    await assert.rejects(client.refer(EchoWithNope, { url, timeout: 5000 }).nope('x'), (e) =>
      RpcError.is(e, Code.MethodNotFound) && e.message === `RPC-020100011: Cannot find invoke method: [nope], service: [${ECHO}:1.0] `);
  });

  it('Bolt v2 with CRC from Meshlet: the Java server accepts it and answers in v2 with a valid CRC', async () => {
    const relay = keep(await startCapture({ host: '127.0.0.1', port: javaProvider.port }));
    const v2 = keep(createRuntime({ application: 'meshlet-sofarpc-suite', protocols: [bolt({ frame: 'v2-crc' })] }));
    assert.equal(await v2.refer(EchoService, { url: `127.0.0.1:${relay.port}` }).echo('v2'), 'v2');
    const [reply] = frames(relay.bytes(0, 'fromServer'));
    assert.deepEqual([reply[0], reply[1], reply[11] & 1], [2, 2, 1], 'proto 2, ver1 2, CRC switch on');
    assert.ok(crcValid(reply));
  });

  it('Meshlet → SOFARPC: rpc_trace_context.* attachments become the Java provider\'s SOFA tracer context', async () => {
    const traceId = '7f0000011733318400123100112345';
    const fleet = client.refer(FleetService, {
      url: `127.0.0.1:${javaProvider.port}`,
      attachments: { 'rpc_trace_context.sofaTraceId': traceId, 'rpc_trace_context.sofaRpcId': '0.1', 'rpc_trace_context.samp': 'true' },
    });
    // SOFARPC folds the header keys into requestProps.rpc_trace_context and its tracer adopts them.
    assert.equal(await fleet.attachment('rpc_trace_context.sofaRpcId'), '0.1');
    assert.equal(await fleet.attachment('tracer:traceId'), traceId);
  });

  it('protobuf (codec 11), both directions: every scalar kind, int64 beyond 2^53, bytes, defaults, an error', async () => {
    assertAllPassed(await peer.consumer(['--target', `127.0.0.1:${mesh.address().port}`, '--suite', 'proto']), 3);
    const p = client.refer(ProtoService, { url: `127.0.0.1:${javaProvider.port}`, timeout: 5000 });
    const got = await p.echo({ text: 'héllo 😀', big: 9007199254740993n, tags: ['a', ''], blob: Buffer.from([0, 1, 255]), score: -12.5, flag: true });
    assert.deepEqual({ ...got, blob: Buffer.from(got.blob) }, { text: 'héllo 😀', big: '9007199254740993', tags: ['a', ''], blob: Buffer.from([0, 1, 255]), score: -12.5, flag: true, count: 2 });
    const flagOnly = await p.echo({ flag: true });
    assert.deepEqual({ ...flagOnly, blob: Buffer.from(flagOnly.blob) }, { text: '', big: '0', tags: [], blob: Buffer.alloc(0), score: 0, flag: true, count: 0 });
    // An all-default message is 0 bytes of content, which SOFARPC's provider refuses ("Content of
    // request is null"): a SERVER_DESERIAL_EXCEPTION, a bad request to the caller.
    await assert.rejects(p.echo({}), (e) => RpcError.is(e, Code.BadRequest) && /Content of request is null/.test(e.message));
    await assert.rejects(p.fail({ text: 'proto says no' }), (e) => e instanceof RpcError && e.message.includes('proto says no'));
  });
});

describe('through ZooKeeper, SOFARPC\'s /sofa-rpc layout', () => {
  let zk;
  let raw;
  before(async () => {
    zk = await ZooKeeperServer.start({ tickTime: 200 });
    keep({ close: () => zk.close() });
    raw = await RawZooKeeper.connect(zk.connectString);
    keep({ close: async () => raw.close() });
  }, { timeout: 60_000 });

  /** Provider or consumer nodes of `iface`, decoded as both SOFA writers encode them. */
  async function nodes(iface, kind) {
    const names = await raw.children(`/sofa-rpc/${iface}/${kind}`).catch(() => []);
    return names.map((n) => {
      const url = new URL(decodeURIComponent(n.replace(/\+/g, ' ')));
      return { url, params: Object.fromEntries(url.searchParams) };
    });
  }

  it('a SOFARPC provider registers; a Meshlet consumer finds it and passes every case', async () => {
    const provider = keep(await peer.provider(['--registry', zk.url]));
    const found = await nodes(ECHO, 'providers');
    // EchoService twice: the default and uniqueId g2, each a bolt URL of the provider's address.
    assert.equal(found.length, 2, JSON.stringify(found.map((n) => n.url.href)));
    for (const { url, params } of found) {
      assert.equal(`${url.protocol}//${url.host}`, `bolt://127.0.0.1:${provider.port}`);
      assert.equal(params.interface, ECHO);
      assert.equal(params.version, '1.0');
      assert.equal(params.serialization, 'hessian2');
      assert.equal(params.protocol, 'bolt');
      assert.equal(params.weight, '100');
    }
    assert.deepEqual(found.map((n) => n.params.uniqueId ?? '').sort(), ['', 'g2']);
    const proto = await nodes('com.meshlet.sofarpc.ProtoService', 'providers');
    assert.equal(proto[0]?.params.serialization, 'protobuf');
    // The g2 node is beside the default one: Meshlet must pick by uniqueId (the kit's echo shows it).
    assertAllPassed(await meshletBoltConsumer(['--registry', zk.url]), ALL);
    await provider.stop();
    assert.deepEqual(await nodes(ECHO, 'providers'), [], 'SOFARPC unregisters on graceful stop');
  });

  it('a Meshlet provider registers what the SOFARPC consumer needs; the consumer passes every case and writes its node', async () => {
    const provider = keep(await meshletBoltProvider(['--registry', zk.url]));
    const [node, ...more] = await nodes(ECHO, 'providers');
    assert.equal(more.length, 0);
    assert.equal(`${node.url.protocol}//${node.url.host}`, `bolt://127.0.0.1:${provider.port}`);
    for (const [k, v] of Object.entries({ interface: ECHO, version: '1.0', serialization: 'hessian2', protocol: 'bolt', uniqueId: '' })) {
      assert.equal(node.params[k], v, `${k} in ${node.url.href}`);
    }
    const result = await peer.consumer(['--registry', zk.url]);
    assertAllPassed(result, ALL);
    // Meshlet advertises rpcVer=50400, so SOFARPC's tracer switches to new_rpc_trace_context.
    assert.equal(node.params.rpcVer, '50400');
    assertAllPassed(await peer.consumer(['--registry', zk.url, '--suite', 'trace']), 1);
    assert.equal(await provider.stop(), 0);
    assert.deepEqual(await nodes(ECHO, 'providers'), [], 'Meshlet unregisters on graceful stop');
  });

  it("SOFARPC's new_rpc_trace_context (sent to rpcVer >= 50100 providers) is read by Meshlet's tracing", async () => {
    const seen = [];
    const mesh = keep(createRuntime({ application: 'meshlet-sofarpc-suite', protocols: [bolt()], registry: createRegistry(zk.url), server: { host: '127.0.0.1', port: 0 } }));
    mesh.provide(FleetService, { ...fleetImpl, attachment: (key) => { const a = currentCall().attachments; seen.push(readTraceContext(a)); return a[key] ?? null; } });
    await mesh.start();
    const registered = await nodes('com.meshlet.fleet.FleetService', 'providers');
    assert.deepEqual(registered.map((n) => n.url.port), [String(mesh.address().port)], 'this provider only');
    assertAllPassed(await peer.consumer(['--registry', zk.url, '--suite', 'trace']), 1);
    assert.ok(seen.length >= 1);
    for (const ctx of seen) {
      assert.match(ctx.traceId, /^[0-9a-f]{8}\d{17,}$/);
      assert.deepEqual([ctx.spanId, ctx.sampled], ['0', true]);
    }
    await mesh.stop(0);
  });

  it("uniqueId through ZooKeeper: Meshlet's g2 node is the one SOFARPC's consumer picks for uniqueId g2", async () => {
    const mesh = keep(await meshletProvider({ registry: createRegistry(zk.url) }));
    const found = await nodes(ECHO, 'providers');
    assert.deepEqual(found.map((n) => n.params.uniqueId).sort(), ['', 'g2']);
    assertAllPassed(await peer.consumer(['--registry', zk.url, '--suite', 'select']), 2);
    await mesh.stop(0);
  });

  it('SOFARPC consumers write /sofa-rpc/{iface}/consumers nodes (what ops tooling reads)', async () => {
    const provider = keep(await meshletBoltProvider(['--registry', zk.url]));
    const child = keep(peer.spawnConsumer(['--registry', zk.url, '--suite', 'idle', '--idle', '3000']));
    await waitForLine(child, /"idle\/before"/, 60_000);
    const consumers = await nodes(ECHO, 'consumers');
    assert.ok(consumers.length >= 1, 'a consumer node');
    const { url, params } = consumers[0];
    assert.equal(url.protocol, 'bolt:');
    assert.equal(params.interface, ECHO);
    assert.equal(params.version, '1.0');
    child.kill('SIGKILL');
    await provider.stop();
  });
});

describe('heartbeats on idle connections (Bolt timers shortened by system properties)', () => {
  it('SOFARPC consumer → Meshlet: Java\'s heartbeats are answered and the connection carries on', async () => {
    const provider = keep(await meshletBoltProvider());
    const relay = keep(await startCapture({ host: '127.0.0.1', port: provider.port }));
    const result = await peer.consumer(['--target', `127.0.0.1:${relay.port}`, '--suite', 'idle', '--idle', '2500'], { jvm: ['-Dbolt.tcp.heartbeat.interval=500'] });
    assertAllPassed(result, 2);
    assert.equal(relay.connections.length, 1, 'one connection throughout');
    const sent = heartbeats(frames(relay.bytes(0, 'fromClient')), 1);
    const acked = heartbeats(frames(relay.bytes(0, 'fromServer')), 0);
    assert.ok(sent.length >= 2, `Java sent heartbeats: ${sent}`);
    assert.deepEqual(acked, sent, 'each heartbeat acked with its id');
  });

  it('Meshlet consumer → SOFARPC: Meshlet heartbeats keep a connection the Java server would close as idle', async () => {
    const jvm = ['-Dbolt.tcp.server.idle.interval=1500'];
    const provider = keep(await peer.provider([], { jvm }));
    const relay = keep(await startCapture({ host: '127.0.0.1', port: provider.port }));
    const url = `127.0.0.1:${relay.port}`;
    // Control: without heartbeats the Java server closes the idle connection, so the timer is real.
    const quiet = keep(meshletConsumer({ client: { heartbeatInterval: 60_000 } }));
    assert.equal(await quiet.refer(EchoService, { url }).echo('a'), 'a');
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await quiet.refer(EchoService, { url }).echo('b'), 'b');
    assert.equal(relay.connections.length, 2, 'the Java server closed the idle connection; a new one was made');
    await quiet.stop(0);

    const beating = keep(meshletConsumer({ client: { heartbeatInterval: 400 } }));
    assert.equal(await beating.refer(EchoService, { url }).echo('a'), 'a');
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await beating.refer(EchoService, { url }).echo('b'), 'b');
    assert.equal(relay.connections.length, 3, 'the heartbeating connection survived');
    const sent = heartbeats(frames(relay.bytes(2, 'fromClient')), 1);
    const acked = heartbeats(frames(relay.bytes(2, 'fromServer')), 0);
    assert.ok(sent.length >= 3, `Meshlet sent heartbeats: ${sent}`);
    assert.deepEqual(acked, sent, 'SOFARPC acked each');
    // Byte for byte what SOFARPC's own client sends (22 bytes, codec 1, timeout -1), but for the id.
    for (const f of frames(relay.bytes(2, 'fromClient')).filter((b) => parseFrame(b).cmd === 0)) {
      const id = f.readInt32BE(5).toString(16).padStart(8, '0');
      assert.equal(f.toString('hex'), `0101000001${id}01ffffffff0000000000000000`);
    }
  });
});

describe('graceful stop under load: 64 slow calls in flight, SIGTERM, none lost', () => {
  it('SOFARPC consumer, Meshlet provider stops', async () => {
    const provider = keep(await meshletBoltProvider());
    const child = keep(peer.spawnConsumer(['--target', `127.0.0.1:${provider.port}`, '--suite', 'drain', '--calls', '64', '--ms', '1500']));
    // Listened for now: the consumer may well finish while the provider is still stopping.
    const exited = once(child, 'exit');
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await waitForLine(child, /INFLIGHT 64/);
    assert.equal(await provider.stop(), 0);
    await exited;
    assert.match(out, /"drain\/64","ok":true/);
    assert.match(out, /^2 passed, 0 failed$/m);
  });

  it('Meshlet consumer, SOFARPC provider stops', async () => {
    const provider = keep(await peer.provider());
    const client = keep(meshletConsumer());
    const echo = client.refer(EchoService, { url: `127.0.0.1:${provider.port}`, timeout: 30_000 });
    assert.equal(await echo.echo('w'), 'w');
    const calls = Array.from({ length: 64 }, () => echo.sleep(1500).then((v) => v, (e) => e));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await provider.stop(), 0);
    const results = await Promise.all(calls);
    assert.deepEqual(results.filter((r) => r !== 'slept'), [], 'every call answered');
  });
});

// Bolt 1.6 (SOFARPC 5.13.2) knows no stop signal: bolt-1.6.10's command codes are RPC_REQUEST,
// RPC_RESPONSE and HEARTBEAT only (Meshlet's MOSN GoAway is opt-in, and Java Bolt drops it). By
// address, SOFARPC keeps sending to a stopping provider, which serves until no request came for
// its linger or the grace period ends, then closes: the calls pending then fail, and with
// retries 0 nothing is resent. SOFARPC does the same to itself: the test runs the fleet's own pair
// (SOFARPC consumer, two SOFARPC providers, one SIGTERMed) beside ours and prints both. Measured
// (one run each, loaded 2-core machine): Meshlet providers 58-95 of 88-110k lost
// (ConnectionClosedException, InvokeTimeoutException, ClosedChannelException); SOFARPC providers
// 226 of 9.5k (ConnectionClosed 136, InvokeServerBusy 54, ClosedChannel 36). A loss that is
// SOFARPC's own by address: recorded (todo), not asserted. Through a registry, where SOFARPC does
// hear of a stop, nothing is lost (next describe).
describe('graceful stop of one of two providers, 128 calls in flight from SOFARPC (by address)', () => {
  it('SOFARPC consumer (no retries), Meshlet bolt provider SIGTERMed: what SOFARPC loses, beside SOFARPC providers', { todo: 'SOFARPC keeps sending to a stopping provider by address: it knows no stop signal (its own providers lose as many)' }, async () => {
    const load = async (start, who) => {
      const [a, b] = [keep(await start()), keep(await start())];
      const child = keep(peer.spawnConsumer(['--target', `127.0.0.1:${a.port},127.0.0.1:${b.port}`, '--suite', 'load', '--calls', '128']));
      const r = await stopOneUnderLoad(child, a, { name: 'sofarpc consumer' });
      console.log(`# SOFARPC -> 2 ${who} providers (by address), one SIGTERMed: ${r.failed} of ${r.calls + r.failed} calls failed: ${JSON.stringify(r.kinds)}; first: ${r.first}`);
      child.kill('SIGKILL');
      a.kill();
      b.kill();
      return r;
    };
    const ours = await load(() => meshletBoltProvider(), 'Meshlet bolt');
    const baseline = await load(() => peer.provider(), 'SOFARPC (baseline)');
    assert.equal(ours.exit, 0, 'the stopped provider exits 0');
    assert.ok(ours.calls > 0 && baseline.calls > 0);
    assert.equal(ours.failed, 0, `${ours.failed} of ${ours.calls + ours.failed} failed (SOFARPC's own providers: ${baseline.failed} of ${baseline.calls + baseline.failed}): ${JSON.stringify(ours.kinds)}; first: ${ours.first}\n${ours.err.slice(-2000)}`);
  });
});

// Through ZooKeeper SOFARPC hears of a stop: the stopping provider's node goes (a Meshlet
// provider deregisters first), SOFARPC's consumer drops the provider from its connection holder
// and sends to the other, and the provider, still serving, closes once no request came for its
// linger (300 ms), every accepted call answered. What SOFARPC's own pair does too (0 lost).
describe('graceful stop of one of two Meshlet providers, 128 calls in flight from SOFARPC (through ZooKeeper)', () => {
  let zk;
  before(async () => {
    zk = await ZooKeeperServer.start({ tickTime: 200 });
    keep({ close: () => zk.close() });
  }, { timeout: 60_000 });

  it('SOFARPC consumer (no retries), Meshlet bolt provider SIGTERMed: none lost', async () => {
    const [a, b] = [keep(await meshletBoltProvider(['--registry', zk.url])), keep(await meshletBoltProvider(['--registry', zk.url]))];
    const child = keep(peer.spawnConsumer(['--registry', zk.url, '--suite', 'load', '--calls', '128']));
    const r = await stopOneUnderLoad(child, a, { name: 'sofarpc consumer' });
    console.log(`# SOFARPC -> 2 Meshlet bolt providers (ZooKeeper), one SIGTERMed: ${r.failed} of ${r.calls + r.failed} calls failed: ${JSON.stringify(r.kinds)}; first: ${r.first}`);
    assert.equal(r.exit, 0, 'the stopped provider exits 0');
    assert.ok(r.calls > 0);
    assert.equal(r.failed, 0, `${r.failed} of ${r.calls + r.failed} failed: ${JSON.stringify(r.kinds)}; first: ${r.first}\n${r.err.slice(-2000)}`);
  });
});

describe('captured frames (MESHLET_FLEET_CAPTURE=1 rewrites the fixture)', { skip: process.env.MESHLET_FLEET_CAPTURE !== '1' && 'set MESHLET_FLEET_CAPTURE=1 to record' }, () => {
  it('a real SOFARPC consumer and provider, every kind of exchange, through a recording relay', async () => {
    const provider = keep(await peer.provider());
    const relay = keep(await startCapture({ host: '127.0.0.1', port: provider.port }));
    const result = await peer.consumer(['--target', `127.0.0.1:${relay.port}`, '--suite', 'capture', '--idle', '1600'], { jvm: ['-Dbolt.tcp.heartbeat.interval=500'] });
    assertAllPassed(result, 10);
    const connections = relay.connections.map((_, i) => ({
      fromClient: frames(relay.bytes(i, 'fromClient')).map((f) => f.toString('hex')),
      fromServer: frames(relay.bytes(i, 'fromServer')).map((f) => f.toString('hex')),
    }));
    const fixture = {
      source: 'sofa-rpc-all 5.13.2 (hessian 3.5.5, bolt 1.6.10) consumer → provider on Java 17, test/fleet/java/sofarpc --suite capture',
      cases: result.cases.map((c) => c.case),
      connections,
    };
    writeFileSync(new URL('../../packages/transport-bolt/src/fixtures/sofarpc-captured.json', import.meta.url), `${JSON.stringify(fixture, null, 1)}\n`);
  });
});
