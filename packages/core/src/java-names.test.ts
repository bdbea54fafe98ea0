import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fromJvmDescriptor, splitJvmDescriptors, toJvmDescriptor } from './java-names.js';
import { RpcError } from './errors.js';
import { t } from './types.js';
import { methodDefinition } from './service.js';

test('JVM descriptors split by grammar, not by ";"', () => {
  assert.deepEqual(splitJvmDescriptors('ILjava/lang/String;[J'), ['I', 'Ljava/lang/String;', '[J']);
  assert.deepEqual(splitJvmDescriptors('[[Ljava/lang/String;ZB'), ['[[Ljava/lang/String;', 'Z', 'B']);
  assert.deepEqual(splitJvmDescriptors(''), []);
  for (const bad of ['L', 'Ljava/lang/String', 'X', '[', 'L;', 'V']) {
    assert.throws(() => splitJvmDescriptors(bad), RpcError, bad);
  }
});

test('class names and descriptors convert both ways', () => {
  const pairs = [['int', 'I'], ['long', 'J'], ['java.lang.String', 'Ljava/lang/String;'], ['[J', '[J'], ['[Ljava.lang.String;', '[Ljava/lang/String;']];
  for (const [name, desc] of pairs) {
    assert.equal(toJvmDescriptor(name!), desc);
    assert.equal(fromJvmDescriptor(desc!), name);
  }
});

test('method definitions precompute Dubbo and SOFA signatures from descriptors', () => {
  const m = methodDefinition('f', { params: [t.int32, t.string, t.array(t.int64), t.nullable(t.int32), t.list(t.string), t.bytes] });
  assert.equal(m.paramDescriptor, 'ILjava/lang/String;[JLjava/lang/Integer;Ljava/util/List;[B');
  assert.deepEqual(m.paramTypes, ['int', 'java.lang.String', '[J', 'java.lang.Integer', 'java.util.List', '[B']);
});

test('property: any sequence of descriptors splits back into itself', () => {
  const one = fc.oneof(
    fc.constantFrom('I', 'J', 'Z', 'B', 'S', 'C', 'F', 'D'),
    fc.stringMatching(/^[a-z][a-z0-9]{0,6}(\/[A-Za-z][A-Za-z0-9$]{0,8}){0,3}$/).map((n) => `L${n};`),
  );
  const desc = fc.tuple(fc.nat(3), one).map(([dims, d]) => '['.repeat(dims) + d);
  fc.assert(fc.property(fc.array(desc, { maxLength: 8 }), (parts) => {
    assert.deepEqual(splitJvmDescriptors(parts.join('')), parts);
  }));
});

test('fuzz: arbitrary strings split or throw RpcError, nothing else', () => {
  fc.assert(fc.property(fc.string({ maxLength: 40 }), (s) => {
    try {
      splitJvmDescriptors(s);
    } catch (err) {
      assert.ok(err instanceof RpcError);
    }
  }), { numRuns: 2000 });
});
