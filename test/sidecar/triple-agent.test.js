// Triple (tri, HTTP/2) through Meshlet's agent in sidecar mode: a consumer app with
// MESHLET_AGENT=meshlet://… refers a tri service; the agent (a process of its own) takes the h2c
// connection on its one app port (sniffed by the HTTP/2 preface), routes each stream on its :path
// and tri-service-version/group headers to the provider it finds in the registry, and relays the
// stream both ways: unary, server/client/bidi streams, statuses and trailers, deadlines (the
// grpc-timeout left), cancellation, and flow control (a consumer that does not read holds the
// provider back through HTTP/2's windows; the agent's memory stays bounded).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { Code, currentCall, defineService, RpcError, t } from '@meshlet/core';
import { createMeshlet } from 'meshlet-rpc';
import { triple, encodeRequestWrapper, decodeResponseWrapper, GrpcStatus, statusDetailsOf, withStatusDetails } from '@meshlet/transport-triple';
import { encode, decode } from '@meshlet/hessian';
import { localRegistry, startAgent, waitFor } from './helpers.js';

const MiB = 1024 * 1024;

const Streams = defineService({
  interface: 'com.meshlet.sidecar.TriStreams',
  version: '1.0',
  protocol: 'tri',
  methods: {
    echo: { params: [t.string], returns: t.string },
    fail: { params: [t.string], returns: t.string },
    slow: { params: [t.int32], returns: t.string },
    deadlineSeen: { params: [], returns: t.int64 },
    count: { params: [t.int32], returns: t.int32, stream: 'server' },
    blobs: { params: [t.int32, t.int32], returns: t.bytes, stream: 'server' },
    sum: { params: [t.int32], returns: t.int32, stream: 'client' },
    sink: { params: [t.bytes], returns: t.int32, stream: 'client' },
    chat: { params: [t.string], returns: t.string, stream: 'bidi' },
  },
});
/** The same interface in group g2, version 2.0: routed by tri-service-group / tri-service-version. */
const StreamsG2 = defineService({ ...Streams, group: 'g2', version: '2.0', methods: { echo: { params: [t.string], returns: t.string } } });

const seen = { countFinally: 0, produced: 0 };
let openSink;
const sinkGate = new Promise((r) => (openSink = r));
const impl = {
  echo: async (s) => s,
  // A gRPC status with google.rpc.Status details: they travel in trailers, which the agent relays.
  fail: async (s) => {
    throw withStatusDetails(new Error(`no: ${s}`), [{ typeUrl: 'type.googleapis.com/meshlet.test.Why', value: Buffer.from(`why ${s}`) }], GrpcStatus.NOT_FOUND);
  },
  slow: async (ms) => {
    await new Promise((r) => setTimeout(r, ms));
    return 'late';
  },
  // The deadline the provider was given, ms from now (grpc-timeout as the agent forwarded it).
  deadlineSeen: async () => BigInt(currentCall().deadline - Date.now()),
  async *count(n) {
    try {
      for (let i = 0; i < n; i++) {
        yield i;
        if (i % 100 === 99) await new Promise((r) => setImmediate(r));
      }
    } finally {
      seen.countFinally++;
    }
  },
  async *blobs(n, size) {
    for (let i = 0; i < n; i++) {
      seen.produced = i + 1;
      yield Buffer.alloc(size, i % 256);
    }
  },
  sum: async (items) => {
    let s = 0;
    for await (const x of items) s += x;
    return s;
  },
  // Reads nothing until told to, then counts what arrives.
  sink: async (items) => {
    await sinkGate;
    let n = 0;
    for await (const b of items) n += b.length === 64 * 1024 ? 1 : 0;
    return n;
  },
  async *chat(lines) {
    for await (const l of lines) yield `re:${l}`;
  },
};

function rss(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(s)[1]) * 1024;
}

describe('Triple through the Meshlet agent (sidecar mode)', { timeout: 120_000 }, () => {
  let registry;
  let agent;
  let provider;
  let consumer;
  let streams;
  before(async () => {
    registry = await localRegistry();
    agent = await startAgent({ registry });
    provider = createMeshlet({ application: 'tri-agent-provider', agent: false, registry, protocols: [triple()], server: { host: '127.0.0.1', port: 0 } });
    provider.provide(Streams, impl);
    provider.provide(StreamsG2, { echo: async (s) => `g2:${s}` });
    await provider.start();
    consumer = createMeshlet({ application: 'tri-agent-consumer', agent: agent.url, registry: false, protocols: [triple()] });
    streams = consumer.refer(Streams, { timeout: 10_000 });
    // The agent finds the provider in the local registry (its first read may come after ours).
    await waitFor(async () => (await streams.echo('warm')) === 'warm', 20_000, 'the first call through the agent');
  });
  after(async () => {
    await consumer?.stop(0);
    await provider?.stop(0);
    await agent?.stop('SIGKILL');
  });

  test('unary: exact values (4 MiB too), routed by version and group, a provider status with details relayed in its trailers; the agent counted them', async () => {
    assert.equal(await streams.echo('héllo ✓'), 'héllo ✓');
    const big = 'x'.repeat(4 * MiB);
    assert.equal(await streams.echo(big), big);
    assert.equal(await consumer.refer(StreamsG2, { timeout: 5000 }).echo('grouped'), 'g2:grouped');
    await assert.rejects(streams.fail('x'), (e) => {
      assert.ok(e instanceof RpcError, String(e));
      assert.equal(e.status, GrpcStatus.NOT_FOUND);
      assert.match(e.message, /no: x/);
      assert.deepEqual(statusDetailsOf(e).map((d) => [d.typeUrl, Buffer.from(d.value).toString()]), [['type.googleapis.com/meshlet.test.Why', 'why x']]);
      return true;
    });
    const counters = (await agent.status()).counters.egress.tri;
    assert.ok(counters.requests >= 4, JSON.stringify(counters));
  });

  test('server, client and bidi streams, exact and in order', async () => {
    const items = [];
    for await (const x of streams.count(1000)) items.push(x);
    assert.deepEqual(items, Array.from({ length: 1000 }, (_, i) => i));
    async function* numbers() {
      for (let i = 1; i <= 500; i++) yield i;
    }
    assert.equal(await streams.sum(numbers()), 125_250);
    // Interleaved: each answer arrives before the next line is sent.
    let answered;
    let waiting = Promise.resolve();
    async function* lines() {
      for (let i = 0; i < 20; i++) {
        await waiting;
        waiting = new Promise((r) => (answered = r));
        yield `l${i}`;
      }
    }
    const replies = [];
    for await (const r of streams.chat(lines())) {
      replies.push(r);
      answered();
    }
    assert.deepEqual(replies, Array.from({ length: 20 }, (_, i) => `re:l${i}`));
  });

  test('deadlines: the provider gets the time left (grpc-timeout re-encoded), a slow call fails TIMEOUT in time', async () => {
    const left = Number(await consumer.refer(Streams, { timeout: 3000 }).deadlineSeen());
    assert.ok(left > 1000 && left <= 3000, `provider saw ${left} ms left`);
    const t0 = Date.now();
    await assert.rejects(consumer.refer(Streams, { timeout: 300 }).slow(5000), (e) => e instanceof RpcError && e.code === Code.Timeout);
    assert.ok(Date.now() - t0 < 2500, `timed out after ${Date.now() - t0} ms`);
  });

  test('cancellation: a consumer that stops reading a stream resets it; the reset reaches the provider through the agent', async () => {
    const before = seen.countFinally;
    const got = [];
    for await (const x of streams.count(1_000_000)) {
      got.push(x);
      if (got.length === 50) break;
    }
    assert.equal(got.length, 50);
    await waitFor(() => seen.countFinally > before, 10_000, "the provider's generator to end");
    assert.equal(await streams.echo('after cancel'), 'after cancel');
  });

  test('flow control: a consumer that does not read holds the provider back; the agent buffers a bounded amount', async (t) => {
    const base = rss(agent.child.pid);
    const it = streams.blobs(2048, 64 * 1024)[Symbol.asyncIterator](); // 128 MiB if it all flowed
    const first = await it.next();
    assert.equal(first.value.length, 64 * 1024);
    // Stop reading; give the provider time to push all it can.
    await new Promise((r) => setTimeout(r, 1500));
    const produced = seen.produced;
    const grown = rss(agent.child.pid) - base;
    t.diagnostic(`provider produced ${produced} × 64 KiB while the consumer read 1; agent RSS +${(grown / MiB).toFixed(1)} MiB`);
    assert.ok(produced < 400, `the provider produced ${produced} × 64 KiB while the consumer read one`);
    assert.ok(grown < 64 * MiB, `agent RSS grew ${Math.round(grown / MiB)} MiB`);
    // Reading on, everything arrives.
    let n = 1;
    for (let r = await it.next(); !r.done; r = await it.next()) {
      assert.equal(r.value[0], n % 256);
      n++;
    }
    assert.equal(n, 2048);
  });

  test('flow control the other way: a provider that does not read a client stream holds the consumer back; the agent buffers a bounded amount', async (t) => {
    const base = rss(agent.child.pid);
    let pulled = 0;
    async function* blobs() {
      for (let i = 0; i < 2048; i++) {
        pulled = i + 1;
        yield Buffer.alloc(64 * 1024, i % 256);
      }
    }
    const result = streams.sink(blobs());
    await new Promise((r) => setTimeout(r, 1500));
    const held = pulled;
    const grown = rss(agent.child.pid) - base;
    t.diagnostic(`the consumer's iterable was pulled ${held} × 64 KiB while the provider read nothing; agent RSS +${(grown / MiB).toFixed(1)} MiB`);
    assert.ok(held < 400, `pulled ${held} × 64 KiB`);
    assert.ok(grown < 64 * MiB, `agent RSS grew ${Math.round(grown / MiB)} MiB`);
    openSink();
    assert.equal(await result, 2048);
  });

  test('a plain grpc-js client pointed at the agent (h2c, wrapped mode by hand) is relayed too', async () => {
    const client = new grpc.Client(`127.0.0.1:${agent.port}`, grpc.credentials.createInsecure());
    try {
      const req = encodeRequestWrapper({ serializeType: 'hessian4', args: [encode('from grpc-js', t.string)], argTypes: ['java.lang.String'] });
      const md = new grpc.Metadata();
      md.set('tri-service-version', '1.0');
      const rep = await new Promise((resolve, reject) => client.makeUnaryRequest('/com.meshlet.sidecar.TriStreams/echo', (b) => b, (b) => b, req, md, (e, r) => (e ? reject(e) : resolve(r))));
      assert.equal(decode(decodeResponseWrapper(rep).data, t.string), 'from grpc-js');
      // No such service: a typed status from the agent, not a hang.
      const err = await new Promise((resolve) => client.makeUnaryRequest('/com.meshlet.Nope/echo', (b) => b, (b) => b, req, new grpc.Metadata(), { deadline: Date.now() + 5000 }, (e) => resolve(e)));
      assert.ok(err && err.code !== grpc.status.OK && err.code !== grpc.status.DEADLINE_EXCEEDED, `got ${err?.code} ${err?.details}`);
      assert.match(err.details, /meshlet agent/);
    } finally {
      client.close();
    }
  });

  test('128 calls in flight through the agent, 16 KiB each, all exact; the API still answers on the same port', async () => {
    const body = (i) => `${i}:`.padEnd(16 * 1024, String.fromCharCode(97 + (i % 26)));
    const answers = await Promise.all(Array.from({ length: 128 }, (_, i) => streams.echo(body(i))));
    answers.forEach((a, i) => assert.equal(a, body(i)));
    const status = await fetch(`http://127.0.0.1:${agent.port}/status`).then((r) => r.json());
    assert.ok(status.counters.egress.tri.requests >= 128);
  });

  test('both apps in sidecar mode: the provider exports tri through the agent (published at its ingress), calls cross egress → ingress → the app', async () => {
    const SidecarEcho = defineService({ interface: 'com.meshlet.sidecar.TriSidecarEcho', version: '1.0', protocol: 'tri', methods: { echo: { params: [t.string], returns: t.string }, count: { params: [t.int32], returns: t.int32, stream: 'server' } } });
    const app = createMeshlet({ application: 'tri-sidecar-provider', agent: agent.url, registry: false, protocols: [triple()], server: { host: '127.0.0.1', port: 0 } });
    app.provide(SidecarEcho, {
      echo: async (s) => `via-ingress:${s}`,
      async *count(n) {
        for (let i = 0; i < n; i++) yield i;
      },
    });
    await app.start();
    try {
      const status = await agent.status();
      const published = status.published.find((p) => p.service.includes('TriSidecarEcho'));
      assert.ok(published, JSON.stringify(status.published));
      assert.equal(published.endpoint, `tri://127.0.0.1:${agent.ingressPort}`);
      const echo = consumer.refer(SidecarEcho, { timeout: 5000 });
      await waitFor(async () => (await echo.echo('x')) === 'via-ingress:x', 20_000, 'the call through egress and ingress');
      const items = [];
      for await (const x of echo.count(200)) items.push(x);
      assert.deepEqual(items, Array.from({ length: 200 }, (_, i) => i));
      const counters = (await agent.status()).counters;
      assert.ok(counters.ingress.tri.requests >= 2, JSON.stringify(counters.ingress));
    } finally {
      await app.stop(0);
    }
  });

  test("the agent's graceful stop (SIGTERM): a call and a stream in flight through it finish, then it exits 0", async () => {
    const own = await startAgent({ registry });
    const app = createMeshlet({ application: 'tri-agent-stop', agent: own.url, registry: false, protocols: [triple()] });
    try {
      const s = app.refer(Streams, { timeout: 10_000 });
      await waitFor(async () => (await s.echo('w')) === 'w', 20_000, 'the first call through the second agent');
      const slow = s.slow(800);
      const items = [];
      const stream = (async () => {
        for await (const x of s.count(3)) {
          items.push(x);
          await new Promise((r) => setTimeout(r, 300));
        }
      })();
      await new Promise((r) => setTimeout(r, 100));
      const exited = own.stop('SIGTERM');
      assert.equal(await slow, 'late');
      await stream;
      assert.deepEqual(items, [0, 1, 2]);
      assert.equal(await exited, 0);
    } finally {
      await app.stop(0);
      await own.stop('SIGKILL');
    }
  });

  // Last: it stops the provider.
  test('a provider that goes away mid-stream: the consumer gets a typed error at once, no hang; new calls fail typed too', async () => {
    const it = streams.count(10_000_000)[Symbol.asyncIterator]();
    assert.equal((await it.next()).value, 0);
    const t0 = Date.now();
    const stopped = provider.stop(0);
    await assert.rejects(async () => {
      for (let r = await it.next(); !r.done; r = await it.next());
    }, (e) => e instanceof RpcError);
    await stopped;
    assert.ok(Date.now() - t0 < 5000, `the stream ended ${Date.now() - t0} ms after the provider stopped`);
    await assert.rejects(consumer.refer(Streams, { timeout: 3000 }).echo('nobody'), (e) => e instanceof RpcError && e.code !== Code.Timeout);
  });
});
