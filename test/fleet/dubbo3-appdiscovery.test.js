// Dubbo 3 application-level service discovery on a real ZooKeeper, both directions with Apache
// Dubbo 3.3.6 (Maven Central): a Java consumer that discovers only by application (migration
// FORCE_APPLICATION: mapping → /services/{app} → MetadataService#getMetadataInfo) finds and calls
// a Meshlet provider registered with register-mode=instance, and a Meshlet consumer finds a Java
// provider registered with register-mode=instance only (nothing under /dubbo/{interface}/providers).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMeshlet } from 'meshlet-rpc';
import { dubbo } from '@meshlet/transport-dubbo';
import { RawZooKeeper, ZooKeeperServer } from '../../packages/registry/dist/testing/index.js';
import { EchoService, echoImpl } from '../../examples/conformance/service.js';
import { javaArgs } from './lib/maven.js';
import { runConsumer, startPeer } from './lib/processes.js';
import { dubboPeer, JVM } from './dubbo/peer.js';

const ECHO = 'com.meshlet.conformance.EchoService';

describe('Apache Dubbo 3.3.6, application-level discovery on ZooKeeper', { timeout: 300_000 }, () => {
  let peer;
  let zk;
  let raw;
  before(async () => {
    [peer, zk] = await Promise.all([dubboPeer('dubbo3'), ZooKeeperServer.start()]);
    raw = await RawZooKeeper.connect(zk.connectString);
  });
  after(async () => {
    raw?.close();
    await zk?.close();
  });
  const registry = (mode) => `zookeeper://${zk.connectString}?register-mode=${mode}`;
  const java = (cls, args) => javaArgs(peer.classpath, `com.meshlet.dubbo.${cls}`, args, JVM);

  it('Java consumer (FORCE_APPLICATION) → Meshlet provider registered with register-mode=instance', async () => {
    const mesh = createMeshlet({ application: 'meshlet-app-provider', protocols: [dubbo()], registry: registry('instance'), server: { host: '127.0.0.1', port: 0 } });
    mesh.provide(EchoService, echoImpl);
    await mesh.start();
    try {
      // Only the application level is there: a consumer that finds the provider found it this way.
      assert.deepEqual(await raw.children(`/dubbo/${ECHO}/providers`).catch(() => []), []);
      assert.equal((await raw.data(`/dubbo/mapping/${ECHO}`)).toString(), 'meshlet-app-provider');
      const [id] = await raw.children('/services/meshlet-app-provider');
      const instance = JSON.parse((await raw.data(`/services/meshlet-app-provider/${id}`)).toString());
      assert.equal(instance.port, mesh.address().port);
      assert.match(instance.payload.metadata["dubbo.metadata.revision"], /^[0-9a-f]{32}$/);
      const r = await runConsumer('java', java('AppConsumer', ['--registry', `zookeeper://${zk.connectString}`, '--text', 'by-app', '--wait', '30000']), { name: 'dubbo3 app consumer', ms: 90_000 });
      assert.equal(r.code, 0, `${r.out}\n${r.err}`);
      assert.match(r.out, /^ECHO by-app$/m);
    } finally {
      await mesh.stop(0);
    }
  });

  it('Dubbo 3 defaults on both sides: Java consumer (APPLICATION_FIRST) → Meshlet provider registered at both levels (register-mode=all)', async () => {
    const mesh = createMeshlet({ application: 'meshlet-all-provider', protocols: [dubbo()], registry: `zookeeper://${zk.connectString}`, server: { host: '127.0.0.1', port: 0 } });
    mesh.provide(EchoService, { ...echoImpl, echo: (s) => `all:${s}` });
    await mesh.start();
    try {
      assert.equal((await raw.children('/services/meshlet-all-provider')).length, 1);
      assert.ok((await raw.children(`/dubbo/${ECHO}/providers`)).length >= 1);
      const r = await runConsumer('java', java('AppConsumer', ['--registry', `zookeeper://${zk.connectString}`, '--migration', 'APPLICATION_FIRST', '--text', 'both', '--wait', '30000']), { name: 'dubbo3 app consumer', ms: 90_000 });
      assert.equal(r.code, 0, `${r.out}\n${r.err}`);
      assert.match(r.out, /^ECHO all:both$/m);
    } finally {
      await mesh.stop(0);
    }
  });

  it('Dubbo 3 defaults on both sides: Meshlet consumer (APPLICATION_FIRST) → Java provider registered at both levels (register-mode=all)', async () => {
    const provider = await startPeer('java', java('AppProvider', ['--port', '0', '--registry', `zookeeper://${zk.connectString}`, '--app', 'dubbo3-all-provider', '--register-mode', 'all']), { name: 'dubbo3 app provider (all)' });
    const mesh = createMeshlet({ application: 'meshlet-app-consumer', protocols: [dubbo()], registry: `zookeeper://${zk.connectString}` });
    try {
      assert.ok((await raw.children(`/dubbo/${ECHO}/providers`)).length >= 1, 'interface level written');
      assert.equal((await raw.children('/services/dubbo3-all-provider')).length, 1, 'application level written');
      assert.equal(await mesh.refer(EchoService, { timeout: 5000 }).echo('defaults'), 'defaults');
    } finally {
      await mesh.stop(0);
      await provider.stop();
    }
  });

  for (const migration of ['APPLICATION_FIRST', 'FORCE_APPLICATION']) {
    it(`Meshlet consumer (${migration}) → Java provider registered with register-mode=instance only`, async () => {
      const provider = await startPeer('java', java('AppProvider', ['--port', '0', '--registry', `zookeeper://${zk.connectString}`]), { name: 'dubbo3 app provider' });
      const mesh = createMeshlet({ application: 'meshlet-app-consumer', protocols: [dubbo()], registry: `zookeeper://${zk.connectString}?migration=${migration}` });
      try {
        assert.deepEqual(await raw.children(`/dubbo/${ECHO}/providers`).catch(() => []), [], 'nothing at interface level');
        const echo = mesh.refer(EchoService, { timeout: 5000 });
        assert.equal(await echo.echo('from-meshlet'), 'from-meshlet');
        assert.equal(await echo.addInt(2, 3), 5);
      } finally {
        await mesh.stop(0);
        await provider.stop();
      }
    });
  }
});
