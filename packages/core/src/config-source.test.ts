import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG_GROUP, MemoryConfigSource, configGroup } from './config-source.js';

test('memory config source: current content at once, then each change, per key and group', async () => {
  const src = new MemoryConfigSource();
  src.set('a.condition-router', undefined, 'v1');
  const seen: (string | undefined)[] = [];
  const other: (string | undefined)[] = [];
  const stop = src.watch('a.condition-router', 'dubbo', (c) => seen.push(c));
  src.watch('a.condition-router', 'other', (c) => other.push(c));
  assert.deepEqual(seen, ['v1']);
  assert.deepEqual(other, [undefined]);
  src.set('a.condition-router', DEFAULT_CONFIG_GROUP, 'v2');
  src.set('a.condition-router', '', 'v2'); // unchanged: not delivered again
  await src.remove('a.condition-router', undefined);
  assert.deepEqual(seen, ['v1', 'v2', undefined]);
  stop();
  await src.publish('a.condition-router', undefined, 'v3');
  assert.deepEqual(seen, ['v1', 'v2', undefined]);
  assert.equal(src.get('a.condition-router'), 'v3');
  assert.deepEqual(other, [undefined]);
  await src.close();
});

test('memory config source: a throwing listener does not keep the change from the others', async () => {
  const src = new MemoryConfigSource();
  const warnings: string[] = [];
  const onWarning = (w: Error & { code?: string }) => warnings.push(w.code ?? '');
  process.on('warning', onWarning);
  try {
    const seen: (string | undefined)[] = [];
    src.watch('k', undefined, (c) => { if (c === 'boom') throw new Error('listener bug'); });
    src.watch('k', undefined, (c) => seen.push(c));
    src.set('k', undefined, 'boom');
    assert.deepEqual(seen, [undefined, 'boom']);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(warnings, ['MESHLET_CONFIG_LISTENER_THREW']);
  } finally {
    process.off('warning', onWarning);
  }
  assert.equal(configGroup(undefined), 'dubbo');
  assert.equal(configGroup('g'), 'g');
});
