import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Code, RpcError, defineService, t, type Meshlet } from '@meshlet/core';
import { consumer, provider, sleep, until } from './testing.fixture.js';

const Streams = defineService({
  interface: 'com.meshlet.test.Streams',
  methods: {
    sum: { params: [t.int32], returns: t.int64, stream: 'client', timeout: 30_000 },
    slowSum: { params: [t.int32], returns: t.int64, stream: 'client', timeout: 30_000 },
    echo: { params: [t.string], returns: t.string, stream: 'bidi', timeout: 30_000 },
    failAfter: { params: [t.int32], returns: t.int32, stream: 'client' },
    hang: { params: [t.int32], returns: t.int32, stream: 'bidi' },
  },
});

const state = { hangStopped: false, slowRead: 0 };

const impl = {
  async sum(xs: AsyncIterable<number>) {
    let s = 0n;
    for await (const x of xs) s += BigInt(x);
    return s;
  },
  async slowSum(xs: AsyncIterable<number>) {
    let s = 0n;
    state.slowRead = 0;
    for await (const x of xs) {
      state.slowRead++;
      s += BigInt(x);
      if (state.slowRead === 10) await sleep(300);
    }
    return s;
  },
  async *echo(xs: AsyncIterable<string>) {
    for await (const x of xs) yield x.toUpperCase();
  },
  async failAfter(xs: AsyncIterable<number>) {
    for await (const x of xs) if (x === 3) throw new RpcError(Code.Business, 'three is too many');
    return 0;
  },
  async *hang(xs: AsyncIterable<number>) {
    try {
      for await (const x of xs) yield x;
    } finally {
      state.hangStopped = true;
    }
  },
};

const open: Meshlet[] = [];
after(async () => {
  await Promise.all(open.map((m) => m.stop(0)));
});

async function setup() {
  const p = await provider([[Streams, impl]]);
  const c = consumer();
  open.push(p.mesh, c);
  return c.refer(Streams, { url: p.url });
}

async function* range(n: number, counter?: { pulled: number }) {
  for (let i = 0; i < n; i++) {
    if (counter) counter.pulled++;
    yield i;
  }
}

test('client streaming: many items in, one result out', async () => {
  const s = await setup();
  assert.equal(await s.sum(range(10_000)), 49_995_000n);
  assert.equal(await s.sum(range(0)), 0n);
});

test('client streaming flow control: a provider that reads slowly stops the consumer pulling', async () => {
  const s = await setup();
  const counter = { pulled: 0 };
  const result = s.slowSum(range(200_000, counter));
  await until(() => state.slowRead >= 10);
  await sleep(150);
  // Bounded by the HTTP/2 windows and the provider's 16-item queue, far below the 200,000 items.
  assert.ok(counter.pulled < 50_000, `consumer pulled ${counter.pulled} items while the provider read ${state.slowRead}`);
  assert.equal(await result, 19_999_900_000n);
});

test('bidi streaming: answers interleave with requests', async () => {
  const s = await setup();
  const got: string[] = [];
  for await (const x of s.echo((async function* () {
    for (const w of ['a', 'b', 'c']) yield w;
  })())) got.push(x);
  assert.deepEqual(got, ['A', 'B', 'C']);
});

test('a provider failing mid-stream reaches the consumer', async () => {
  const s = await setup();
  await assert.rejects(s.failAfter(range(100)), (e: unknown) => RpcError.is(e, Code.Business) && e.message === 'three is too many');
});

test('a consumer breaking out of a bidi stream cancels the provider', async () => {
  const s = await setup();
  state.hangStopped = false;
  async function* forever() {
    for (let i = 0; ; i++) {
      yield i;
      await sleep(5);
    }
  }
  let n = 0;
  for await (const _ of s.hang(forever())) if (++n === 5) break;
  await until(() => state.hangStopped);
});

test('a failing request iterable cancels the call', async () => {
  const s = await setup();
  async function* broken() {
    yield 1;
    throw new Error('source broke');
  }
  await assert.rejects(s.sum(broken()), (e: unknown) => RpcError.is(e, Code.Cancelled) && /source broke/.test(e.message));
});

test('the consumer deadline expiring mid-stream: items first, then TIMEOUT, and the provider stops', async () => {
  const Slow = defineService({ interface: 'com.meshlet.test.SlowFeed', methods: { ticks: { params: [], returns: t.int32, stream: true, timeout: 300 } } });
  let stopped = false;
  const p = await provider([[Slow, {
    async *ticks() {
      try {
        for (let i = 0; ; i++) {
          yield i;
          await sleep(20);
        }
      } finally {
        stopped = true;
      }
    },
  }]]);
  const c = consumer();
  open.push(p.mesh, c);
  const feed = c.refer(Slow, { url: p.url });
  let got = 0;
  await assert.rejects((async () => {
    for await (const _ of feed.ticks()) got++;
  })(), (e: unknown) => RpcError.is(e, Code.Timeout));
  assert.ok(got > 2, `items before the deadline: ${got}`);
  await until(() => stopped);
});
