import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskPassword } from './target.js';

test('registry URLs on the status page keep no password', () => {
  assert.equal(maskPassword('redis://:s3cret@10.0.0.1:6379'), 'redis://:***@10.0.0.1:6379');
  assert.equal(maskPassword('redis://user:p@ss:w0rd@host:6379/0'), 'redis://user:***@host:6379/0');
  assert.equal(maskPassword('zookeeper://10.0.0.1:2181,10.0.0.2:2181'), 'zookeeper://10.0.0.1:2181,10.0.0.2:2181');
  assert.equal(maskPassword('local'), 'local');
});
