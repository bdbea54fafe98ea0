import assert from 'node:assert/strict';
import { test } from 'node:test';
import { t } from '@meshlet/core';
import { javaDouble, javaFloat, javaString } from './java-string.js';

test('doubles print as Java prints them', () => {
  const cases: [number, string][] = [
    [1, '1.0'], [100, '100.0'], [1.5, '1.5'], [0.1, '0.1'], [0.001, '0.001'], [1e-4, '1.0E-4'], [1.234e-5, '1.234E-5'],
    [1e7, '1.0E7'], [9999999, '9999999.0'], [123456.789, '123456.789'], [1e21, '1.0E21'], [-2.5e-3, '-0.0025'],
    [0, '0.0'], [-0, '-0.0'], [NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity'],
  ];
  for (const [d, s] of cases) assert.equal(javaDouble(d), s, String(d));
});

test('floats print with the fewest digits that read back as the same float', () => {
  assert.equal(javaFloat(0.1), '0.1');
  assert.equal(javaFloat(1 / 3), '0.33333334');
  assert.equal(javaFloat(1e8), '1.0E8');
  assert.equal(javaFloat(2.5), '2.5');
});

test('values by descriptor: integers, longs, booleans, null, lists', () => {
  assert.equal(javaString(42, t.int32), '42');
  assert.equal(javaString(2n ** 62n, t.int64), '4611686018427387904');
  assert.equal(javaString(3, t.float64), '3.0');
  assert.equal(javaString(3, t.any), '3');
  assert.equal(javaString(3.25, t.any), '3.25');
  assert.equal(javaString(true), 'true');
  assert.equal(javaString(null), 'null');
  assert.equal(javaString(undefined), 'null');
  assert.equal(javaString(['a', null, 'b'], t.list(t.string)), '[a, null, b]');
  assert.equal(javaString([1.5, 2], t.list(t.float64)), '[1.5, 2.0]');
  assert.equal(javaString([], t.list(t.int32)), '[]');
});

test('values Java cannot print reproducibly still give a stable key', () => {
  assert.equal(javaString({ id: 1n, name: 'x' }), '{"id":"1","name":"x"}');
  assert.equal(javaString(new Map([['a', 1]])), '[["a",1]]');
});
