import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  Code, RpcError, createRuntime, currentCall, defineService, t,
  type Meshlet, type Protocol, type ProtocolClient, type ProtocolServer,
} from '@meshlet/core';
import { ROUTING_MIME, encodeEntry, encodeRoute } from './composite-metadata.js';
import { consumer, provider, rawClient, sleep, until } from './testing.fixture.js';
import type { ReceivedPayload } from './rsocket-lib.js';

const Feed = defineService({
  interface: 'com.meshlet.test.Feed',
  methods: {
    count: { params: [t.int32], returns: t.int32, stream: true, timeout: 60_000 },
    forever: { params: [], returns: t.int64, stream: true },
    broken: { params: [t.int32], returns: t.string, stream: true },
    slow: { params: [], returns: t.int32, stream: true },
    single: { params: [t.string], returns: t.string },
    deadlineSeen: { params: [], returns: t.int64, stream: true },
  },
});

const state = { produced: 0, foreverProduced: 0, foreverStopped: false, slowStopped: false };

const impl = {
  async *count(n: number) {
    for (let i = 0; i < n; i++) {
      state.produced++;
      yield i;
    }
  },
  async *forever() {
    try {
      for (let i = 0n; ; i++) {
        state.foreverProduced++;
        yield i;
      }
    } finally {
      state.foreverStopped = true;
    }
  },
  async *broken(n: number) {
    for (let i = 0; i < n; i++) yield `item ${i}`;
    throw Object.assign(new Error('ran dry'), { javaClass: 'java.io.IOException' });
  },
  async *slow() {
    try {
      for (let i = 0; ; i++) {
        await sleep(40);
        yield i;
      }
    } finally {
      state.slowStopped = true;
    }
  },
  single: (s: string) => s.toUpperCase(),
  async *deadlineSeen() {
    // The generator body runs in the call's context: nested calls would inherit this deadline.
    yield BigInt(Math.round(currentCall()!.deadline - Date.now()));
  },
};

const WINDOW = 64;
const open: Meshlet[] = [];
after(async () => {
  await Promise.all(open.map((m) => m.stop(0)));
});

async function setup() {
  const p = await provider([[Feed, impl]]);
  const c = consumer({ rsocket: { streamWindow: WINDOW } });
  open.push(p.mesh, c);
  return { ...p, feed: c.refer(Feed, { url: p.url, timeout: 10_000 }) };
}

test('100,000 items with back-pressure: the producer waits for request-n', async () => {
  const { feed } = await setup();
  state.produced = 0;
  let consumed = 0;
  let maxAhead = 0;
  for await (const item of feed.count(100_000)) {
    assert.equal(item, consumed);
    consumed++;
    maxAhead = Math.max(maxAhead, state.produced - consumed);
    if (consumed === 1_000) {
      // A slow consumer: the producer must stop at most one window ahead, not run on.
      await sleep(200);
      const ahead = state.produced - consumed;
      assert.ok(ahead <= WINDOW, `producer ran ${ahead} items ahead of a paused consumer (window ${WINDOW})`);
    }
  }
  assert.equal(consumed, 100_000);
  assert.equal(state.produced, 100_000);
  assert.ok(maxAhead <= WINDOW, `producer was up to ${maxAhead} items ahead (window ${WINDOW})`);
});

test('a cancelled stream stops the producer', async () => {
  const { feed } = await setup();
  state.foreverProduced = 0;
  state.foreverStopped = false;
  let got = 0;
  for await (const item of feed.forever()) {
    assert.equal(item, BigInt(got));
    if (++got === 10) break;
  }
  await until(() => state.foreverStopped);
  const at = state.foreverProduced;
  assert.ok(at <= 10 + WINDOW, `produced ${at} items for a consumer that took 10`);
  await sleep(100);
  assert.equal(state.foreverProduced, at, 'the producer went on after cancel');
});

test('a producer failure reaches the consumer after the items before it', async () => {
  const { feed } = await setup();
  const got: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const item of feed.broken(3)) got.push(item);
    })(),
    (e: unknown) => RpcError.is(e, Code.Business) && e.message === 'ran dry' && e.remoteClass === 'java.io.IOException',
  );
  assert.deepEqual(got, ['item 0', 'item 1', 'item 2']);
});

test('the deadline covers the whole stream; the provider stops when the caller gives up', async () => {
  const p = await provider([[Feed, impl]]);
  const c = consumer();
  open.push(p.mesh, c);
  state.slowStopped = false;
  const feed = c.refer(Feed, { url: p.url, timeout: 300 });
  const got: number[] = [];
  await assert.rejects(
    (async () => {
      for await (const item of feed.slow()) got.push(item);
    })(),
    (e: unknown) => RpcError.is(e, Code.Timeout),
  );
  assert.ok(got.length < 10, String(got.length));
  await until(() => state.slowStopped);
  const seen = await c.refer(Feed, { url: p.url, timeout: 4000 }).deadlineSeen()[Symbol.asyncIterator]().next();
  assert.ok((seen.value as bigint) > 2000n && (seen.value as bigint) <= 4000n, String(seen.value));
});

test('streams are cold: nothing is sent until iteration, and each iteration is a new call', async () => {
  const { feed } = await setup();
  state.produced = 0;
  const stream = feed.count(3);
  await sleep(50);
  assert.equal(state.produced, 0);
  const twice: number[] = [];
  for await (const x of stream) twice.push(x);
  for await (const x of stream) twice.push(x);
  assert.deepEqual(twice, [0, 1, 2, 0, 1, 2]);
});

test('request-stream to a method that is not a stream answers one item (as Spring does)', async () => {
  const { port } = await setup();
  const raw = await rawClient(port);
  const items: string[] = [];
  await new Promise<void>((resolve, reject) => raw.requestStream({ data: '"abc"', metadata: encodeEntry(ROUTING_MIME, encodeRoute('com.meshlet.test.Feed.single')) }).subscribe({
    onSubscribe: (s) => s.request(10),
    onNext: (p: ReceivedPayload) => items.push(p.data!.toString()),
    onComplete: resolve,
    onError: reject,
  }));
  assert.deepEqual(items, ['"ABC"']);
  raw.close();
});

test('the client proxy refuses a protocol that answers a stream method with one value', async () => {
  const single: Protocol = {
    name: 'single',
    defaultPort: 1,
    createClient: (ep): ProtocolClient => ({ endpoint: ep, available: true, invoke: async () => 42, close: async () => {} }),
    createServer: (): ProtocolServer => { throw new Error('unused'); },
    toUrl: () => '',
    fromUrl: () => undefined,
  };
  const mesh = createRuntime({ protocols: [single] });
  open.push(mesh);
  const feed = mesh.refer(Feed, { url: 'single://127.0.0.1:1' });
  await assert.rejects(feed.count(1)[Symbol.asyncIterator]().next(), (e: unknown) => RpcError.is(e, Code.Unsupported) && /does not carry streams/.test(e.message));
});
