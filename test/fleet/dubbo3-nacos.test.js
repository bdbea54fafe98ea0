// Apache Dubbo 3.3.6 (with nacos-client 2.5.1, both from Maven Central) and Meshlet through a real
// Nacos-protocol server: r-nacos 0.8.8 (crates.io), which speaks Nacos' v1 HTTP API (Meshlet's
// side) and its 2.x gRPC API (Java's side, HTTP port + 1000). Not Apache Nacos: see the registry
// README. Both directions:
// - dubbo at the interface level (`providers:{interface}:{version}:{group}`), FORCE_INTERFACE;
// - dubbo by application-level discovery alone (the application's service, the mapping config,
//   the MetadataService): register-mode=instance opposite FORCE_APPLICATION;
// - Dubbo 3's defaults on both sides (register-mode=all, APPLICATION_FIRST);
// - Triple (tri) found through Nacos: unary and streams;
// - a provider killed under 8 callers: the consumer stops calling it once Nacos drops the instance.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { defineService } from '@meshlet/core';
import { describeProtobufMessage } from '@meshlet/protobuf';
import { createMeshlet } from 'meshlet-rpc';
import { dubbo } from '@meshlet/transport-dubbo';
import { NacosRegistry } from '../../packages/registry/dist/index.js';
import { NacosServer, nacosServerMissing } from '../../packages/registry/dist/testing/index.js';
import { EchoService, echoImpl } from '../../examples/conformance/service.js';
import { root } from './lib/cache.js';
import { javaArgs } from './lib/maven.js';
import { runConsumer, startPeer, stopAll } from './lib/processes.js';
import { dubboPeer, JVM } from './dubbo/peer.js';

const tri = await import('@meshlet/transport-triple').catch(() => undefined);
const MISSING = nacosServerMissing();
const ECHO = 'com.meshlet.conformance.EchoService';
const GREETER = 'com.meshlet.triple.Greeter';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const proto = protobuf.loadSync(join(root, 'test', 'fleet', 'java', 'dubbo3', 'src', 'main', 'proto', 'greeter.proto'));
const conversion = { toObject: { longs: String, enums: String, defaults: true } };
const message = (name) => describeProtobufMessage(proto.lookupType(`com.meshlet.triple.${name}`), {}, conversion);
const unary = { params: [message('HelloRequest')], returns: message('HelloReply') };
/** greeter.proto's Greeter, the rpcs this suite calls through Nacos. */
const Greeter = defineService({
  interface: GREETER,
  methods: {
    sayHello: unary,
    sayHelloServerStream: { ...unary, stream: true },
    sayHelloClientStream: { ...unary, stream: 'client' },
    sayHelloBidi: { ...unary, stream: 'bidi' },
  },
});
/** What the Java GreeterImpl answers, for the rpcs above. */
const greeterImpl = {
  sayHello: ({ name }) => ({ message: `hello ${name}`, index: 0 }),
  async *sayHelloServerStream({ name, count }) {
    for (let i = 0; i < count; i++) yield { message: `hello ${name} #${i}`, index: i };
  },
  async sayHelloClientStream(requests) {
    const names = [];
    for await (const { name } of requests) names.push(name);
    return { message: `hello ${names.join(',')}`, index: names.length };
  },
  async *sayHelloBidi(requests) {
    let n = 0;
    for await (const { name } of requests) yield { message: `hello ${name}`, index: n++ };
  },
};
/** The TriConsumer IDL cases the Greeter above serves (errors, deadlines, cancels, 16 MiB: dubbo3-triple.test.js). */
const IDL_SKIP = ['idl/error', 'idl/error-code', 'idl/deadline', 'idl/slow-ok', 'idl/cancel-server-stream', 'idl/cancel-bidi', 'idl/16MiB'];

async function waitFor(check, what, ms = 20_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

describe('Apache Dubbo 3.3.6 through Nacos (r-nacos)', { timeout: 600_000, skip: MISSING ? `${MISSING}: the Nacos fleet suite needs it` : false }, () => {
  const started = [];
  let classpath;
  let nacos;
  let base;
  before(async () => {
    // A killed Java provider's gRPC connection drops its instances at once; Meshlet's beat-kept ones turn unhealthy after 3 s.
    [{ classpath }, nacos] = await Promise.all([dubboPeer('dubbo3'), NacosServer.start({ healthTimeoutSec: 3, instanceTimeoutSec: 6 })]);
    base = `http://127.0.0.1:${nacos.port}`;
  });
  after(async () => {
    await stopAll(started);
    await nacos?.close();
  });

  const url = (query = '') => nacos.url(query);
  const java = (cls, args) => javaArgs(classpath, `com.meshlet.dubbo.${cls}`, args, JVM);
  const javaProvider = async (cls, args, name) => {
    const p = await startPeer('java', java(cls, ['--port', '0', ...args]), { name });
    started.push(p);
    return p;
  };
  const meshlet = (options) => {
    const mesh = createMeshlet(options);
    started.push(mesh);
    return mesh;
  };
  const get = async (path, params) => {
    const res = await fetch(`${base}${path}?${new URLSearchParams(params)}`);
    return { status: res.status, text: await res.text() };
  };
  const hosts = async (serviceName) => {
    const { text } = await get('/nacos/v1/ns/instance/list', { serviceName, groupName: 'DEFAULT_GROUP', healthyOnly: 'false' });
    return JSON.parse(text).hosts ?? [];
  };
  const mapping = async (iface) => {
    const r = await get('/nacos/v1/cs/configs', { dataId: iface, group: 'mapping' });
    return r.status === 200 ? r.text : undefined;
  };

  describe('dubbo at the interface level', () => {
    it('Java consumer (FORCE_INTERFACE) → Meshlet provider registered with register-mode=interface', async () => {
      const mesh = meshlet({ application: 'meshlet-nacos-iface', protocols: [dubbo()], registry: url('?register-mode=interface'), server: { host: '127.0.0.1', port: 0 } });
      mesh.provide(EchoService, { ...echoImpl, echo: (s) => `iface:${s}` });
      await mesh.start();
      const listed = await hosts(`providers:${ECHO}:1.0:`);
      assert.deepEqual(listed.map((h) => h.port), [mesh.address().port]);
      assert.equal((await hosts('meshlet-nacos-iface')).length, 0, 'no application instance');
      const r = await runConsumer('java', java('AppConsumer', ['--registry', url(), '--migration', 'FORCE_INTERFACE', '--text', 'by-interface', '--wait', '30000']), { name: 'dubbo3 consumer (nacos, interface)', ms: 90_000 });
      assert.equal(r.code, 0, `${r.out}\n${r.err}`);
      assert.match(r.out, /^ECHO iface:by-interface$/m);
      await mesh.stop(0);
    });

    it('Meshlet consumer (FORCE_INTERFACE) → Java provider registered with register-mode=interface', async () => {
      const provider = await javaProvider('AppProvider', ['--registry', url(), '--app', 'dubbo3-nacos-iface', '--register-mode', 'interface'], 'dubbo3 provider (nacos, interface)');
      await waitFor(async () => (await hosts(`providers:${ECHO}:1.0:`)).some((h) => h.port === provider.port), 'the Java provider at the interface level');
      assert.equal((await hosts('dubbo3-nacos-iface')).length, 0, 'no application instance');
      const mesh = meshlet({ application: 'meshlet-nacos-consumer', protocols: [dubbo()], registry: url('?migration=FORCE_INTERFACE') });
      const echo = mesh.refer(EchoService, { timeout: 5000 });
      assert.equal(await echo.echo('to-java'), 'to-java');
      assert.equal(await echo.addInt(20, 22), 42);
      await mesh.stop(0);
      await provider.stop();
    });
  });

  describe('dubbo by application-level discovery alone', () => {
    it('Java consumer (FORCE_APPLICATION) → Meshlet provider registered with register-mode=instance', async () => {
      const mesh = meshlet({ application: 'meshlet-nacos-app', protocols: [dubbo()], registry: url('?register-mode=instance'), server: { host: '127.0.0.1', port: 0 } });
      mesh.provide(EchoService, { ...echoImpl, echo: (s) => `app:${s}` });
      await mesh.start();
      // Only the application level is there: a consumer that finds the provider found it this way.
      assert.equal((await hosts(`providers:${ECHO}:1.0:`)).length, 0, 'nothing at the interface level');
      assert.equal(await mapping(ECHO), 'meshlet-nacos-app');
      const [instance] = await hosts('meshlet-nacos-app');
      assert.equal(instance.port, mesh.address().port);
      assert.match(instance.metadata['dubbo.metadata.revision'], /^[0-9a-f]{32}$/);
      const r = await runConsumer('java', java('AppConsumer', ['--registry', url(), '--text', 'by-app', '--wait', '30000']), { name: 'dubbo3 consumer (nacos, FORCE_APPLICATION)', ms: 90_000 });
      assert.equal(r.code, 0, `${r.out}\n${r.err}`);
      assert.match(r.out, /^ECHO app:by-app$/m);
      await mesh.stop(0);
    });

    it('Meshlet consumer (FORCE_APPLICATION) → Java provider registered with register-mode=instance; the instance and mapping are what Meshlet writes', async () => {
      const provider = await javaProvider('AppProvider', ['--registry', url(), '--app', 'dubbo3-nacos-app', '--register-mode', 'instance'], 'dubbo3 provider (nacos, instance)');
      const [instance] = await waitFor(async () => {
        const listed = await hosts('dubbo3-nacos-app');
        return listed.length > 0 && listed;
      }, 'the Java application instance');
      assert.equal(instance.port, provider.port);
      assert.equal((await hosts(`providers:${ECHO}:1.0:`)).filter((h) => h.port === provider.port).length, 0, 'nothing at the interface level');
      assert.match(await waitFor(() => mapping(ECHO), 'the mapping'), /(^|,)dubbo3-nacos-app(,|$)/);
      // What Meshlet writes for its own instances has the same metadata keys.
      const ours = meshlet({ application: 'meshlet-nacos-shape', protocols: [dubbo()], registry: url('?register-mode=instance'), server: { host: '127.0.0.1', port: 0 } });
      ours.provide(EchoService, echoImpl);
      await ours.start();
      const [mine] = await hosts('meshlet-nacos-shape');
      assert.deepEqual(Object.keys(mine.metadata).sort(), Object.keys(instance.metadata).sort());
      await ours.stop(0);

      const mesh = meshlet({ application: 'meshlet-nacos-consumer', protocols: [dubbo()], registry: url('?migration=FORCE_APPLICATION') });
      const echo = mesh.refer(EchoService, { timeout: 5000 });
      assert.equal(await echo.echo('to-java-app'), 'to-java-app');
      assert.equal(await echo.addInt(2, 3), 5);
      await mesh.stop(0);
      await provider.stop();
    });
  });

  describe('Dubbo 3 defaults on both sides (register-mode=all, APPLICATION_FIRST)', () => {
    it('Java consumer → Meshlet provider registered at both levels', async () => {
      const mesh = meshlet({ application: 'meshlet-nacos-all', protocols: [dubbo()], registry: url(), server: { host: '127.0.0.1', port: 0 } });
      mesh.provide(EchoService, { ...echoImpl, echo: (s) => `all:${s}` });
      await mesh.start();
      assert.ok((await hosts(`providers:${ECHO}:1.0:`)).some((h) => h.port === mesh.address().port), 'interface level written');
      assert.equal((await hosts('meshlet-nacos-all')).length, 1, 'application level written');
      const r = await runConsumer('java', java('AppConsumer', ['--registry', url(), '--migration', 'APPLICATION_FIRST', '--text', 'defaults', '--wait', '30000']), { name: 'dubbo3 consumer (nacos, defaults)', ms: 90_000 });
      assert.equal(r.code, 0, `${r.out}\n${r.err}`);
      assert.match(r.out, /^ECHO all:defaults$/m);
      await mesh.stop(0);
    });

    it('Meshlet consumer → Java provider registered at both levels', async () => {
      const provider = await javaProvider('AppProvider', ['--registry', url(), '--app', 'dubbo3-nacos-all', '--register-mode', 'all'], 'dubbo3 provider (nacos, all)');
      await waitFor(async () => (await hosts('dubbo3-nacos-all')).length === 1 && (await hosts(`providers:${ECHO}:1.0:`)).some((h) => h.port === provider.port), 'both levels written');
      const mesh = meshlet({ application: 'meshlet-nacos-consumer', protocols: [dubbo()], registry: url() });
      assert.equal(await mesh.refer(EchoService, { timeout: 5000 }).echo('defaults'), 'defaults');
      await mesh.stop(0);
      await provider.stop();
    });
  });

  describe('Triple through Nacos', { skip: tri ? false : '@meshlet/transport-triple is not built' }, () => {
    it('Java consumer → Meshlet tri provider: unary, server stream, client stream, bidi', async () => {
      const mesh = meshlet({ application: 'meshlet-nacos-tri', protocols: [tri.triple()], registry: url(), server: { host: '127.0.0.1', port: 0 } });
      mesh.provide(Greeter, greeterImpl);
      await mesh.start();
      const listed = await hosts(`providers:${GREETER}::`);
      assert.deepEqual(listed.map((h) => [h.port, h.metadata.protocol]), [[mesh.address('tri').port, 'tri']]);
      const r = await runConsumer('java', java('TriConsumer', ['--registry', url(), '--suite', 'idl', '--skip', IDL_SKIP.join(',')]), { name: 'dubbo3 tri consumer (nacos)', ms: 120_000 });
      const failed = r.cases.filter((c) => !c.ok);
      assert.deepEqual(failed, [], `${r.out.slice(-3000)}\n${r.err}`);
      assert.deepEqual(r.cases.map((c) => c.case).sort(), ['idl/bidi', 'idl/client-stream', 'idl/server-stream', 'idl/server-stream-empty', 'idl/unary', 'idl/unary-unicode']);
      await mesh.stop(0);
    });

    it('Meshlet tri consumer → Java tri provider: unary and a server stream', async () => {
      const provider = await javaProvider('TriProvider', ['--registry', url(), '--shutdown-wait', '1000'], 'dubbo3 tri provider (nacos)');
      await waitFor(async () => (await hosts(`providers:${GREETER}::`)).some((h) => h.port === provider.port && h.metadata.protocol === 'tri'), 'the Java tri provider');
      const mesh = meshlet({ application: 'meshlet-nacos-tri-consumer', protocols: [tri.triple()], registry: url() });
      const greeter = mesh.refer(Greeter, { timeout: 5000 });
      assert.equal((await greeter.sayHello({ name: 'nacos' })).message, 'hello nacos');
      const items = [];
      for await (const item of greeter.sayHelloServerStream({ name: 'n', count: 3 })) items.push(item.message);
      assert.deepEqual(items, ['hello n #0', 'hello n #1', 'hello n #2']);
      await mesh.stop(0);
      await provider.stop();
    });
  });

  it('a Java provider killed under 8 callers: Nacos drops it at once and the Meshlet consumer stops calling it (calls fail only inside that window)', async () => {
    const args = (app) => ['--registry', url(), '--app', app, '--register-mode', 'interface'];
    const [a, b] = await Promise.all([javaProvider('AppProvider', args('dubbo3-nacos-kill'), 'dubbo3 provider A'), javaProvider('AppProvider', args('dubbo3-nacos-kill'), 'dubbo3 provider B')]);
    const service = `providers:${ECHO}:1.0:`;
    await waitFor(async () => (await hosts(service)).filter((h) => h.port === a.port || h.port === b.port).length === 2, 'both Java providers');
    // r-nacos sends no UDP push to v1 subscribers: they learn of the removal on their next read (refresh=1000 here, 10 s by default).
    const mesh = meshlet({ application: 'meshlet-nacos-consumer', protocols: [dubbo()], registry: url('?migration=FORCE_INTERFACE&refresh=1000') });
    const echo = mesh.refer(EchoService, { timeout: 2000, retries: 0 });
    // The consumer's own view, through a second subscriber of the same registry URL.
    const watcher = new NacosRegistry(url('?refresh=1000'));
    let ports = [];
    await watcher.subscribe({ interface: ECHO, version: '1.0' }, (set) => (ports = set.map((e) => e.port)));
    assert.deepEqual(ports.filter((p) => p === a.port || p === b.port).sort(), [a.port, b.port].sort());
    for (let i = 0; i < 20; i++) assert.equal(await echo.echo(`warm ${i}`), `warm ${i}`);

    const failures = [];
    let calls = 0;
    let stop = false;
    const t0 = Date.now();
    let killedAt = 0;
    // 8 callers: up to 8 calls in flight when the provider dies.
    const loop = Promise.all(Array.from({ length: 8 }, async () => {
      while (!stop) {
        calls++;
        try {
          assert.equal(await echo.echo('x'), 'x');
        } catch (err) {
          failures.push({ at: Date.now() - killedAt, code: err.code });
        }
        await sleep(5);
      }
    }));
    await sleep(300);
    killedAt = Date.now();
    a.kill();
    const gone = await waitFor(async () => !(await hosts(service)).some((h) => h.port === a.port) && Date.now(), 'Nacos to drop the killed provider', 15_000);
    const seen = await waitFor(() => !ports.includes(a.port) && Date.now(), 'the Meshlet subscriber to drop it', 15_000);
    await sleep(1000);
    stop = true;
    await loop;
    const window = seen - killedAt;
    console.log(`killed provider: dropped by Nacos after ${gone - killedAt} ms, by the Meshlet subscriber after ${window} ms; ${calls} calls in ${Date.now() - t0} ms, ${failures.length} failed ${JSON.stringify(failures.slice(0, 5))}`);
    // Failures only inside the window: the calls in flight when the connection closed (the transport
    // stops using a closed connection's endpoint at once; the set follows Nacos within a refresh).
    assert.deepEqual(failures.filter((f) => f.at > window + 200), [], 'no failed call once the consumer dropped the provider');
    assert.ok(failures.length <= 8, `${failures.length} failed calls (8 callers)`);
    assert.ok(window < 1000 + 2000, `the consumer dropped the killed provider after ${window} ms`);
    await watcher.close();
    await mesh.stop(0);
    await b.stop();
  });
});
