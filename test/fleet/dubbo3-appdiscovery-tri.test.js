// Dubbo 3 application-level discovery of a process that exports dubbo and tri at once, on a real
// ZooKeeper, against Apache Dubbo 3.3.6 (Maven Central). What a Java provider with both protocols
// writes (AppTriProvider) is the truth: one instance whose id is the dubbo port and whose
// `dubbo.endpoints` lists `[{"port":D,"protocol":"dubbo"},{"port":T,"protocol":"tri"}]`. A Meshlet
// provider with both writes the same; consumers that refer over tri reach the tri port both ways.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { currentCall, serviceDefinition } from '@meshlet/core';
import { createMeshlet } from 'meshlet-rpc';
import { dubbo } from '@meshlet/transport-dubbo';
import { triple } from '@meshlet/transport-triple';
import { RawZooKeeper, ZooKeeperServer } from '../../packages/registry/dist/testing/index.js';
import { EchoService, echoImpl } from '../../examples/conformance/service.js';
import { javaArgs } from './lib/maven.js';
import { runConsumer, startPeer } from './lib/processes.js';
import { dubboPeer, JVM } from './dubbo/peer.js';

const ECHO = 'com.meshlet.conformance.EchoService';
/** EchoService exported on both protocols (Java exports a service on every protocol it has). */
const BothEcho = serviceDefinition({ ...EchoService, protocol: ['dubbo', 'tri'] }, EchoService.methods.values());
/** EchoService over one protocol. */
const TriEcho = serviceDefinition({ ...EchoService, protocol: 'tri' }, EchoService.methods.values());
const DubboEcho = serviceDefinition({ ...EchoService, protocol: 'dubbo' }, EchoService.methods.values());

describe('Apache Dubbo 3.3.6, application instances with dubbo and tri, on ZooKeeper', { timeout: 300_000 }, () => {
  let peer;
  let zk;
  let raw;
  let javaNode;
  let javaProvider;
  before(async () => {
    [peer, zk] = await Promise.all([dubboPeer('dubbo3'), ZooKeeperServer.start()]);
    raw = await RawZooKeeper.connect(zk.connectString);
    javaProvider = await startPeer('java', java('AppTriProvider', ['--port', '0', '--tri-port', '0', '--registry', `zookeeper://${zk.connectString}`]), { name: 'dubbo3 app provider (dubbo+tri)' });
    const dir = '/services/dubbo3-apptri-provider';
    const t0 = Date.now();
    let ids = [];
    while (ids.length === 0 && Date.now() - t0 < 30_000) ids = await raw.children(dir).catch(() => []);
    javaNode = JSON.parse((await raw.data(`${dir}/${ids[0]}`)).toString());
  });
  after(async () => {
    await javaProvider?.stop();
    raw?.close();
    await zk?.close();
  });
  const java = (cls, args) => javaArgs(peer.classpath, `com.meshlet.dubbo.${cls}`, args, JVM);
  const triPortOf = (node) => JSON.parse(node.payload.metadata['dubbo.endpoints']).find((e) => e.protocol === 'tri').port;

  it("Java's instance: its id the dubbo port, dubbo.endpoints dubbo then tri, keys port then protocol", () => {
    assert.equal(javaNode.port, javaProvider.port, 'the instance is the dubbo port');
    const text = javaNode.payload.metadata['dubbo.endpoints'];
    assert.equal(text, `[{"port":${javaProvider.port},"protocol":"dubbo"},{"port":${triPortOf(javaNode)},"protocol":"tri"}]`);
    assert.notEqual(triPortOf(javaNode), javaProvider.port);
  });

  it("a Meshlet provider of both writes Java's instance shape: same dubbo.endpoints text (ports aside), same keys, its id the dubbo port", async () => {
    const mesh = createMeshlet({
      application: 'meshlet-tri-both', protocols: [dubbo(), triple()], registry: `zookeeper://${zk.connectString}?register-mode=instance`,
      server: { host: '127.0.0.1', port: 0 },
    });
    mesh.provide(BothEcho, echoImpl);
    await mesh.start();
    try {
      const ids = await raw.children('/services/meshlet-tri-both');
      assert.equal(ids.length, 1, 'one instance for both protocols');
      const node = JSON.parse((await raw.data(`/services/meshlet-tri-both/${ids[0]}`)).toString());
      const exports = mesh.introspect().exports.filter((e) => e.service.includes(ECHO));
      const ports = { dubbo: exports.find((e) => e.protocol === 'dubbo').address, tri: exports.find((e) => e.protocol === 'tri').address };
      const port = (address) => Number(address.split(':').at(-1));
      assert.equal(node.port, port(ports.dubbo));
      const masked = (n) => n.payload.metadata['dubbo.endpoints'].replace(/"port":\d+/g, '"port":P');
      assert.equal(masked(node), masked(javaNode));
      assert.equal(triPortOf(node), port(ports.tri));
      assert.deepEqual(Object.keys(node.payload.metadata), Object.keys(javaNode.payload.metadata));
      assert.deepEqual(await raw.children(`/dubbo/${ECHO}/providers`).catch(() => []), []);
    } finally {
      await mesh.stop(0);
    }
  });

  it('Meshlet consumer (FORCE_APPLICATION) refers over tri → the Java instance, at the tri port from dubbo.endpoints', async () => {
    const mesh = createMeshlet({ application: 'meshlet-tri-consumer', protocols: [dubbo(), triple()], registry: `zookeeper://${zk.connectString}?migration=FORCE_APPLICATION` });
    try {
      const echo = mesh.refer(TriEcho, { timeout: 5000 });
      assert.equal(await echo.echo('over-tri'), 'over-tri');
      assert.equal(await echo.addInt(20, 22), 42);
      const ref = mesh.introspect().references.find((r) => r.protocol === 'tri');
      assert.deepEqual(ref.endpoints.map((e) => e.address), [`tri://127.0.0.1:${triPortOf(javaNode)}`]);
    } finally {
      await mesh.stop(0);
    }
  });

  it('(the Java provider stops: from here on the Meshlet provider is the only instance of EchoService)', async () => {
    await javaProvider.stop();
    javaProvider = undefined;
    const t0 = Date.now();
    while ((await raw.children('/services/dubbo3-apptri-provider').catch(() => [])).length > 0 && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await raw.children('/services/dubbo3-apptri-provider').catch(() => []), []);
  });

  for (const protocol of ['tri', 'dubbo']) {
    it(`Java consumer (FORCE_APPLICATION) refers over ${protocol} → a Meshlet provider of both (MetadataInfo revision over both, ${protocol} port from dubbo.endpoints)`, async () => {
      const mesh = createMeshlet({
        application: `meshlet-both-${protocol}`, protocols: [dubbo(), triple()], registry: `zookeeper://${zk.connectString}?register-mode=instance`,
        server: { host: '127.0.0.1', port: 0 },
      });
      let seen = {};
      mesh.provide(BothEcho, { ...echoImpl, echo: (s) => ((seen = { ...currentCall().attachments }), s) });
      await mesh.start();
      try {
        const r = await runConsumer('java', java('AppConsumer', ['--registry', `zookeeper://${zk.connectString}`, '--protocol', protocol, '--text', `by-app-${protocol}`, '--wait', '30000']), { name: 'dubbo3 app consumer', ms: 90_000 });
        assert.equal(r.code, 0, `${r.out}\n${r.err}`);
        assert.match(r.out, new RegExp(`^ECHO by-app-${protocol}$`, 'm'));
        // Dubbo's own protocol sends the `path` attachment; Triple carries the path in `:path` instead.
        assert.equal('path' in seen, protocol === 'dubbo', JSON.stringify(seen));
      } finally {
        await mesh.stop(0);
      }
    });
  }

  it('Java consumer (FORCE_APPLICATION) refers over tri → a Meshlet provider of tri alone (instance on the tri port, MetadataService answered over tri)', async () => {
    const mesh = createMeshlet({
      application: 'meshlet-tri-only', protocols: [triple()], registry: `zookeeper://${zk.connectString}?register-mode=instance`,
      server: { host: '127.0.0.1', port: 0 },
    });
    mesh.provide(TriEcho, { ...echoImpl, echo: (s) => `tri-only:${s}` });
    await mesh.start();
    try {
      const [id] = await raw.children('/services/meshlet-tri-only');
      const node = JSON.parse((await raw.data(`/services/meshlet-tri-only/${id}`)).toString());
      assert.equal(node.payload.metadata['dubbo.endpoints'], `[{"port":${node.port},"protocol":"tri"}]`);
      assert.equal(JSON.parse(node.payload.metadata['dubbo.metadata-service.url-params']).protocol, 'tri');
      const r = await runConsumer('java', java('AppConsumer', ['--registry', `zookeeper://${zk.connectString}`, '--protocol', 'tri', '--text', 'alone', '--wait', '30000']), { name: 'dubbo3 app consumer', ms: 90_000 });
      assert.equal(r.code, 0, `${r.out}\n${r.err}`);
      assert.match(r.out, /^ECHO tri-only:alone$/m);
    } finally {
      await mesh.stop(0);
    }
  });
});
