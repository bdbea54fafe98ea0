import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, RpcError, serializationById, serializationByName, t } from '@meshlet/core';
import { encode } from './one-shot.js';
import { hessian2Serialization, registerHessianSerialization } from './serialization.js';

const types = [t.int32, t.string, t.list(t.int64)];
const values = [7, 'seven', [1n, 2n]];

test('hessian2 is found by name and by each protocol\'s wire id once registered', () => {
  registerHessianSerialization();
  registerHessianSerialization(); // the package's setup may run twice
  assert.equal(serializationByName('hessian2'), hessian2Serialization);
  assert.equal(serializationById('dubbo', 2), hessian2Serialization);
  assert.equal(serializationById('bolt', 1), hessian2Serialization);
  assert.equal(serializationById('motan2', 0), hessian2Serialization);
});

test('values encode one after another, the same bytes as the one-shot encoder, and decode back', () => {
  const bytes = hessian2Serialization.encode(values, types);
  assert.deepEqual(Buffer.from(bytes), Buffer.concat(values.map((v, i) => encode(v, types[i]))));
  assert.deepEqual(hessian2Serialization.decode(bytes, types), values);
});

test('bad input is a SERIALIZATION RpcError', () => {
  const isSerialization = (e: unknown) => RpcError.is(e, Code.Serialization);
  assert.throws(() => hessian2Serialization.encode([1], types), isSerialization);
  assert.throws(() => hessian2Serialization.encode([2 ** 31, 'x', []], types), isSerialization);
  const bytes = hessian2Serialization.encode(values, types);
  assert.throws(() => hessian2Serialization.decode(bytes, types.slice(0, 2)), isSerialization, 'trailing bytes');
  assert.throws(() => hessian2Serialization.decode(bytes.subarray(0, bytes.length - 1), types), isSerialization, 'truncated');
});
