// Meshlet on Nacos' 2.x gRPC API (`?api=grpc`) beside Apache Dubbo 3.3.6 with nacos-client 2.5.1
// (its own gRPC connection), through r-nacos 0.8.8: each finds the other, and a killed Java
// provider leaves the Meshlet subscriber by push (its refresh is a minute). Reuses the
// test/fleet/dubbo3-nacos harness (the Java peer build is cached in .cache/fleet).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMeshlet } from 'meshlet-rpc';
import { dubbo } from '@meshlet/transport-dubbo';
import { NacosRegistry } from '../../packages/registry/dist/index.js';
import { NacosServer, nacosServerMissing } from '../../packages/registry/dist/testing/index.js';
import { EchoService, echoImpl } from '../../examples/conformance/service.js';
import { javaArgs } from '../fleet/lib/maven.js';
import { runConsumer, startPeer, stopAll } from '../fleet/lib/processes.js';
import { dubboPeer, JVM } from '../fleet/dubbo/peer.js';

const MISSING = nacosServerMissing();
const ECHO = 'com.meshlet.conformance.EchoService';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(check, what, ms = 20_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

describe('Meshlet over Nacos gRPC with Apache Dubbo 3.3.6 (nacos-client 2.5.1) through r-nacos', { timeout: 600_000, skip: MISSING ? `${MISSING}: this suite needs it` : false }, () => {
  const started = [];
  let classpath;
  let nacos;
  before(async () => {
    // Default health timeouts (15 s / 30 s): an instance gone sooner went with its connection.
    [{ classpath }, nacos] = await Promise.all([dubboPeer('dubbo3'), NacosServer.start()]);
  });
  after(async () => {
    await stopAll(started);
    await nacos?.close();
  });
  const java = (cls, args) => javaArgs(classpath, `com.meshlet.dubbo.${cls}`, args, JVM);
  const hosts = async (serviceName) => {
    const res = await fetch(`http://127.0.0.1:${nacos.port}/nacos/v1/ns/instance/list?${new URLSearchParams({ serviceName, groupName: 'DEFAULT_GROUP', healthyOnly: 'false' })}`);
    return JSON.parse(await res.text()).hosts ?? [];
  };

  it('Java consumer (Dubbo 3 defaults) → Meshlet provider registered over gRPC at both levels', async () => {
    const mesh = createMeshlet({ application: 'meshlet-grpc-all', protocols: [dubbo()], registry: nacos.url('?api=grpc'), server: { host: '127.0.0.1', port: 0 } });
    started.push(mesh);
    mesh.provide(EchoService, { ...echoImpl, echo: (s) => `grpc:${s}` });
    await mesh.start();
    const port = mesh.address().port;
    assert.ok((await hosts(`providers:${ECHO}:1.0:`)).some((h) => h.port === port), 'interface level written');
    assert.equal((await hosts('meshlet-grpc-all')).length, 1, 'application level written');
    const r = await runConsumer('java', java('AppConsumer', ['--registry', nacos.url(), '--migration', 'APPLICATION_FIRST', '--text', 'over-grpc', '--wait', '30000']), { name: 'dubbo3 consumer (nacos, meshlet on grpc)', ms: 90_000 });
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    assert.match(r.out, /^ECHO grpc:over-grpc$/m);
    await mesh.stop(0);
    // Its connection closed: both instances are gone without any health timeout.
    await waitFor(async () => !(await hosts(`providers:${ECHO}:1.0:`)).some((h) => h.port === port) && (await hosts('meshlet-grpc-all')).length === 0, 'the instances to go with the connection', 5000);
  });

  it('Meshlet consumer over gRPC → Java provider; the provider killed leaves the subscriber by push', async () => {
    const provider = await startPeer('java', java('AppProvider', ['--port', '0', '--registry', nacos.url(), '--app', 'dubbo3-grpc-all', '--register-mode', 'all']), { name: 'dubbo3 provider (nacos)' });
    started.push(provider);
    await waitFor(async () => (await hosts(`providers:${ECHO}:1.0:`)).some((h) => h.port === provider.port), 'the Java provider');
    const mesh = createMeshlet({ application: 'meshlet-grpc-consumer', protocols: [dubbo()], registry: nacos.url('?api=grpc&refresh=60000') });
    started.push(mesh);
    assert.equal(await mesh.refer(EchoService, { timeout: 5000 }).echo('to-java'), 'to-java');
    const watcher = new NacosRegistry(nacos.url('?api=grpc&refresh=60000&migration=FORCE_INTERFACE'));
    let ports = [];
    await watcher.subscribe({ interface: ECHO, version: '1.0' }, (set) => (ports = set.map((e) => e.port)), { protocol: 'dubbo' });
    assert.ok(ports.includes(provider.port));
    const t0 = Date.now();
    provider.kill();
    const seen = (await waitFor(() => !ports.includes(provider.port) && Date.now(), 'the killed Java provider to leave the subscriber', 12_000)) - t0;
    console.log(`killed Java provider left the gRPC subscriber after ${seen} ms (refresh 60 000 ms)`);
    await watcher.close();
    await mesh.stop(0);
  });
});
