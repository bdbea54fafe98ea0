// The generic call's pieces without a network: Java names to descriptors, values both ways, and
// the one-method definitions a GenericService refers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RpcError } from '../errors.js';
import type { ServiceDefinition } from '../service.js';
import { guessJavaType, typeOfJavaName } from './java-type.js';
import { genericService } from './service.js';
import { fromWire, toWire } from './values.js';

const JAVA_CLASS = Symbol.for('meshlet.hessian.javaClass');

test('Java type names map to the descriptors a typed call uses', () => {
  const cases: [string, string, string][] = [
    ['long', 'int64', 'long'], ['int', 'int32', 'int'], ['java.lang.Long', 'int64', 'java.lang.Long'],
    ['java.lang.String', 'string', 'java.lang.String'], ['int[]', 'array', '[I'], ['[J', 'array', '[J'],
    ['java.lang.String[]', 'array', '[Ljava.lang.String;'], ['[Ljava.lang.String;', 'array', '[Ljava.lang.String;'],
    ['byte[]', 'bytes', '[B'], ['java.util.List', 'list', 'java.util.List'], ['java.util.ArrayList', 'list', 'java.util.ArrayList'],
    ['java.util.Map<java.lang.String,java.lang.Long>', 'map', 'java.util.Map'], ['java.util.HashSet', 'set', 'java.util.HashSet'],
    ['java.lang.Object', 'any', 'java.lang.Object'], ['java.math.BigDecimal', 'decimal', 'java.math.BigDecimal'],
    ['com.acme.User', 'class', 'com.acme.User'], ['com.acme.User[]', 'array', '[Lcom.acme.User;'],
  ];
  for (const [name, kind, javaType] of cases) {
    const d = typeOfJavaName(name);
    assert.equal(d.kind, kind, name);
    assert.equal(d.javaType, javaType, name);
  }
  assert.equal(typeOfJavaName('java.lang.Integer').nullable, true);
  assert.equal(typeOfJavaName('int').nullable, false);
  assert.deepEqual(Object.keys(typeOfJavaName('com.acme.User', { class: 'com.acme.User', id: 1, name: 'a' }).fields!), ['id', 'name']);
  for (const bad of ['java lang', '', '[Q', 'a..b', '1abc']) {
    assert.throws(() => typeOfJavaName(bad), (e: unknown) => RpcError.is(e, 'INVALID_ARGUMENT'), bad);
  }
});

test('guessed types follow the JSON value kinds', () => {
  assert.deepEqual([1, 2 ** 31, 1.5, 5n, 'a', true, [1], {}, { class: 'com.acme.User' }, null].map(guessJavaType),
    ['int', 'long', 'double', 'long', 'java.lang.String', 'boolean', 'java.util.List', 'java.util.Map', 'com.acme.User', 'java.lang.Object']);
  assert.throws(() => guessJavaType(() => 1), (e: unknown) => RpcError.is(e, 'INVALID_ARGUMENT'));
});

test('values: longs exact, class keys to Java classes and back', () => {
  assert.equal(toWire(5, typeOfJavaName('long')), 5n);
  assert.equal(toWire('9007199254740993', typeOfJavaName('java.lang.Long')), 9007199254740993n);
  assert.throws(() => toWire(1.5, typeOfJavaName('long')), (e: unknown) => RpcError.is(e, 'SERIALIZATION'));
  const user = { class: 'com.acme.User', name: 'a', address: { class: 'com.acme.Address', city: 'x' } };
  const wire = toWire(user, typeOfJavaName('com.acme.User', user)) as Record<string | symbol, unknown>;
  assert.deepEqual(Object.keys(wire), ['name', 'address']);
  assert.equal((wire.address as Record<symbol, unknown>)[JAVA_CLASS], 'com.acme.Address');
  // Dubbo's $invoke keeps the `class` key: Java's PojoUtils rebuilds the POJO from it.
  assert.deepEqual(toWire(user, typeOfJavaName('com.acme.User', user), 'keep'), user);
  const decoded = Object.defineProperty({ id: 7n, tags: new Set(['a']), attrs: new Map([['k', 1]]) }, JAVA_CLASS, { value: 'com.acme.User' });
  assert.deepEqual(fromWire(decoded), { class: 'com.acme.User', id: 7n, tags: ['a'], attrs: { k: 1 } });
  assert.deepEqual(fromWire(new Map([[{ a: 1 }, 2]])), [[{ a: 1 }, 2]]);
});

test('a GenericService refers one definition per method and types, and checks its input', async () => {
  const referred: { definition: ServiceDefinition; attachments: unknown }[] = [];
  const service = genericService((definition, options) => {
    referred.push({ definition, attachments: options.attachments });
    return { call: async (...args: unknown[]) => new Map([['args', args]]) };
  }, { interface: 'com.acme.Echo', version: '1.0', attachments: { a: 'b' } });
  assert.deepEqual(await service.$invoke('add', ['long', 'int'], [1, 2]), { args: [1n, 2] });
  await service.$invoke('add', ['long', 'int'], [3, 4]);
  await service.$invoke('add', undefined, [3, 4]);
  assert.equal(referred.length, 2, 'same signature: one reference');
  const m = [...referred[0]!.definition.methods.values()][0]!;
  assert.equal(m.name, 'add');
  assert.equal(m.paramDescriptor, 'JI');
  assert.equal([...referred[1]!.definition.methods.values()][0]!.paramDescriptor, 'II');
  assert.equal(referred[0]!.definition.version, '1.0');
  assert.deepEqual(referred[0]!.attachments, { a: 'b' });
  await assert.rejects(service.$invoke('add', ['long'], [1, 2]), (e: unknown) => RpcError.is(e, 'INVALID_ARGUMENT'));
  await assert.rejects(service.$invoke('', [], []), (e: unknown) => RpcError.is(e, 'INVALID_ARGUMENT'));
});
