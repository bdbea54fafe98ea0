import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetaCache } from './meta-cache.js';

const frame = (meta: string, at = 17) => Buffer.concat([Buffer.alloc(at, 0xee), Buffer.from(meta, 'latin1'), Buffer.from([0, 0, 0, 0])]);

test('meta cache: found by the exact bytes only; the entry is a copy (the socket chunk is reused)', () => {
  const cache = new MetaCache<string>(2);
  const a = frame('M_p\nx\nM_tmo\n100');
  cache.add(a, 17, a.length - 4, 'A');
  a.fill(0, 17); // the chunk reused for something else
  const again = frame('M_p\nx\nM_tmo\n100', 30);
  assert.equal(cache.find(again, 30, again.length - 4)?.value, 'A', 'same bytes at another offset');
  const other = frame('M_p\nx\nM_tmo\n101');
  assert.equal(cache.find(other, 17, other.length - 4), undefined, 'same length, one byte differs');
  const longer = frame('M_p\nx\nM_tmo\n1000');
  assert.equal(cache.find(longer, 17, longer.length - 4), undefined, 'a longer meta');
});

test('meta cache: replaced round-robin, cleared on demand, long metas not kept', () => {
  const cache = new MetaCache<number>(2);
  const f = [frame('a'), frame('b'), frame('c')];
  f.forEach((x, i) => cache.add(x, 17, x.length - 4, i));
  assert.equal(cache.find(f[0]!, 17, f[0]!.length - 4), undefined, 'the oldest went');
  assert.equal(cache.find(f[1]!, 17, f[1]!.length - 4)?.value, 1);
  assert.equal(cache.find(f[2]!, 17, f[2]!.length - 4)?.value, 2);
  cache.clear();
  assert.equal(cache.find(f[2]!, 17, f[2]!.length - 4), undefined);
  const big = frame('k\n' + 'v'.repeat(2000));
  cache.add(big, 17, big.length - 4, 9);
  assert.equal(cache.find(big, 17, big.length - 4), undefined);
});
