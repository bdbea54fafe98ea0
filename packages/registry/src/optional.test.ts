import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importOptional } from './optional.js';

test('a missing optional package is an INVALID_ARGUMENT naming the install line', async () => {
  const load = () => import('meshlet-no-such-package' as string);
  await assert.rejects(importOptional(load, 'meshlet-no-such-package', '1.2.3', 'the thing'), {
    code: 'INVALID_ARGUMENT',
    message: 'the thing needs the optional package meshlet-no-such-package: npm install meshlet-no-such-package@1.2.3',
  });
});

test('an installed package loads, and other failures pass through unchanged', async () => {
  const zk = await importOptional(() => import('node-zookeeper-client'), 'node-zookeeper-client', '1.1.3', 'zk');
  assert.equal(typeof (zk as unknown as { default: { createClient: unknown } }).default.createClient, 'function');
  const boom = new Error('boom');
  await assert.rejects(importOptional(() => Promise.reject(boom), 'x', '1', 'x'), (e) => e === boom);
});
