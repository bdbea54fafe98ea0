// Interop through the registry, SOFA side: Meshlet and the npm SOFA RPC package sofa-rpc-node@2.10.0
// find each other through a real ZooKeeper, in SOFARPC's layout
// (/sofa-rpc/{interface}/providers/{URL-encoded provider URL}, ephemeral, no data):
//   (a) sofa-rpc-node's RpcServer publishes through its own ZookeeperRegistry; a Meshlet Bolt
//       consumer (createRegistry('zookeeper://…')) finds and calls it;
//   (b) a Meshlet Bolt provider registers through the ZooKeeper registry; sofa-rpc-node's RpcClient
//       finds it through its own ZookeeperRegistry and calls it.
// The peer always runs in a child process (bolt-sofa.md §2.6-6); its ZooKeeper client is its own
// (zookeeper-cluster-client → node-zookeeper-client), not ours.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Code, createRuntime, RpcError } from '@meshlet/core';
import { createRegistry } from '@meshlet/registry';
import { bolt } from '@meshlet/transport-bolt';
import { RawZooKeeper, ZooKeeperServer } from '../../packages/registry/dist/testing/index.js';
import { EchoService, echoImpl } from '../../examples/conformance/service.js';
import { sleep, waitFor } from './helpers.js';

const peers = fileURLToPath(new URL('../interop/peers/', import.meta.url));
const ECHO = 'com.meshlet.conformance.EchoService';
const PROVIDERS = `/sofa-rpc/${ECHO}/providers`;

/** Runs a peer script to completion (bounded); resolves with its stdout JSON lines. */
async function runPeer(script, args, ms = 20_000) {
  const child = spawn(process.execPath, [peers + script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  const [code, signal] = await once(child, 'exit');
  clearTimeout(timer);
  assert.equal(code, 0, `${script} exited ${code ?? signal}: ${err}`);
  return out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
}

/** Starts a long-running peer; resolves with it and its port once it prints READY (bounded). */
async function startPeer(script, args, ms = 15_000) {
  const child = spawn(process.execPath, [peers + script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new Error(`${script}: no READY in ${ms} ms`)), ms);
      child.stdout.on('data', (d) => {
        buf += d;
        const m = /READY (\d+)/.exec(buf);
        if (m) { clearTimeout(timer); resolve(Number(m[1])); }
      });
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${script} exited ${code}`)); });
    });
    return { child, port };
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
}

/** Stops a peer with SIGTERM (it unpublishes and exits within ~2 s), SIGKILL after 5 s. */
async function stopPeer(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** A provider node name as both SOFA writers produce and read it: URL-decoded, then parsed. */
function readNode(name) {
  const text = decodeURIComponent(name.replace(/\+/g, ' '));
  const url = new URL(text);
  return { text, url, params: Object.fromEntries(url.searchParams) };
}

let zk;
let raw;
before(async () => {
  zk = await ZooKeeperServer.start({ tickTime: 200 });
  raw = await RawZooKeeper.connect(zk.connectString);
});
after(async () => {
  raw?.close();
  await zk?.close();
});

describe('a Meshlet Bolt consumer finds a sofa-rpc-node provider through ZooKeeper', () => {
  let peer;
  let registry;
  let mesh;
  const sets = [];
  before(async () => {
    peer = await startPeer('sofa-provider.cjs', ['--quiet', '--zk', zk.connectString]);
    registry = createRegistry(`${zk.url}?session=4000`);
    mesh = createRuntime({ application: 'bolt-zk-consumer', registry, protocols: [bolt()] });
  });
  after(async () => {
    await mesh?.stop(0);
    if (peer) await stopPeer(peer.child);
  });

  test('its node: /sofa-rpc/{interface}/providers/{encodeURIComponent(url)}, no data', async () => {
    const names = await raw.children(PROVIDERS);
    assert.equal(names.length, 1, JSON.stringify(names));
    const [name] = names;
    assert.equal(name, encodeURIComponent(decodeURIComponent(name)), 'encodeURIComponent form');
    const { url, params } = readNode(name);
    assert.equal(`${url.protocol}//${url.host}${url.pathname}`, `bolt://127.0.0.1:${peer.port}`);
    assert.equal(params.interface, ECHO);
    assert.equal(params.version, '1.0');
    assert.equal(params.uniqueId, '');
    assert.equal(params.group, 'SOFA'); // sofa-rpc-node's group: not the service group (uniqueId is)
    assert.equal(params.language, 'nodejs');
    assert.equal(params.serialization, 'hessian2');
    assert.equal(params.protocol, ''); // sofa-bolt-node has no `name`, so the package writes it empty
    assert.equal((await raw.data(`${PROVIDERS}/${name}`) ?? Buffer.alloc(0)).length, 0);
    // The protobuf service of the same server sits beside it.
    assert.equal((await raw.children('/sofa-rpc/com.meshlet.proto.ProtoService/providers')).length, 1);
  });

  test('the registry reads it as a bolt endpoint of EchoService:1.0 with no group', async () => {
    await registry.subscribe({ interface: ECHO, version: '1.0' }, (set) => sets.push(set));
    const first = sets.at(-1);
    assert.equal(first.length, 1);
    assert.equal(first[0].protocol, 'bolt');
    assert.equal(first[0].host, '127.0.0.1');
    assert.equal(first[0].port, peer.port);
    assert.equal(first[0].weight, 100);
    // A group (uniqueId) it does not have finds nothing.
    const other = [];
    const stop = await registry.subscribe({ interface: ECHO, version: '1.0', group: 'SOFA' }, (set) => other.push(set));
    stop();
    assert.deepEqual(other, [[]]);
  });

  test('calls through the discovered provider: Unicode, int64 beyond 2^53, a POJO, byte[], a thrown error', async () => {
    const echo = mesh.refer(EchoService, { timeout: 5000 });
    assert.equal(await echo.echo('héllo, 世界 😀𝄞'), 'héllo, 世界 😀𝄞');
    assert.equal(await echo.addInt(2147483647, 1), -2147483648);
    assert.equal(await echo.addLong(9007199254740993n, 2n), 9007199254740995n);
    const user = { id: -9007199254740993n, name: 'Zoë', tags: ['x', ''], attrs: new Map([['a', 'b']]), active: true, score: -0.5 };
    assert.deepEqual(await echo.echoUser(user), user);
    assert.deepEqual(await echo.reverseBytes(Buffer.from([1, 2, 255])), Buffer.from([255, 2, 1]));
    await assert.rejects(echo.fail('boom'), (e) => e instanceof RpcError && e.code === Code.Business && e.message === 'boom'
      && e.remoteClass === 'com.alipay.remoting.rpc.exception.RpcServerException');
  });

  test('when it stops it removes its node, and the consumer is told at once', async () => {
    const seen = sets.length;
    const t0 = Date.now();
    await stopPeer(peer.child);
    assert.deepEqual(await raw.children(PROVIDERS), []);
    // Generous for a loaded machine (this includes the peer's own stop); a watch it still is: the
    // periodic read is 60 s away.
    await waitFor(() => sets.length > seen && sets.at(-1).length === 0, 15_000, 'the empty provider set');
    const ms = Date.now() - t0;
    assert.ok(ms < 15_000, `${ms} ms`);
    await assert.rejects(mesh.refer(EchoService, { timeout: 1000 }).echo('x'), (e) => e instanceof RpcError && e.code === Code.Unavailable);
  });
});

describe('sofa-rpc-node finds a Meshlet Bolt provider through ZooKeeper', () => {
  let mesh;
  let port;
  before(async () => {
    mesh = createRuntime({
      application: 'bolt-zk-provider',
      registry: createRegistry(`${zk.url}?session=4000`),
      protocols: [bolt()],
      server: { host: '127.0.0.1', port: 0 },
    });
    mesh.provide(EchoService, echoImpl);
    await mesh.start();
    port = mesh.address().port;
  });
  after(() => mesh?.stop(0));

  test('our node is one sofa-rpc-node matches: the SOFA provider URL, URL-encoded, empty data', async () => {
    const names = await raw.children(PROVIDERS);
    assert.equal(names.length, 1, JSON.stringify(names));
    const [name] = names;
    const { url, params } = readNode(name);
    assert.equal(`${url.protocol}//${url.host}${url.pathname}`, `bolt://127.0.0.1:${port}`);
    assert.equal(params.interface, ECHO);
    assert.equal(params.version, '1.0');
    assert.equal(params.uniqueId, '');
    assert.equal(params.protocol, 'bolt');
    assert.equal(params.serialization, 'hessian2');
    assert.equal(params.appName, 'bolt-zk-provider');
    assert.equal(params.language, 'nodejs');
    assert.equal(params.rpcVer, '50400');
    assert.equal(params.group, undefined, 'no group= (sofa-rpc-node matches any consumer group then)');
    assert.equal((await raw.data(`${PROVIDERS}/${name}`) ?? Buffer.alloc(0)).length, 0);
  });

  test('its consumer finds it and every case passes, the thrown error included', async () => {
    // Meanwhile, watch …/consumers for the node the package writes for its consumer.
    const CONSUMERS = `/sofa-rpc/${ECHO}/consumers`;
    const consumerNodes = new Set();
    let running = true;
    const watching = (async () => {
      while (running) {
        for (const n of await raw.children(CONSUMERS).catch(() => [])) consumerNodes.add(n);
        await sleep(20);
      }
    })();
    const lines = await runPeer('sofa-consumer-peer.cjs', [
      '--zk', zk.connectString, '--timeout-ms', '5000',
      '--cases', 'echo-ascii,echo-empty,echo-unicode,addInt-wrap,addLong-2^53+1,addLong-max-wrap,mulDouble,reverseBytes,reverseList,swapMap,echoUser,nullable-null,fail,no-such-method',
    ]).finally(() => (running = false));
    await watching;
    const [head, ...cases] = lines;
    assert.equal(head.discovered.length, 1, JSON.stringify(head));
    const found = new URL(head.discovered[0]);
    assert.equal(found.host, `127.0.0.1:${port}`);
    assert.equal(found.searchParams.get('interface'), ECHO);
    assert.equal(cases.length, 14);
    assert.deepEqual(cases.filter((l) => !l.ok), [], 'every case passes');
    const byCase = Object.fromEntries(cases.map((l) => [l.case, l]));
    assert.equal(byCase.fail.error, 'java.lang.IllegalStateException: boom');
    assert.equal(byCase['addLong-2^53+1'].got, '9007199254740993');
    // It announced itself under …/consumers (its own URL shape, the host's first external
    // address), and the node went with its session when it exited.
    assert.equal(consumerNodes.size, 1, JSON.stringify([...consumerNodes]));
    const consumer = readNode([...consumerNodes][0]);
    assert.equal(consumer.url.protocol, 'bolt:');
    assert.equal(consumer.params.version, '1.0');
    assert.equal(consumer.params.uniqueId, '');
    assert.deepEqual(await raw.children(CONSUMERS), []);
  });

  test('a consumer of another version finds nothing (the package matches version= exactly)', async () => {
    const lines = await runPeer('sofa-consumer-peer.cjs', ['--zk', zk.connectString, '--version', '2.0', '--timeout-ms', '1000', '--cases', 'echo-ascii']);
    assert.deepEqual(lines[0], { discovered: [] });
    assert.equal(lines[1].ok, false);
    assert.match(lines[1].error, /RpcNoProviderError|No provider/);
  });

  test('our stop deletes the node at once', async () => {
    await mesh.stop(1000);
    assert.deepEqual(await raw.children(PROVIDERS), []);
  });
});
