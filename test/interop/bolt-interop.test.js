// Meshlet against the real npm SOFA RPC peer, sofa-rpc-node@2.10.0, over loopback, both directions:
//   its RpcClient → a Meshlet provider;  a Meshlet consumer → its RpcServer.
// The peer always runs in a child process: sofa-rpc-node misbehaves when its client and server (or
// anything under load) share a process with it (bolt-sofa.md §2.6-6).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import protobuf from 'protobufjs';
import { Code, createRuntime, defineService, RpcError } from '@meshlet/core';
import { bolt, protobufMethods } from '@meshlet/transport-bolt';
import { EchoService, echoImpl } from '../../examples/conformance/service.js';
import { cases, runCase } from '../../examples/conformance/cases.js';
import { peers, runPeer, startPeer } from './peer-process.js';

// The protobuf service (codec 11) the peers serve and call, from the same .proto file.
const root = protobuf.loadSync(`${peers}lib/echo.proto`);
const ProtoService = defineService({
  interface: 'com.meshlet.proto.ProtoService',
  version: '1.0',
  methods: protobufMethods(root.lookupService('com.meshlet.proto.ProtoService')),
});

describe('sofa-rpc-node consumer → Meshlet provider', () => {
  let mesh;
  let port;
  before(async () => {
    mesh = createRuntime({ application: 'interop-provider', protocols: [bolt()], server: { host: '127.0.0.1', port: 0 } });
    mesh.provide(EchoService, echoImpl);
    mesh.provide(ProtoService, {
      echoStr: (req) => ({ s: `${req.s}!`, n: BigInt(req.n) + 1n }),
      fail: (req) => { throw new Error(`bad ${req.s}`); },
    });
    await mesh.start();
    port = mesh.address().port;
  });
  after(() => mesh.stop(1000));

  test('every case: typed args (int/long edges, double, byte[], List, Map, a POJO, typed null), a thrown error, a timeout, an unknown method, protobuf', async () => {
    const lines = await runPeer('sofa-consumer-peer.cjs', ['--target', `127.0.0.1:${port}`]);
    assert.ok(lines.length >= 20, `cases run: ${lines.length}`);
    assert.deepEqual(lines.filter((l) => !l.ok), [], 'every case passes');
    const byCase = Object.fromEntries(lines.map((l) => [l.case, l]));
    // Our business exception is a Java Throwable the package turns into an Error of that class.
    assert.equal(byCase.fail.error, 'java.lang.IllegalStateException: boom');
    assert.match(byCase['sleep-timeout'].error, /RpcResponseTimeoutError/);
    assert.match(byCase['no-such-method'].error, /Cannot find invoke method: \[nope\]/); // SOFARPC 5's own wording
    assert.equal(byCase['addLong-2^53+1'].got, '9007199254740993');
    assert.deepEqual(byCase['proto-echo'].got, { s: 'hi!', n: '9007199254740994' });
    // Our protobuf error is SOFARPC's (SUCCESS + sofa_head_response_error + the text); the package
    // ignores the flag, fails to decode the text as an EchoRes and drops its connection.
    assert.ok(byCase['proto-fail'].error);
  });

  test('bench mode runs against Meshlet (the harness\'s mixed row)', async () => {
    const [line] = await runPeer('sofa-consumer-peer.cjs', ['--target', `127.0.0.1:${port}`, '--bench', '--seconds', '0.5', '--concurrency', '8']);
    assert.ok(line.calls > 0 && line.errors === 0, JSON.stringify(line));
  });
});

describe('Meshlet consumer → sofa-rpc-node provider', () => {
  let peer;
  let mesh;
  let target;
  before(async () => {
    peer = await startPeer('sofa-provider.cjs', ['--quiet']);
    target = `127.0.0.1:${peer.port}`;
    mesh = createRuntime({ application: 'interop-consumer', protocols: [bolt()] });
  });
  after(async () => {
    await mesh.stop(0);
    peer.child.kill('SIGTERM');
    await once(peer.child, 'exit');
  });

  test('the whole conformance case set passes against it', async () => {
    const clients = new Map();
    const clientFor = (timeout) => {
      if (!clients.has(timeout)) clients.set(timeout, mesh.refer(EchoService, { url: target, timeout }));
      return clients.get(timeout);
    };
    const results = [];
    for (const c of cases) results.push(await runCase(clientFor(c.timeout ?? 10_000), c, (cc) => clientFor(cc.timeout ?? 10_000)[cc.method](...cc.args)));
    assert.deepEqual(results.filter((r) => !r.ok), []);
    assert.ok(results.length >= 25);
  });

  test('typed arguments: int64 beyond 2^53, a POJO, byte[]', async () => {
    const echo = mesh.refer(EchoService, { url: target });
    assert.equal(await echo.addLong(9007199254740993n, 2n), 9007199254740995n);
    assert.equal(await echo.addLong(-9223372036854775808n, -1n), 9223372036854775807n);
    const user = { id: -9007199254740993n, name: 'Ann', tags: ['x'], attrs: new Map([['a', 'b']]), active: false, score: 0.5 };
    assert.deepEqual(await echo.echoUser(user), user);
    assert.deepEqual(await echo.reverseBytes(Buffer.from([9, 8])), Buffer.from([8, 9]));
  });

  test('its thrown error (SERVER_EXCEPTION + RpcServerException) arrives as BUSINESS with the message', async () => {
    const echo = mesh.refer(EchoService, { url: target });
    await assert.rejects(echo.fail('boom'), (e) => e instanceof RpcError && e.code === Code.Business && e.message === 'boom'
      && e.remoteClass === 'com.alipay.remoting.rpc.exception.RpcServerException');
  });

  test('a timeout against a slow call; the connection stays usable', async () => {
    const echo = mesh.refer(EchoService, { url: target, timeout: 150 });
    await assert.rejects(echo.sleep(1000), (e) => e instanceof RpcError && e.code === Code.Timeout);
    assert.equal(await echo.echo('after'), 'after');
  });

  test('Bolt v2 with CRC32: the package answers in kind and we verify it', async () => {
    const v2 = createRuntime({ protocols: [bolt({ frame: 'v2-crc' })] });
    try {
      const echo = v2.refer(EchoService, { url: target });
      assert.equal(await echo.echo('crc ✓'), 'crc ✓');
      assert.equal(await echo.addInt(2147483647, 1), -2147483648);
    } finally {
      await v2.stop(0);
    }
  });

  test('protobuf (codec 11): its server decodes our request, we decode its reply and its error', async () => {
    const proto = mesh.refer(ProtoService, { url: target });
    assert.deepEqual(await proto.echoStr({ s: 'pb', n: 9007199254740993n, tags: ['a'] }), { s: 'pb!', n: '9007199254740994' });
    await assert.rejects(proto.fail({ s: 'q' }), (e) => e instanceof RpcError && e.code === Code.ServerError && /bad q/.test(e.message));
  });

  test('an unknown service is reported as SERVICE_NOT_FOUND', async () => {
    const other = mesh.refer(EchoService, { url: target, version: '9.9' });
    await assert.rejects(other.echo('x'), (e) => e instanceof RpcError && e.code === Code.ServiceNotFound);
  });
});
