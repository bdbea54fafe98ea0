import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, RpcError } from './errors.js';
import type { Protocol } from './protocol.js';
import { ExportTable } from './runtime/exports.js';
import { createProxy } from './runtime/proxy.js';
import { defineService, methodDefinition } from './service.js';
import { t } from './types.js';

const Upload = defineService({
  interface: 'x.Upload',
  methods: {
    sum: { params: [t.int32], returns: t.int64, stream: 'client' },
    chat: { params: [t.string], returns: t.string, stream: 'bidi' },
    feed: { params: [t.int32], returns: t.int32, stream: true },
  },
});

async function* items<T>(...xs: T[]): AsyncIterable<T> {
  yield* xs;
}

test('stream kinds: true is server; client/bidi take one parameter and are never oneway', () => {
  const m = Upload.methods;
  assert.deepEqual([...m.values()].map((d) => [d.key, d.streaming, d.stream]), [['sum', 'client', false], ['chat', 'bidi', true], ['feed', 'server', true]]);
  assert.throws(() => methodDefinition('bad', { params: [t.int32, t.int32], stream: 'client' }), (e: unknown) => RpcError.is(e, Code.InvalidArgument));
  assert.throws(() => methodDefinition('bad', { params: [t.int32], stream: 'bidi', oneway: true }), (e: unknown) => RpcError.is(e, Code.InvalidArgument));
  assert.throws(() => methodDefinition('bad', { params: [t.int32], stream: 'sideways' as never }), (e: unknown) => RpcError.is(e, Code.InvalidArgument));
});

test('a protocol with server streams only: client and bidi calls are refused unsent, with UNSUPPORTED', async () => {
  let sent = 0;
  const proxy = createProxy(Upload, async () => {
    sent++;
    return items(1);
  }, { timeout: 1000, streams: true }) as Record<string, (...a: unknown[]) => any>;
  await assert.rejects(proxy.sum!(items(1, 2)), (e: unknown) => RpcError.is(e, Code.Unsupported) && /client streams/.test(e.message));
  await assert.rejects(proxy.chat!(items('a'))[Symbol.asyncIterator]().next(), (e: unknown) => RpcError.is(e, Code.Unsupported));
  assert.equal(sent, 0);
  // Server streams still go.
  assert.deepEqual((await proxy.feed!(1)[Symbol.asyncIterator]().next()).value, 1);
  const all = createProxy(Upload, async () => 3n, { timeout: 1000, streams: 'all' }) as Record<string, (...a: unknown[]) => any>;
  assert.equal(await all.sum!(items(1, 2)), 3n);
});

test('exported on a protocol without client streams: client and bidi methods answer UNSUPPORTED, the rest run', async () => {
  const table = new ExportTable([]);
  const proto = { name: 'p', streams: true } as unknown as Protocol;
  const impl = {
    sum: async (xs: AsyncIterable<number>) => {
      let s = 0n;
      for await (const x of xs) s += BigInt(x);
      return s;
    },
    chat: async function* (xs: AsyncIterable<string>) {
      for await (const x of xs) yield x;
    },
    feed: async function* () {
      yield 1;
    },
  };
  table.add(Upload, impl, [proto]);
  const h = table.handlerFor('p');
  for (const name of ['sum', 'chat']) {
    const ex = h.resolve({ interface: 'x.Upload' }, name);
    await assert.rejects(ex.invoke({ service: Upload, method: ex.method, args: [items(1)], attachments: {}, deadline: Infinity }), (e: unknown) => RpcError.is(e, Code.Unsupported));
  }
  const feed = h.resolve({ interface: 'x.Upload' }, 'feed');
  assert.ok(await feed.invoke({ service: Upload, method: feed.method, args: [1], attachments: {}, deadline: Infinity }));
});
