// Real fleet, SOFA side, through Nacos: SOFARPC 5.13.2 (its NacosRegistry on nacos-client 2.0.3,
// gRPC) and Meshlet's nacos registry (v1 HTTP, SOFARPC's naming for Bolt) on one r-nacos server
// (packages/registry/src/testing/nacos-server.ts; not Apache Nacos, see the registry README). Each
// side finds the other's providers by SOFARPC's naming alone: namespace `sofa-rpc`, DEFAULT_GROUP,
// cluster `default-cluster`, service `{interface}[:{uniqueId}]:DEFAULT`, and a killed provider is
// dropped on both sides. Skipped when no r-nacos binary is built.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { createRegistry } from '@meshlet/registry';
import { NacosServer, nacosServerMissing } from '../../packages/registry/dist/testing/index.js';
import { EchoService } from '../../examples/conformance/service.js';
import { assertAllPassed, runConsumer, startPeer, stopAll, waitForLine } from './lib/processes.js';
import { meshletConsumer, meshletProvider, sofaPeer } from './sofarpc/peer.js';

const ECHO = 'com.meshlet.conformance.EchoService';
/** The kit's 29 cases and the 11 fleet cases. */
const ALL = 40;
/** The metadata keys SOFARPC 5.13.2's provider writes (RegistryUtils.convertProviderToMap). */
const JAVA_KEYS = ['accepts', 'appName', 'delay', 'dynamic', 'id', 'interface', 'language', 'pid', 'protocol', 'rpcVer', 'serialization', 'startTime', 'timeout', 'uniqueId', 'weight'];
const meshletScript = (name) => new URL(`./meshlet/${name}.js`, import.meta.url).pathname;
const meshletBoltProvider = (args = []) => startPeer(process.execPath, [meshletScript('provider'), '--protocol', 'bolt', '--port', '0', ...args], { name: 'meshlet bolt provider' });
const meshletBoltConsumer = (args) => runConsumer(process.execPath, [meshletScript('consumer'), '--protocol', 'bolt', ...args], { name: 'meshlet bolt consumer' });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const skip = nacosServerMissing();

/** Polls `read` until `done(value)`, every 100 ms, for at most `ms`; resolves with the value and how long it took. */
async function until(read, done, ms, what) {
  const t0 = performance.now();
  let last;
  while (performance.now() - t0 < ms) {
    last = await read();
    if (done(last)) return { value: last, ms: performance.now() - t0 };
    await sleep(100);
  }
  throw new Error(`${what}: not within ${ms} ms (last: ${JSON.stringify(last)?.slice(0, 500)})`);
}

describe('SOFARPC and Meshlet through Nacos (r-nacos)', { skip }, () => {
  let peer;
  let server;
  const started = [];
  /** Every process and server a test starts is stopped in `after`, even when the test failed. */
  const keep = (x) => { started.push(x); return x; };
  /** What SOFARPC's RegistryConfig takes: no namespace, so its default `sofa-rpc`. */
  let javaRegistry;
  /** The hosts of a SOFARPC service name as Nacos lists them (all clusters, healthy or not). */
  async function hosts(serviceName, namespaceId = 'sofa-rpc') {
    const q = new URLSearchParams({ namespaceId, serviceName, groupName: 'DEFAULT_GROUP', healthyOnly: 'false' });
    const res = await fetch(`http://127.0.0.1:${server.port}/nacos/v1/ns/instance/list?${q}`);
    assert.equal(res.status, 200);
    return (await res.json()).hosts;
  }
  const ports = async (serviceName) => (await hosts(serviceName)).map((h) => h.port).sort((x, y) => x - y);

  before(async () => {
    // Cold: Maven resolves sofa-rpc-all and nacos-client, protoc generates the messages, javac builds.
    peer = await sofaPeer();
    // Meshlet providers beat every 500 ms here; without beats an instance is unhealthy after 2 s and
    // deleted after 3 s (Nacos' defaults: 15 and 30). SOFARPC's instances live as long as its gRPC connection.
    server = await NacosServer.start({ healthTimeoutSec: 2, instanceTimeoutSec: 3, startTimeoutMs: 120_000 });
    keep({ close: () => server.close() });
    javaRegistry = `nacos://127.0.0.1:${server.port}`;
  }, { timeout: 600_000 });
  after(async () => {
    await stopAll(started);
  });

  it('a SOFARPC provider registers as SOFARPC names it; a Meshlet Bolt consumer finds it and passes every case', async () => {
    const provider = keep(await peer.provider(['--registry', javaRegistry]));
    const [plain] = await hosts(`${ECHO}:DEFAULT`);
    const [g2] = await hosts(`${ECHO}:g2:DEFAULT`);
    for (const h of [plain, g2]) {
      assert.deepEqual([h?.ip, h?.port, h?.clusterName, h?.weight, h?.ephemeral], ['127.0.0.1', provider.port, 'default-cluster', 1, true]);
      assert.deepEqual(Object.keys(h.metadata).sort(), JAVA_KEYS);
      assert.deepEqual([h.metadata.interface, h.metadata.protocol, h.metadata.serialization, h.metadata.weight, h.metadata.language], [ECHO, 'bolt', 'hessian2', '100', 'java']);
    }
    assert.deepEqual([plain.metadata.uniqueId, g2.metadata.uniqueId], ['', 'g2']);
    assert.equal((await hosts('com.meshlet.sofarpc.ProtoService:DEFAULT'))[0]?.metadata.serialization, 'protobuf');
    // The kit's echo shows the g2 service is not mistaken for the default one.
    assertAllPassed(await meshletBoltConsumer(['--registry', server.url('?refresh=1000')]), ALL);
    assert.equal(await provider.stop(), 0);
    assert.deepEqual(await ports(`${ECHO}:DEFAULT`), [], 'SOFARPC deregisters on graceful stop');
  });

  it('a Meshlet Bolt provider registers what SOFARPC\'s consumer needs; the consumer passes every case', async () => {
    const provider = keep(await meshletBoltProvider(['--registry', server.url('?beat=500')]));
    const [h, ...more] = await hosts(`${ECHO}:DEFAULT`);
    assert.equal(more.length, 0);
    assert.deepEqual([h?.ip, h?.port, h?.clusterName, h?.weight, h?.ephemeral], ['127.0.0.1', provider.port, 'default-cluster', 1, true]);
    assert.deepEqual(Object.keys(h.metadata).sort(), JAVA_KEYS, 'the same keys as SOFARPC writes');
    assert.deepEqual([h.metadata.uniqueId, h.metadata.protocol, h.metadata.serialization, h.metadata.language], ['', 'bolt', 'hessian2', 'nodejs']);
    assertAllPassed(await peer.consumer(['--registry', javaRegistry]), ALL);
    assert.equal(await provider.stop(), 0);
    assert.deepEqual(await ports(`${ECHO}:DEFAULT`), [], 'Meshlet deregisters on graceful stop');
  });

  it('uniqueId through Nacos: SOFARPC\'s consumer picks Meshlet\'s g2 service for uniqueId g2', async () => {
    const mesh = keep(await meshletProvider({ registry: createRegistry(server.url('?beat=500')) }));
    assert.deepEqual(await ports(`${ECHO}:g2:DEFAULT`), [mesh.address().port]);
    assertAllPassed(await peer.consumer(['--registry', javaRegistry, '--suite', 'select']), 2);
    await mesh.stop(0);
  });

  it('a SOFARPC provider killed: Meshlet\'s consumer drops it and calls the other without a failure after', async () => {
    const [a, b] = [keep(await peer.provider(['--registry', javaRegistry])), keep(await peer.provider(['--registry', javaRegistry]))];
    const registry = createRegistry(server.url('?refresh=500'));
    const client = keep(meshletConsumer({ registry }));
    const sets = [];
    const stop = await registry.subscribe({ interface: ECHO, version: '1.0' }, (eps) => sets.push(eps.map((e) => e.port).sort((x, y) => x - y)), { protocol: 'bolt' });
    keep({ close: stop });
    await until(async () => sets.at(-1), (s) => s?.length === 2, 30_000, 'both SOFARPC providers seen');
    const echo = client.refer(EchoService, { timeout: 5000 });
    // 8 callers back to back while one provider is SIGKILLed: what fails is what was on its connection.
    let running = true;
    let [ok, failed] = [0, 0];
    const callers = Array.from({ length: 8 }, async () => {
      while (running) await echo.echo('k').then(() => ok++, () => failed++);
    });
    await sleep(500);
    a.kill();
    const dropped = await until(async () => sets.at(-1), (s) => s?.length === 1 && s[0] === b.port, 30_000, 'killed provider dropped');
    running = false;
    await Promise.all(callers);
    console.log(`# SIGKILLed SOFARPC provider gone from Meshlet's set after ${dropped.ms.toFixed(0)} ms; ${failed} of ${ok + failed} calls failed meanwhile`);
    assert.ok(ok > 0);
    const after = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => echo.echo(`after ${i}`)));
    assert.deepEqual(after.filter((r) => r.status === 'rejected').map((r) => r.reason.message), [], 'no call fails once it is dropped');
    await client.stop(0);
    assert.equal(await b.stop(), 0);
    assert.deepEqual(await ports(`${ECHO}:DEFAULT`), []);
  });

  it('a Meshlet provider killed: its instance leaves Nacos when its beats stop, and SOFARPC\'s consumer goes on with the other', async () => {
    const [a, b] = [keep(await meshletBoltProvider(['--registry', server.url('?beat=500')])), keep(await meshletBoltProvider(['--registry', server.url('?beat=500')]))];
    assert.deepEqual(await ports(`${ECHO}:DEFAULT`), [a.port, b.port].sort((x, y) => x - y));
    const child = keep(peer.spawnConsumer(['--registry', javaRegistry, '--suite', 'load', '--calls', '32']));
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = once(child, 'exit');
    await waitForLine(child, /LOADING 32\b/, 120_000);
    await sleep(1000);
    a.kill();
    const gone = await until(() => ports(`${ECHO}:DEFAULT`), (p) => p.length === 1 && p[0] === b.port, 60_000, 'killed Meshlet provider gone from Nacos');
    await sleep(1000);
    child.stdin.end('STOP\n');
    await exited;
    const m = /^LOAD (\{.*\})$/m.exec(out);
    assert.ok(m, out.slice(-2000));
    const load = JSON.parse(m[1]);
    console.log(`# SIGKILLed Meshlet provider gone from Nacos after ${gone.ms.toFixed(0)} ms; SOFARPC consumer (32 threads, no retries): ${load.failed} of ${load.calls + load.failed} calls failed: ${JSON.stringify(load.kinds ?? {})}`);
    assert.ok(load.calls > 0);
    // Only calls caught by the kill: at most one per thread (measured 19-32 in 7 runs), failing as
    // the connection closes (Bolt's ConnectionClosedException or RemotingException, Netty's
    // ClosedChannelException); none waits out a timeout on the dead provider.
    assert.ok(load.failed <= 32, `${load.failed} failed: ${load.first}`);
    assert.deepEqual(Object.keys(load.kinds ?? {}).filter((k) => /Timeout/i.test(k)), [], JSON.stringify(load.kinds));
    // A consumer that starts now is offered the live provider only, and passes everything.
    assertAllPassed(await peer.consumer(['--registry', javaRegistry]), ALL);
    assert.equal(await b.stop(), 0);
  });
});
