// The ZooKeeper config source against a real ZooKeeper, with the nodes written as Dubbo writes them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Code, RpcError } from '@meshlet/core';
import { waitFor } from '../fixtures/helpers.js';
import { RawZooKeeper, ZooKeeperServer } from '../testing/index.js';
import { createConfigSource, hasConfigSource, ZookeeperConfigSource } from './index.js';

let server: ZooKeeperServer;
let raw: RawZooKeeper;
const open: ZookeeperConfigSource[] = [];
function source(query = '?session=2000&timeout=2000'): ZookeeperConfigSource {
  const s = createConfigSource(`${server.url}${query}`) as ZookeeperConfigSource;
  open.push(s);
  return s;
}

before(async () => {
  server = await ZooKeeperServer.start({ tickTime: 200 });
  raw = await RawZooKeeper.connect(server.connectString);
});
after(async () => {
  raw?.close();
  await Promise.allSettled(open.map((s) => s.close()));
  await server?.close();
});

test('a document is /dubbo/config/{group}/{key}; watchers hear it written, changed, removed and written again', async () => {
  const writer = source();
  const reader = source();
  const key = 'demo.Echo:1.0.0:.condition-router';
  assert.equal(writer.path(key), '/dubbo/config/dubbo/demo.Echo:1.0.0:.condition-router');
  const seen: (string | undefined)[] = [];
  const stop = reader.watch(key, undefined, (c) => seen.push(c));
  await waitFor(() => seen.length === 1, 5000, 'the first (absent) content');
  assert.deepEqual(seen, [undefined]);
  await writer.publish(key, undefined, 'conditions:\n  - => host = 1.2.3.4\n');
  // Written where Java's ZookeeperDynamicConfiguration reads it, as UTF-8 node data.
  assert.equal((await raw.data(`/dubbo/config/dubbo/${key}`)).toString('utf8'), 'conditions:\n  - => host = 1.2.3.4\n');
  await waitFor(() => seen.at(-1) === 'conditions:\n  - => host = 1.2.3.4\n', 5000, 'the written content');
  await writer.publish(key, 'dubbo', 'v2 ✓');
  await waitFor(() => seen.at(-1) === 'v2 ✓', 5000, 'the changed content');
  await writer.remove(key, undefined);
  await waitFor(() => seen.length > 3 && seen.at(-1) === undefined, 5000, 'the removal');
  await writer.publish(key, undefined, 'v3');
  await waitFor(() => seen.at(-1) === 'v3', 5000, 'the content written again');
  assert.deepEqual(seen, [undefined, 'conditions:\n  - => host = 1.2.3.4\n', 'v2 ✓', undefined, 'v3']);
  // A second watcher of the same node gets the known content at once.
  const late: (string | undefined)[] = [];
  const stopLate = reader.watch(key, undefined, (c) => late.push(c));
  assert.deepEqual(late, ['v3']);
  stop();
  stopLate();
  await writer.publish(key, undefined, 'v4');
  await writer.remove(key, undefined);
  assert.deepEqual(seen, [undefined, 'conditions:\n  - => host = 1.2.3.4\n', 'v2 ✓', undefined, 'v3']);
});

test('a node another client (Java, dubbo-admin) creates is seen; groups are separate directories', async () => {
  const reader = source();
  const seen: (string | undefined)[] = [];
  reader.watch('orders.tag-router', 'team-a', (c) => seen.push(c));
  await waitFor(() => seen.length === 1, 5000, 'the first read');
  await raw.create('/dubbo/config/team-a/orders.tag-router', Buffer.from('tags: []'), false);
  await waitFor(() => seen.at(-1) === 'tags: []', 5000, 'the node created by another client');
  assert.deepEqual(seen, [undefined, 'tags: []']);
});

test('ZooKeeper down: the last content stays; back up: changes made meanwhile arrive', { timeout: 60_000 }, async () => {
  const writer = source();
  const reader = source('?session=4000&timeout=1000');
  const key = 'outage.condition-router';
  await writer.publish(key, undefined, 'before');
  const seen: (string | undefined)[] = [];
  reader.watch(key, undefined, (c) => seen.push(c));
  await waitFor(() => seen.length === 1, 5000, 'the first read');
  await server.stop();
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual(seen, ['before'], 'an outage is not a removal');
  await server.restart();
  await writer.publish(key, undefined, 'after');
  await waitFor(() => seen.at(-1) === 'after', 20_000, 'the content written after the restart');
});

test('bad keys and schemes are typed errors', () => {
  const s = source();
  for (const bad of ['', 'a/b', '..']) {
    assert.throws(() => s.watch(bad, undefined, () => {}), (e: unknown) => RpcError.is(e, Code.InvalidArgument));
  }
  assert.throws(() => createConfigSource('redis://127.0.0.1:6379'), (e: unknown) => RpcError.is(e, Code.InvalidArgument));
  assert.equal(hasConfigSource('zookeeper://127.0.0.1:2181'), true);
  assert.equal(hasConfigSource('local'), false);
});
