// Apache Dubbo 3.3.6 (Maven Central) against Meshlet over Triple (`tri`, gRPC on HTTP/2 h2c), both
// directions, by address and through a real ZooKeeper (interface-level registration). The Java peers
// (java/dubbo3: TriProvider, TriConsumer) serve and call greeter.proto's Greeter — declared in Java as
// an interface with protobuf messages, so its calls are bare protobuf as gRPC's are — and the kit's
// EchoService/FleetService as Java interfaces in Triple's wrapped mode (hessian2 inside protobuf).
// What Dubbo 3.3.6 does on the wire (captured: /tmp/h23/triple-capture.md at the time), pinned by the
// first test: a trailers-only error with HTTP 500 and a grpc-message that is not percent-encoded
// ("<CODE> : " prefixed, non-Latin-1 characters as '?'); no deadline at all on streaming calls.
// Greeter's client-streaming and bidi rpcs run both ways too (exact values, interleaving, a bidi
// cancelled mid-way, 1,000 requests in one client stream).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { Code, RpcError, defineService } from '@meshlet/core';
import { describeProtobufMessage } from '@meshlet/protobuf';
import { createMeshlet } from 'meshlet-rpc';
import { RawZooKeeper, ZooKeeperServer } from '../../packages/registry/dist/testing/index.js';
import { EchoService, echoImpl } from '../../examples/conformance/service.js';
import { cases as kitCases, runCase } from '../../examples/conformance/cases.js';
import { root } from './lib/cache.js';
import { javaArgs } from './lib/maven.js';
import { assertAllPassed, runConsumer, startPeer, stopAll } from './lib/processes.js';
import { dubboPeer, G2Echo, g2EchoImpl, JVM } from './dubbo/peer.js';
import { FleetService, fleetImpl } from './meshlet/fleet-service.js';

const tri = await import('@meshlet/transport-triple').catch(() => undefined);
const triple = tri?.triple;
const NO_TRIPLE = triple ? false : '@meshlet/transport-triple is not built';
/** Known gaps of Meshlet's side (todo, with the reason; each turns green on its own once fixed). */
const KNOWN_GAPS = {
  javaSeesBidiCancel:
    "Dubbo 3.3.6's provider misses a Meshlet consumer's bidi cancel about 1 time in 4 (a probe: 15 cancels × 3 runs, " +
    "3 to 7 of each 15 never reached GreeterImpl's onError, whether the consumer cancels at once or 100 ms after the first " +
    "reply, with or without requests in flight; Dubbo's own consumer: 6 of 6 seen). Meshlet sends one RST_STREAM (CANCEL) " +
    'and no END_STREAM (checked against a Node http2 server, 20 of 20); what differs from Dubbo\'s consumer is not found yet.',
};

const GREETER = 'com.meshlet.triple.Greeter';
const ECHO = 'com.meshlet.conformance.EchoService';
const KIT = 29 + 11;
const MIB16 = 16 * 1024 * 1024;
/** Room for the 16 MiB case on the Meshlet side (the Java peers raise Dubbo's 8 MiB to 32 MiB). */
const MAX_MESSAGE = 32 * 1024 * 1024;
/** Dubbo's graceful stop waits 10 s once it has served calls; 1 s here. */
const QUICK_STOP = ['--shutdown-wait', '1000'];

// greeter.proto as Meshlet reads it: the same file the Java build compiles.
const proto = protobuf.loadSync(join(root, 'test', 'fleet', 'java', 'dubbo3', 'src', 'main', 'proto', 'greeter.proto'));
const conversion = { toObject: { longs: String, enums: String, defaults: true } };
const HelloRequest = describeProtobufMessage(proto.lookupType(`${GREETER.replace(/\.Greeter$/, '')}.HelloRequest`), {}, conversion);
const HelloReply = describeProtobufMessage(proto.lookupType(`${GREETER.replace(/\.Greeter$/, '')}.HelloReply`), {}, conversion);
const unary = { params: [HelloRequest], returns: HelloReply };
/** greeter.proto's Greeter, every rpc: client and bidi streams take an AsyncIterable of HelloRequest. */
const Greeter = defineService({
  interface: GREETER,
  methods: {
    sayHello: unary,
    sayHelloServerStream: { ...unary, stream: true },
    sayHelloClientStream: { ...unary, stream: 'client' },
    sayHelloBidi: { ...unary, stream: 'bidi' },
    sayHelloError: unary,
    sayHelloSlow: unary,
    cancelledStreams: unary,
  },
});

/** google.rpc.ErrorInfo { reason: "BAD_NAME", domain: "meshlet.test" }, encoded by hand. */
const ERROR_INFO = Buffer.concat([Buffer.from([0x0a, 8]), Buffer.from('BAD_NAME'), Buffer.from([0x12, 12]), Buffer.from('meshlet.test')]);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pattern = (n) => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + 7) & 0xff;
  return b;
};

/** Greeter as the Java provider behaves (GreeterImpl), with a count of streams cancelled mid-way. */
function greeterImpl() {
  let cancelled = 0;
  return {
    sayHello: ({ name, blob }) => ({ message: `hello ${name}`, index: 0, blob }),
    async *sayHelloServerStream({ name, count, delayMs }) {
      let done = false;
      try {
        for (let i = 0; i < count; i++) {
          if (i > 0 && delayMs > 0) await sleep(delayMs);
          yield { message: `hello ${name} #${i}`, index: i };
        }
        done = true;
      } finally {
        // Reached without `done` when the consumer cancelled (or its deadline passed): the generator is returned.
        if (!done) cancelled++;
      }
    },
    // As GreeterImpl: a request stream that ends in an error (the consumer reset it) counts as cancelled.
    async sayHelloClientStream(requests) {
      const names = [];
      try {
        for await (const { name } of requests) names.push(name);
      } catch (err) {
        cancelled++;
        throw err;
      }
      return { message: `hello ${names.join(',')}`, index: names.length };
    },
    async *sayHelloBidi(requests) {
      let n = 0;
      let done = false;
      try {
        for await (const { name } of requests) yield { message: `hello ${name}`, index: n++ };
        done = true;
      } finally {
        // Not done: the consumer reset the stream (the request iterable failed, or the generator was returned).
        if (!done) cancelled++;
      }
    },
    sayHelloError: ({ name, count }) => {
      // The status the Java provider answers with (count, INVALID_ARGUMENT when 0), with a
      // google.rpc.ErrorInfo detail in grpc-status-details-bin, which Dubbo's consumer must tolerate.
      const err = new RpcError(Code.Business, `bad name: ${name}`);
      throw tri.withStatusDetails(err, [{ typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo', value: ERROR_INFO }], count || tri.GrpcStatus.INVALID_ARGUMENT);
    },
    sayHelloSlow: async ({ delayMs }) => {
      await sleep(delayMs);
      return { message: `slept ${delayMs}`, index: 0 };
    },
    cancelledStreams: () => ({ message: 'cancelled', index: cancelled }),
  };
}

/** `OBSERVED <case> <status> <description>` lines of a TriConsumer run, by case. */
const observed = (out) => Object.fromEntries([...out.matchAll(/^OBSERVED (\S+) (.*)$/gm)].map((m) => [m[1], m[2]]));

/** Waits for ZooKeeper children (a provider registers asynchronously). */
async function waitForChildren(raw, path, n, ms = 20_000) {
  const end = Date.now() + ms;
  for (;;) {
    const names = await raw.children(path).catch(() => []);
    if (names.length >= n) return names;
    if (Date.now() > end) throw new Error(`${path}: ${names.length} children after ${ms} ms, wanted ${n}`);
    await sleep(100);
  }
}

/** A Dubbo URL node name (URL.encode'd) as its URL. */
const urlOf = (name) => new URL(decodeURIComponent(name));

describe('Apache Dubbo 3.3.6 over Triple (dubbo3)', { timeout: 240_000 }, () => {
  const started = [];
  let classpath;
  const javaProvider = (args = []) =>
    startPeer('java', javaArgs(classpath, 'com.meshlet.dubbo.TriProvider', ['--port', '0', ...QUICK_STOP, ...args], JVM), { name: 'dubbo3 tri provider' })
      .then((p) => (started.push(p), p));
  const javaConsumer = (args) =>
    runConsumer('java', javaArgs(classpath, 'com.meshlet.dubbo.TriConsumer', args, JVM), { name: 'dubbo3 tri consumer', ms: 120_000 });

  /** A Meshlet tri provider in this process: Greeter, the kit's EchoService (and its g2 variant), FleetService. */
  async function meshletProvider(registry = false) {
    const mesh = createMeshlet({ application: 'meshlet-dubbo3-triple', protocols: [triple({ maxMessageSize: MAX_MESSAGE })], registry, server: { host: '127.0.0.1', port: 0 } });
    mesh.provide(Greeter, greeterImpl());
    mesh.provide(EchoService, echoImpl);
    mesh.provide(G2Echo, g2EchoImpl);
    mesh.provide(FleetService, fleetImpl);
    started.push(mesh);
    await mesh.start();
    return { mesh, port: mesh.address('tri').port };
  }

  function meshletConsumer(registry = false) {
    const mesh = createMeshlet({ application: 'meshlet-dubbo3-triple', protocols: [triple({ maxMessageSize: MAX_MESSAGE })], registry });
    started.push(mesh);
    return mesh;
  }

  before(async () => {
    ({ classpath } = await dubboPeer('dubbo3'));
  });
  after(() => stopAll(started));

  it('Java consumer → Java provider: the IDL cases, and what Dubbo itself puts in an error status', async () => {
    const provider = await javaProvider();
    const r = await javaConsumer(['--target', `127.0.0.1:${provider.port}`, '--suite', 'idl']);
    assertAllPassed(r, 13);
    // Dubbo's grpc-message is raw ("<CODE> : " + description), Latin-1 passes, the emoji does not.
    assert.deepEqual(observed(r.out), {
      'idl/error': 'INVALID_ARGUMENT INVALID_ARGUMENT : bad name: eé??',
      'idl/error-code': 'PERMISSION_DENIED PERMISSION_DENIED : bad name: p',
    });
    assert.equal(await provider.stop(), 0);
  });

  describe('by address', { skip: NO_TRIPLE }, () => {
    let javaToMeshlet;
    it('Java consumer → Meshlet provider: unary, server streaming, errors with details, deadline, cancellation, 16 MiB, and the kit in wrapped hessian2', async () => {
      const { port } = await meshletProvider();
      javaToMeshlet = await javaConsumer(['--target', `127.0.0.1:${port}`]);
      const r = javaToMeshlet;
      // Business exceptions included: Meshlet answers them as Dubbo does in wrapped mode
      // (tri-exception-code 3 and the hessian exception object), so Java catches them by class.
      assert.deepEqual(r.cases.filter((c) => !c.ok), [], `${r.err}`);
      assert.equal(r.cases.length, 13 + KIT, r.out.slice(-3000));
      // Client streaming and bidi (interleaved: Java sends the next request only once the first reply is in).
      for (const name of ['idl/client-stream', 'idl/bidi']) assert.ok(r.cases.some((c) => c.case === name && c.ok), name);
      // Meshlet percent-encodes grpc-message (gRPC's rule); Dubbo decodes it back exactly.
      assert.deepEqual(observed(r.out), {
        'idl/error': 'INVALID_ARGUMENT bad name: eé😀',
        'idl/error-code': 'PERMISSION_DENIED bad name: p',
      });
    });

    it('Java consumer → Meshlet provider: a bidi the Java consumer cancels mid-way (RST_STREAM only) is seen cancelled by the Meshlet method', () => {
      assert.ok(javaToMeshlet, 'the run above');
      const c = javaToMeshlet.cases.find((x) => x.case === 'idl/cancel-bidi');
      assert.ok(c?.ok, JSON.stringify(c));
    });

    it('Java consumer → Meshlet provider: business exceptions caught by their Java class', () => {
      assert.ok(javaToMeshlet, 'the run above');
      for (const name of ['fail/business', 'exception/custom-class']) {
        assert.ok(javaToMeshlet.cases.some((c) => c.case === name && c.ok), name);
      }
    });

    describe('Meshlet consumer → Java provider', () => {
      let provider;
      let mesh;
      let greeter;
      before(async () => {
        provider = await javaProvider();
        mesh = meshletConsumer();
        greeter = mesh.refer(Greeter, { url: `127.0.0.1:${provider.port}`, timeout: 10_000 });
      });
      after(async () => {
        await mesh?.stop(0);
        assert.equal(await provider?.stop(), 0);
      });

      it('unary and server streaming, exact values', async () => {
        assert.deepEqual(await greeter.sayHello({ name: 'héllo 😀' }), { message: 'hello héllo 😀', index: 0, blob: Buffer.alloc(0) });
        const items = [];
        for await (const item of greeter.sayHelloServerStream({ name: 'w', count: 3 })) items.push(item);
        assert.deepEqual(items.map((i) => [i.message, i.index]), [['hello w #0', 0], ['hello w #1', 1], ['hello w #2', 2]]);
        // Zero replies: Dubbo answers trailers-only (HEADERS with grpc-status 0 and END_STREAM).
        const none = [];
        for await (const item of greeter.sayHelloServerStream({ name: 'w', count: 0 })) none.push(item);
        assert.deepEqual(none, []);
      });

      it("error statuses: Dubbo's trailers-only HTTP 500 with a raw grpc-message becomes a typed error", async () => {
        await assert.rejects(greeter.sayHelloError({ name: 'eé' }), (err) => {
          assert.ok(err instanceof RpcError, String(err));
          assert.equal(err.code, Code.BadRequest);
          assert.equal(err.message, 'INVALID_ARGUMENT : bad name: eé');
          return true;
        });
        await assert.rejects(greeter.sayHelloError({ name: 'p', count: 7 }), (err) => {
          assert.equal(err.code, Code.PermissionDenied);
          assert.equal(err.message, 'PERMISSION_DENIED : bad name: p');
          return true;
        });
      });

      it('a unary deadline: TIMEOUT at the deadline, the connection still serves', async () => {
        const quick = mesh.refer(Greeter, { url: `127.0.0.1:${provider.port}`, timeout: 300 });
        const t0 = Date.now();
        await assert.rejects(quick.sayHelloSlow({ delayMs: 3000 }), (err) => err instanceof RpcError && err.code === Code.Timeout);
        const ms = Date.now() - t0;
        assert.ok(ms >= 250 && ms < 2000, `timed out after ${ms} ms`);
        assert.deepEqual(await greeter.sayHelloSlow({ delayMs: 20 }), { message: 'slept 20', index: 0, blob: Buffer.alloc(0) });
      });

      it('a deadline expiring mid-stream: the first replies, then TIMEOUT, and the Java provider sees the stream cancelled', async () => {
        const before = (await greeter.cancelledStreams({})).index;
        const short = mesh.refer(Greeter, { url: `127.0.0.1:${provider.port}`, timeout: 1000 });
        const items = [];
        await assert.rejects(async () => {
          for await (const item of short.sayHelloServerStream({ name: 'd', count: 50, delayMs: 200 })) items.push(item.message);
        }, (err) => err instanceof RpcError && err.code === Code.Timeout);
        // ~5 replies in 1 s; at least one however busy the machine, never all 50 (10 s worth).
        assert.ok(items.length >= 1 && items.length < 50, `${items.length} replies`);
        assert.deepEqual(items, Array.from({ length: items.length }, (_, i) => `hello d #${i}`));
        await waitFor(async () => (await greeter.cancelledStreams({})).index > before, 'the provider to see the stream cancelled');
      });

      it('cancellation: leaving a stream after the first reply resets it, and the Java provider stops producing', async () => {
        const before = (await greeter.cancelledStreams({})).index;
        for await (const item of greeter.sayHelloServerStream({ name: 'c', count: 100, delayMs: 50 })) {
          assert.equal(item.message, 'hello c #0');
          break;
        }
        await waitFor(async () => (await greeter.cancelledStreams({})).index > before, 'the provider to see the stream cancelled');
      });

      it('client streaming: names in, one reply with them joined, exact values', async () => {
        async function* names(...xs) {
          for (const name of xs) yield { name };
        }
        assert.deepEqual(await greeter.sayHelloClientStream(names('a', 'é', '😀')), { message: 'hello a,é,😀', index: 3, blob: Buffer.alloc(0) });
        // An empty request stream (HEADERS, then an empty DATA with END_STREAM, as grpc-java sends it):
        // Dubbo 3.3.6 fails it itself, UNKNOWN from a NullPointerException in its stream decoder
        // (the method's observer is attached on the first message); pinned so a change shows.
        await assert.rejects(greeter.sayHelloClientStream(names()), (err) => {
          assert.ok(err instanceof RpcError, String(err));
          assert.equal(err.code, Code.Business);
          assert.equal(err.status, tri.GrpcStatus.UNKNOWN);
          assert.match(err.message, /FragmentListener\.onClose\(\)/);
          return true;
        });
      });

      it('client streaming, 1,000 items: flow control lets the whole stream through', async () => {
        const n = 1000;
        let pulled = 0;
        async function* many() {
          for (let i = 0; i < n; i++, pulled++) yield { name: `n${i}`, blob: pattern(512) };
        }
        const reply = await greeter.sayHelloClientStream(many());
        assert.equal(pulled, n);
        assert.equal(reply.index, n);
        assert.equal(reply.message, `hello ${Array.from({ length: n }, (_, i) => `n${i}`).join(',')}`);
      });

      it('bidi: each reply arrives before the next request is sent (interleaved), exact values', async () => {
        // The next request waits for the reply to the previous one: a transport that buffered
        // requests until the consumer finished, or replies until the provider did, would hang here.
        let answered;
        const requests = (async function* () {
          for (const name of ['x', 'y', 'z']) {
            const reply = new Promise((r) => (answered = r));
            yield { name };
            await reply;
          }
        })();
        const got = [];
        for await (const item of greeter.sayHelloBidi(requests)) {
          got.push([item.message, item.index]);
          answered();
        }
        assert.deepEqual(got, [['hello x', 0], ['hello y', 1], ['hello z', 2]]);
      });

      /** Opens a bidi stream that sends a request every 20 ms, leaves it after the first reply; how many were pulled. */
      async function cancelBidiMidWay() {
        let sent = 0;
        const forever = (async function* () {
          for (;;) {
            yield { name: `k${sent++}` };
            await sleep(20);
          }
        })();
        for await (const item of greeter.sayHelloBidi(forever)) {
          assert.deepEqual([item.message, item.index], ['hello k0', 0]);
          break;
        }
        return () => sent;
      }

      it('bidi cancelled mid-way: leaving after the first reply resets the stream, the request iterable stops, the connection serves on', async () => {
        const sent = await cancelBidiMidWay();
        // At most the pull already under way finishes (one every 20 ms otherwise).
        const pulled = sent();
        await sleep(200);
        assert.ok(sent() <= pulled + 1, `${sent() - pulled} more requests pulled after the cancel`);
        assert.equal((await greeter.sayHello({ name: 'after' })).message, 'hello after');
      });

      it('bidi cancelled mid-way: the Java provider sees it cancelled', { todo: KNOWN_GAPS.javaSeesBidiCancel }, async () => {
        const before = (await greeter.cancelledStreams({})).index;
        await cancelBidiMidWay();
        // Seen within ~70 ms when it is seen at all.
        await waitFor(async () => (await greeter.cancelledStreams({})).index > before, 'the provider to see the bidi stream cancelled', 3000);
      });

      it('a 16 MiB message each way', async () => {
        const big = pattern(MIB16);
        const reply = await greeter.sayHello({ name: 'big', blob: big });
        assert.equal(reply.message, 'hello big');
        assert.equal(Buffer.compare(reply.blob, big), 0);
      });

      const kitResults = async () => {
        const clients = new Map();
        const echo = (timeout) => {
          if (!clients.has(timeout)) clients.set(timeout, mesh.refer(EchoService, { url: `127.0.0.1:${provider.port}`, timeout }));
          return clients.get(timeout);
        };
        const results = [];
        for (const c of kitCases) results.push(await runCase(echo(c.timeout ?? 10_000), c, (cc) => echo(cc.timeout ?? 10_000)[cc.method](...cc.args)));
        return results;
      };

      it("the kit's cases: Java interfaces in Triple's wrapped mode (hessian2)", async () => {
        const results = await kitResults();
        assert.equal(results.length, 29);
        assert.deepEqual(results.filter((x) => !x.ok), []);
        const fleet = mesh.refer(FleetService, { url: `127.0.0.1:${provider.port}`, timeout: 10_000 });
        assert.equal(await fleet.describeLong(9007199254740993n), 'long:9007199254740993');
        assert.equal(await mesh.refer(FleetService, { url: `127.0.0.1:${provider.port}`, attachments: { 'x-fleet-key': 'fleet-42' } }).attachment('x-fleet-key'), 'fleet-42');
      });

      it('business exceptions from the Java provider: typed BUSINESS errors with the Java class', async () => {
        await assert.rejects(mesh.refer(EchoService, { url: `127.0.0.1:${provider.port}` }).fail('boom 😀'),
          (err) => err.code === Code.Business && err.message === 'boom 😀' && err.remoteClass === 'java.lang.IllegalStateException');
        const fleet = mesh.refer(FleetService, { url: `127.0.0.1:${provider.port}`, timeout: 10_000 });
        await assert.rejects(fleet.raise('fleet says no'), (err) => err.code === Code.Business && err.message === 'fleet says no' && err.remoteClass === 'com.meshlet.fleet.FleetException');
      });
    });
  });

  describe('through ZooKeeper (interface-level registration)', { skip: NO_TRIPLE }, () => {
    let zk;
    let raw;
    let registry;
    before(async () => {
      zk = await ZooKeeperServer.start({ tickTime: 200 });
      raw = await RawZooKeeper.connect(zk.connectString);
      registry = `zookeeper://127.0.0.1:${zk.port}`;
    });
    after(async () => {
      raw?.close();
      await zk?.close();
    });

    it('a Java tri provider registers tri:// URLs; a Meshlet consumer finds it and calls Greeter and the kit service', async () => {
      const provider = await javaProvider(['--registry', registry]);
      try {
        const [greeterNode] = await waitForChildren(raw, `/dubbo/${GREETER}/providers`, 1);
        const url = urlOf(greeterNode);
        assert.equal(`${url.protocol}//${url.host}`, `tri://127.0.0.1:${provider.port}`);
        assert.equal(url.searchParams.get('interface'), GREETER);
        const [echoNode] = await waitForChildren(raw, `/dubbo/${ECHO}/providers`, 2);
        assert.equal(urlOf(echoNode).protocol, 'tri:');
        const mesh = meshletConsumer(registry);
        const greeter = mesh.refer(Greeter, { timeout: 5000 });
        assert.equal((await greeter.sayHello({ name: 'zk' })).message, 'hello zk');
        const items = [];
        for await (const item of greeter.sayHelloServerStream({ name: 'zk', count: 2 })) items.push(item.message);
        assert.deepEqual(items, ['hello zk #0', 'hello zk #1']);
        assert.equal(await mesh.refer(EchoService, { timeout: 5000 }).echo('found'), 'found');
        assert.equal(await mesh.refer(G2Echo, { timeout: 5000 }).echo('found'), 'g2:found');
        await mesh.stop(0);
      } finally {
        assert.equal(await provider.stop(), 0);
      }
    });

    it('a Meshlet tri provider registers in Dubbo’s layout; a Java consumer finds it and passes the IDL cases and the kit', async () => {
      const { mesh } = await meshletProvider(registry);
      const names = await waitForChildren(raw, `/dubbo/${GREETER}/providers`, 1);
      const ours = names.map(urlOf).filter((u) => u.searchParams.get('application') === 'meshlet-dubbo3-triple');
      assert.equal(ours.length, 1, names.map((n) => decodeURIComponent(n)).join('\n'));
      assert.equal(ours[0].protocol, 'tri:');
      const r = await javaConsumer(['--registry', registry]);
      assertAllPassed(r, 13 + KIT);
      await mesh.stop();
    });
  });
});

async function waitFor(check, what, ms = 10_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
