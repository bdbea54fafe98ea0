// Meshlet against the real npm Dubbo peers, over loopback, both directions:
//   apache-dubbo-consumer and dubbo2.js → a Meshlet provider;
//   a Meshlet consumer → apache-dubbo-service (the only Node Dubbo provider), on what it does right.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { Code, createRuntime, defineService, RpcError, t } from '@meshlet/core';
import { dubbo } from '@meshlet/transport-dubbo';
import { EchoService, echoImpl } from '../../examples/conformance/service.js';
import { runPeer, startPeer } from './peer-process.js';

const DemoService = defineService({
  interface: 'org.apache.dubbo.demo.DemoService',
  methods: { sayHello: { params: [t.string], returns: t.string } },
});

describe('npm consumers → Meshlet provider', () => {
  let mesh;
  let port;
  before(async () => {
    mesh = createRuntime({ application: 'interop-provider', protocols: [dubbo()], server: { host: '127.0.0.1', port: 0 } });
    mesh.provide(EchoService, echoImpl);
    mesh.provide(DemoService, { sayHello: (name) => `Hello ${name}` });
    await mesh.start();
    port = mesh.address().port;
  });
  after(() => mesh.stop(1000));

  for (const client of ['apache-dubbo-consumer', 'dubbo2.js']) {
    test(`${client}: every built-in case (typed args, int/long edges, collections, a thrown error)`, async () => {
      const lines = await runPeer('dubbo-consumer-peer.cjs', ['--client', client, '--target', `127.0.0.1:${port}`, '--echo-version', '1.0', '--cases', 'builtin']);
      assert.ok(lines.length >= 14, `cases run: ${lines.length}`);
      const failed = lines.filter((l) => !l.ok);
      assert.deepEqual(failed, [], 'every case passes');
      const fail = lines.find((l) => l.case === 'fail');
      assert.match(JSON.stringify(fail), /IllegalStateException|boom/);
    });
  }
});

describe('Meshlet consumer → apache-dubbo-service', () => {
  let peer;
  let mesh;
  before(async () => {
    peer = await startPeer('dubbo-service-provider.cjs', ['--quiet']);
    mesh = createRuntime({ application: 'interop-consumer', protocols: [dubbo()] });
  });
  after(async () => {
    await mesh.stop(0);
    peer.child.kill('SIGTERM');
  });

  // The peer registers no version ("0.0.0"); its defects (descriptors split on ';', errors as
  // strings, falsy results as null) decide what can be asked of it.
  const Echo = defineService({
    interface: 'com.meshlet.conformance.EchoService',
    methods: {
      echo: { params: [t.string], returns: t.string },
      negate: { params: [t.bool], returns: t.bool },
      reverseList: { params: [t.list(t.string)], returns: t.list(t.string) },
      swapMap: { params: [t.map(t.string, t.string)], returns: t.map(t.string, t.string) },
      fail: { params: [t.string], returns: t.void },
      sleep: { params: [t.int32], returns: t.string },
    },
  });

  test('strings, booleans, lists, maps', async () => {
    const target = `127.0.0.1:${peer.port}`;
    assert.equal(await mesh.refer(DemoService, { url: target }).sayHello('world'), 'Hello world');
    const echo = mesh.refer(Echo, { url: target });
    assert.equal(await echo.echo('héllo 😀𝄞'), 'héllo 😀𝄞');
    assert.equal(await echo.negate(false), true);
    assert.deepEqual(await echo.reverseList(['a', 'b', 'c']), ['c', 'b', 'a']);
    assert.deepEqual(await echo.swapMap(new Map([['k', 'v']])), new Map([['v', 'k']]));
    assert.equal(await echo.sleep(20), 'slept');
  });

  test('its string-shaped exception still arrives as a BUSINESS error', async () => {
    const echo = mesh.refer(Echo, { url: `127.0.0.1:${peer.port}` });
    await assert.rejects(echo.fail('boom'), (e) => e instanceof RpcError && e.code === Code.Business && /boom/.test(e.message));
  });

  test('a timeout against a slow call, and the connection stays usable', async () => {
    const echo = mesh.refer(Echo, { url: `127.0.0.1:${peer.port}`, timeout: 100 });
    await assert.rejects(echo.sleep(1000), (e) => e instanceof RpcError && e.code === Code.Timeout);
    assert.equal(await echo.echo('after'), 'after');
  });
});
