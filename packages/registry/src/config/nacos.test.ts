// The Nacos config source against a real Nacos-protocol server (r-nacos; see testing/nacos-server.ts).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Code, RpcError } from '@meshlet/core';
import { waitFor } from '../fixtures/helpers.js';
import { NacosServer, nacosServerMissing } from '../testing/index.js';
import { createConfigSource, hasConfigSource, NacosConfigSource } from './index.js';

describe('nacos config source against a real server', { skip: nacosServerMissing() }, () => {
  let server: NacosServer;
  const open: NacosConfigSource[] = [];
  const source = (query = ''): NacosConfigSource => {
    const s = createConfigSource(server.url(query)) as NacosConfigSource;
    open.push(s);
    return s;
  };

  before(async () => {
    // r-nacos 0.8.8 now and then panics while starting on an empty data dir (raftapply.rs:421, an
    // unwrap of None; seen 1 in 8 starts here): one more try on a fresh dir.
    server = await NacosServer.start().catch(() => NacosServer.start());
  });
  after(async () => {
    await Promise.allSettled(open.map((s) => s.close()));
    await server?.close();
  });

  test('data id = key, group dubbo by default: watchers hear a document written, changed, removed and written again', { timeout: 60_000 }, async (t) => {
    const writer = source();
    const reader = source();
    const key = 'demo.Echo:1.0.0:.condition-router';
    const seen: (string | undefined)[] = [];
    reader.watch(key, undefined, (c) => seen.push(c));
    await waitFor(() => seen.length === 1, 10_000, 'the first (absent) content');
    assert.deepEqual(seen, [undefined]);
    let t0 = performance.now();
    await writer.publish(key, undefined, 'conditions:\n  - => host = 1.2.3.4\n');
    await waitFor(() => seen.at(-1) === 'conditions:\n  - => host = 1.2.3.4\n', 10_000, 'the written content');
    t.diagnostic(`a write reached the watcher in ${(performance.now() - t0).toFixed(0)} ms (config long poll)`);
    await writer.publish(key, 'dubbo', 'v2 ✓');
    await waitFor(() => seen.at(-1) === 'v2 ✓', 10_000, 'the changed content');
    t0 = performance.now();
    await writer.remove(key, undefined);
    await waitFor(() => seen.length > 3 && seen.at(-1) === undefined, 10_000, 'the removal');
    t.diagnostic(`a removal reached the watcher in ${(performance.now() - t0).toFixed(0)} ms`);
    await writer.publish(key, undefined, 'v3');
    await waitFor(() => seen.at(-1) === 'v3', 10_000, 'the content written again');
    assert.deepEqual(seen, [undefined, 'conditions:\n  - => host = 1.2.3.4\n', 'v2 ✓', undefined, 'v3']);
    // Another group is another document; a late watcher gets the known content at once.
    const other: (string | undefined)[] = [];
    reader.watch(key, 'team-a', (c) => other.push(c));
    await waitFor(() => other.length === 1, 10_000, 'the other group');
    assert.deepEqual(other, [undefined]);
    const late: (string | undefined)[] = [];
    reader.watch(key, undefined, (c) => late.push(c));
    assert.deepEqual(late, ['v3']);
  });

  test('namespaces separate documents', { timeout: 30_000 }, async () => {
    const a = source('?namespace=ns-a');
    const b = source('?namespace=ns-b');
    await a.publish('orders.tag-router', undefined, 'in a');
    const seen: (string | undefined)[] = [];
    b.watch('orders.tag-router', undefined, (c) => seen.push(c));
    const inA: (string | undefined)[] = [];
    a.watch('orders.tag-router', undefined, (c) => inA.push(c));
    await waitFor(() => seen.length === 1 && inA.length === 1, 10_000, 'both reads');
    assert.deepEqual(seen, [undefined]);
    assert.deepEqual(inA, ['in a']);
  });
});

test('nacos:// has a config source; a bad key is a typed error', () => {
  assert.equal(hasConfigSource('nacos://127.0.0.1:8848'), true);
  const s = createConfigSource('nacos://127.0.0.1:1');
  assert.throws(() => s.watch('', undefined, () => {}), (e: unknown) => RpcError.is(e, Code.InvalidArgument));
  void s.close();
});
