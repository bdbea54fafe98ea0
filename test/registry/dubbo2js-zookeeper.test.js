// Interop through the registry: a Meshlet Dubbo provider registered in ZooKeeper is found and
// called by dubbo2.js, which reads /dubbo/{interface}/providers with its own ZooKeeper client.
// (apache-dubbo-consumer's ZooKeeper registry needs a native addon that cannot be built here.)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { createRuntime, defineService, t } from '@meshlet/core';
import { createRegistry } from '@meshlet/registry';
import { dubbo } from '@meshlet/transport-dubbo';
import { RawZooKeeper, ZooKeeperServer } from '../../packages/registry/dist/testing/index.js';
import { EchoService, echoImpl } from '../../examples/conformance/service.js';

const peers = fileURLToPath(new URL('../interop/peers/', import.meta.url));
const peer = `${peers}dubbo2js-zk-consumer.cjs`;

async function runPeer(args, ms = 60_000) {
  const child = spawn(process.execPath, [peer, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  const [code] = await once(child, 'exit');
  clearTimeout(timer);
  assert.equal(code, 0, `peer exited ${code}: ${err}`);
  return out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
}

describe('dubbo2.js finds a Meshlet provider through ZooKeeper', () => {
  let zk;
  let mesh;
  before(async () => {
    zk = await ZooKeeperServer.start({ tickTime: 200 });
    mesh = createRuntime({
      application: 'zk-interop-provider',
      registry: createRegistry(`${zk.url}?session=4000`),
      protocols: [dubbo()],
      server: { host: '127.0.0.1', port: 0 },
    });
    mesh.provide(EchoService, echoImpl);
    await mesh.start();
  });
  after(async () => {
    await mesh?.stop(1000);
    await zk?.close();
  });

  test('every case passes, and the provider URL is one a Java consumer matches', async () => {
    const lines = await runPeer(['--registry', zk.connectString, '--echo-version', '1.0']);
    assert.equal(lines.length, 6);
    assert.deepEqual(lines.filter((l) => !l.ok), []);
    // The node as Java's ZookeeperRegistry would read it (dubbo.md §3).
    const raw = await RawZooKeeper.connect(zk.connectString);
    try {
      const [name, ...more] = await raw.children('/dubbo/com.meshlet.conformance.EchoService/providers');
      assert.equal(more.length, 0);
      const url = decodeURIComponent(name.replace(/\+/g, ' '));
      const [head, query] = url.split('?');
      assert.equal(head, `dubbo://127.0.0.1:${mesh.address().port}/com.meshlet.conformance.EchoService`);
      const keys = query.split('&').map((p) => p.split('=')[0]);
      assert.deepEqual(keys, [...keys].sort(), 'parameters sorted by key');
      const params = new URLSearchParams(query);
      assert.equal(params.get('methods'), [...EchoService.methods.keys()].sort().join(','));
      assert.equal(params.get('version'), '1.0');
      assert.equal(params.get('group'), null);
      assert.equal(params.get('side'), 'provider');
      assert.equal(params.get('interface'), 'com.meshlet.conformance.EchoService');
    } finally {
      raw.close();
    }
  });

  test('a version the provider does not have finds nothing (exact version matching on both sides)', async () => {
    const lines = await runPeer(['--registry', zk.connectString, '--echo-version', '2.0', '--timeout-ms', '1500']);
    assert.ok(lines.length > 0 && lines.every((l) => !l.ok), JSON.stringify(lines[0]));
  });
});

describe('a Meshlet consumer finds apache-dubbo-service through ZooKeeper', () => {
  const DemoService = defineService({
    interface: 'org.apache.dubbo.demo.DemoService',
    methods: { sayHello: { params: [t.string], returns: t.string } },
  });
  let zk;
  let provider;
  let raw;
  let mesh;
  before(async () => {
    zk = await ZooKeeperServer.start({ tickTime: 200 });
    // apache-dubbo-service publishes through apache-dubbo-registry, whose ZooKeeper client is a
    // native addon that cannot be built here. The peer script prints the URLs the package would
    // publish; we write them as registry-zookeeper.js does: /dubbo/{interface}/providers/
    // {encodeURIComponent(url)}, ephemeral.
    provider = spawn(process.execPath, [`${peers}dubbo-service-provider.cjs`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const urls = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('apache-dubbo-service: no READY in 15 s')), 15_000);
      provider.stdout.on('data', (d) => {
        out += d;
        const found = out.split('\n').filter((l) => l.startsWith('{"registered"')).map((l) => JSON.parse(l).registered);
        if (/READY \d+/.test(out) && found.length >= 2) {
          clearTimeout(timer);
          resolve(found);
        }
      });
    });
    raw = await RawZooKeeper.connect(zk.connectString);
    for (const url of urls) {
      const iface = new URL(url).pathname.slice(1);
      await raw.create(`/dubbo/${iface}/providers/${encodeURIComponent(url)}`);
    }
    mesh = createRuntime({ application: 'zk-interop-consumer', registry: createRegistry(zk.url), protocols: [dubbo()] });
  });
  after(async () => {
    await mesh?.stop(0);
    raw?.close();
    provider?.kill('SIGTERM');
    await zk?.close();
  });

  test('its URL (group= empty, version=0.0.0, method=) is read as "no group, no version" and called', async () => {
    assert.equal(await mesh.refer(DemoService).sayHello('zookeeper'), 'Hello zookeeper');
  });
});
