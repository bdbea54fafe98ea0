import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, RpcError } from '@meshlet/core';
import { consistentHash, keyOf } from './consistent-hash.js';
import { call, candidates, ep } from './test-support.js';

const hosts = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'];
const keys = Array.from({ length: 2000 }, (_, i) => `user-${i}`);

function owners(lb: ReturnType<typeof consistentHash>, set: ReturnType<typeof candidates>): string[] {
  return keys.map((k) => lb.pick(set, call('sayHello', [k])).endpoint.host);
}

test('the same key always goes to the same endpoint, and keys spread over all endpoints', () => {
  const lb = consistentHash();
  const set = candidates(hosts.map((h) => ep(h)));
  const first = owners(lb, set);
  assert.deepEqual(owners(lb, set), first);
  const counts = new Map<string, number>();
  for (const h of first) counts.set(h, (counts.get(h) ?? 0) + 1);
  assert.equal(counts.size, 5);
  for (const [h, n] of counts) assert.ok(n > 200 && n < 650, `${h} holds ${n} of 2000 keys`);
});

test('removing one endpoint moves only the keys it held', () => {
  const lb = consistentHash();
  const all = hosts.map((h) => ep(h));
  lb.update(all);
  const before = owners(lb, candidates(all));
  const rest = all.filter((e) => e.host !== '10.0.0.3');
  lb.update(rest);
  const after = owners(lb, candidates(rest));
  let moved = 0;
  before.forEach((h, i) => {
    if (h === '10.0.0.3') moved++;
    else assert.equal(after[i], h, `key ${keys[i]} moved from ${h} though its endpoint stayed`);
  });
  assert.ok(moved > 0);
  assert.ok(!after.includes('10.0.0.3'));
});

test('an endpoint left out of the candidates (breaker open) is stepped over like a ring without it, and gets its keys back', () => {
  const all = hosts.map((h) => ep(h));
  const lb = consistentHash();
  lb.update(all);
  const full = owners(lb, candidates(all));
  const without = candidates(all.filter((e) => e.host !== '10.0.0.2'));
  const stepped = owners(lb, without);
  const rebuilt = owners(consistentHash(), candidates(all.filter((e) => e.host !== '10.0.0.2')));
  assert.deepEqual(stepped, rebuilt);
  assert.deepEqual(owners(lb, candidates(all)), full);
});

test('the key is the chosen arguments, Java-formatted and concatenated (Dubbo hash.arguments)', () => {
  const byId = call('byId', [42n, 'eu']);
  assert.equal(keyOf(byId, [0]), '42');
  assert.equal(keyOf(byId, [1, 0]), 'eu42');
  assert.equal(keyOf(byId, [0, 5]), '42'); // out-of-range indexes are skipped, as Dubbo does
  assert.equal(keyOf(call('byScore', [3]), [0]), '3.0');
  assert.equal(keyOf(call('sayHello', [null]), [0]), 'null');
});

test('hash.arguments from options, else from the provider URL (method-level first)', () => {
  const set = candidates(hosts.map((h) => ep(h)));
  const onSecond = consistentHash({ arguments: [1] });
  const a = onSecond.pick(set, call('byId', [1n, 'k'])).endpoint.host;
  for (let i = 0n; i < 50n; i++) assert.equal(onSecond.pick(set, call('byId', [i, 'k'])).endpoint.host, a);
  const fromUrl = consistentHash();
  const urlSet = candidates(hosts.map((h) => ep(h, 20880, 100, { 'byId.hash.arguments': '1', 'hash.arguments': '0' })));
  const b = fromUrl.pick(urlSet, call('byId', [1n, 'k'])).endpoint.host;
  for (let i = 0n; i < 50n; i++) assert.equal(fromUrl.pick(urlSet, call('byId', [i, 'k'])).endpoint.host, b);
});

test('a custom key function replaces the argument rule', () => {
  const lb = consistentHash({ key: (inv) => inv.attachments.tenant ?? '' });
  const set = candidates(hosts.map((h) => ep(h)));
  const inv = (arg: string) => {
    const i = call('sayHello', [arg]);
    i.attachments.tenant = 't1';
    return i;
  };
  const h = lb.pick(set, inv('a')).endpoint.host;
  for (const arg of ['b', 'c', 'd', 'e']) assert.equal(lb.pick(set, inv(arg)).endpoint.host, h);
});

test('bad options are refused up front', () => {
  assert.throws(() => consistentHash({ nodes: 2 }), (e: unknown) => RpcError.is(e, Code.InvalidArgument));
  assert.throws(() => consistentHash({ arguments: [0.5] }), (e: unknown) => RpcError.is(e, Code.InvalidArgument));
});

test('unpaired surrogates hash as Java encodes them (as "?")', async () => {
  const { keyPoint } = await import('./hash-ring.js');
  assert.equal(keyPoint('a\ud83db'), keyPoint('a?b'));
  assert.equal(keyPoint('x\ude00'), keyPoint('x?'));
  assert.notEqual(keyPoint('😀'), keyPoint('??'));
});
