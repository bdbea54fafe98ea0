// Adversarial inputs: each is a Serialization RpcError (or a safe value), never a crash, a hang,
// an allocation beyond the input, or a prototype change.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { Code, t } from '@meshlet/core';
import { HessianReader, HessianWriter, decode, encode, javaClassOf, javaObject, typed } from './index.js';

const hex = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');
const isSerialization = { code: Code.Serialization, name: 'RpcError' };

test('truncated input at every position is a Serialization error', () => {
  const w = new HessianWriter();
  w.reset();
  w.writeValue(new Map<unknown, unknown>([['k', [1, 2n, 'x'.repeat(40), 1.25, new Date(5), Buffer.from('abc')]], [7, javaObject('com.x.A', { a: 'é😀' })]]));
  const full = w.finishCopy();
  for (let n = 0; n < full.length; n++) {
    assert.throws(() => decode(full.subarray(0, n)), isSerialization, `prefix of ${n} bytes`);
  }
  assert.ok(decode(full) instanceof Map);
});

test('unknown tags are reported with their offset', () => {
  for (const tag of [0x40, 0x45, 0x47, 0x50, 0x5a]) {
    assert.throws(() => decode(Buffer.from([tag])), (err: Error) => isSerialization.code === (err as { code?: string }).code && /unknown tag|offset 0/.test(err.message));
  }
});

test('lengths beyond the input are refused before allocating', () => {
  // 'X' (fixed untyped list) of length 2^31-1; 'V' typed list; 'C' with a huge field count; a 1023-byte binary in 3 bytes.
  for (const h of ['58 49 7fffffff 90', '56 04 5b696e74 49 7fffffff', '43 01 41 49 7fffffff', '37 ff 00', '53 ffff 41', '52 ffff 41', '41 ffff 00']) {
    assert.throws(() => decode(hex(h)), isSerialization, h);
  }
  assert.throws(() => decode(hex('58 49 80000000')), isSerialization, 'negative length');
});

test('bad references and class indexes', () => {
  assert.throws(() => decode(hex('51 90')), /back-reference 0 out of range/);
  assert.throws(() => decode(hex('7a 91 51 95')), /back-reference 5/);
  assert.throws(() => decode(hex('60')), /class definition 0/);
  assert.throws(() => decode(hex('4f 95')), /class definition 5/);
  assert.throws(() => decode(hex('71 95 90')), /type reference 5/);
  assert.throws(() => decode(hex('51 4e')), isSerialization);
});

test('nesting deeper than maxDepth is refused; deep but allowed nesting decodes', () => {
  const deep = Buffer.alloc(100000, 0x79); // list of one list of one list ...
  assert.throws(() => decode(deep), /maxDepth/);
  const ok = Buffer.concat([Buffer.alloc(200, 0x79), Buffer.from([0x4e])]);
  let v = decode(ok);
  for (let i = 0; i < 200; i++) v = (v as unknown[])[0];
  assert.equal(v, null);
  assert.throws(() => decode(ok, undefined, { maxDepth: 100 }), /maxDepth 100/);
  // The writer refuses too (instead of overflowing the stack).
  let nested: unknown = null;
  for (let i = 0; i < 1000; i++) nested = [nested];
  assert.throws(() => encode(nested), /maxDepth/);
  // Chains of class definitions are consumed iteratively, not recursively.
  const defs = Buffer.concat([...Array.from({ length: 20000 }, () => hex('43 01 41 90')), Buffer.from([0x4e])]);
  assert.equal(decode(defs), null);
});

test('__proto__ and constructor keys never touch a prototype', () => {
  const before = Object.getPrototypeOf({});
  // Class with fields __proto__ and constructor: C "X" 2 "__proto__" "constructor" O#0 {polluted:1} "c".
  const obj = decode(hex('43 01 58 92 09 5f5f70726f746f5f5f 0b 636f6e7374727563746f72 60 48 08 706f6c6c75746564 91 5a 01 63')) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(obj), Object.prototype);
  assert.ok(Object.hasOwn(obj, '__proto__'));
  assert.deepEqual(obj['__proto__'], new Map([['polluted', 1]]));
  assert.equal(obj.constructor, 'c');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf({}), before);
  // Typed: a declared __proto__ field is an own property; an undeclared one is dropped.
  const desc = t.object('X', { constructor: t.string });
  const typed = decode(hex('43 01 58 92 09 5f5f70726f746f5f5f 0b 636f6e7374727563746f72 60 48 08 706f6c6c75746564 91 5a 01 63'), desc) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(typed), Object.prototype);
  assert.ok(!Object.hasOwn(typed, '__proto__'));
  assert.equal(typed.constructor, 'c');
  // Map keys stay inside the Map.
  const m = decode(hex('48 09 5f5f70726f746f5f5f 48 5a 5a')) as Map<string, unknown>;
  assert.ok(m instanceof Map && m.has('__proto__'));
  // Typed class read from an H map with a __proto__ key.
  const fromMap = decode(hex('48 09 5f5f70726f746f5f5f 48 5a 0b 636f6e7374727563746f72 01 63 5a'), desc) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(fromMap), Object.prototype);
  assert.equal(fromMap.constructor, 'c');
});

test('invalid UTF-8 inside strings is a Serialization error', () => {
  assert.throws(() => decode(hex('01 c3 28')), /invalid UTF-8/);
  assert.throws(() => decode(hex('01 ff')), /invalid UTF-8/);
  assert.throws(() => decode(hex('01 e2 82')), isSerialization);
  // Standard 4-byte UTF-8 is accepted as two units.
  assert.equal(decode(hex('02 f09f9880')), '😀');
});

test('typed reads reject mismatched shapes with a Serialization error', () => {
  assert.throws(() => decode(encode('x'), t.int32), isSerialization);
  assert.throws(() => decode(encode(2n ** 40n), t.int32), /does not fit int32/);
  assert.throws(() => decode(encode([1]), t.map(t.string, t.string)), isSerialization);
  assert.throws(() => decode(encode(new Map()), t.list(t.string)), isSerialization);
  assert.throws(() => decode(encode(300), t.int8), /does not fit byte/);
  assert.throws(() => decode(encode('not-a-number'), t.decimal), isSerialization);
  // Lenient where Java is: ints as longs, longs as doubles, H maps as POJOs, Java null for primitives.
  assert.equal(decode(encode(5), t.int64), 5n);
  assert.equal(decode(encode(5n), t.int32), 5);
  assert.equal(decode(encode(5n), t.float64), 5);
  assert.equal(decode(encode(null), t.int32), 0);
  assert.deepEqual(decode(encode({ id: 3n, extra: 1 }), t.object('U', { id: t.int64, name: t.string })), { id: 3n, name: null });
});

test('readers over Uint8Array views and sub-ranges', () => {
  const inner = encode(['a', 1]);
  const framed = new Uint8Array(inner.length + 4);
  framed.set(inner, 2);
  const r = new HessianReader(framed, 2, 2 + inner.length);
  assert.deepEqual(r.readValue(), ['a', 1]);
  assert.ok(r.atEnd);
  assert.equal(r.position, 2 + inner.length);
  assert.throws(() => new HessianReader(framed, 3, 1), { code: Code.InvalidArgument });
});

test('writer refuses what it cannot encode, with Serialization errors', () => {
  const w = new HessianWriter({ maxBytes: 1024 });
  w.reset();
  assert.throws(() => w.writeValue(Symbol('x')), isSerialization);
  assert.throws(() => w.writeValue(() => 1), isSerialization);
  assert.throws(() => w.writeInt(1.5), isSerialization);
  assert.throws(() => w.writeLong(2n ** 64n), isSerialization);
  assert.throws(() => w.writeDate(new Date(NaN)), isSerialization);
  assert.throws(() => w.writeString('x'.repeat(2000)), /exceeds 1024 bytes/);
  assert.throws(() => w.reset().writeTyped({ id: 'x' }, t.object('U', { id: t.int64 })), /U\.id/);
  assert.throws(() => w.reset().writeTyped('PURPLE', t.enum('C', ['RED'])), isSerialization);
  assert.throws(() => w.reset().writeTyped('1.2.3', t.decimal), isSerialization);
  assert.throws(() => w.reset().writeTyped('ab', t.char), isSerialization);
});

test('untyped writes of JS special objects', () => {
  assert.equal(encode(new Int32Array([1, 2])).toString('hex'), '72045b696e749192');
  assert.deepEqual(decode(encode(new Float64Array([1.5]))), [1.5]);
  assert.deepEqual(decode(encode(new BigInt64Array([2n ** 60n]))), [2n ** 60n]);
  assert.deepEqual(decode(encode(new Set(['a']))), ['a']);
  assert.equal(javaClassOf(decode(encode(new Set(['a'])))), 'java.util.HashSet');
  const err = decode(encode(new Error('bad'))) as Record<string, unknown>;
  assert.equal(javaClassOf(err), 'java.lang.RuntimeException');
  assert.equal(err.detailMessage, 'bad');
  assert.deepEqual(decode(encode({ a: 1 })), new Map([['a', 1]]));
  assert.equal(encode(undefined).toString('hex'), '4e');
  // TypedValue picks the Java type inside untyped contexts.
  assert.equal(encode(new Map<string, unknown>([['n', typed(t.float64, 1)], ['l', typed(t.array(t.int32), [1])]])).toString('hex'),
    '48016e5c016c71045b696e74915a');
});

test('typed POJO fields are read as own properties only', () => {
  const desc = t.object('X', { constructor: t.string, toString: t.nullable(t.int32) });
  assert.deepEqual(decode(encode({}, desc), desc), { constructor: null, toString: null });
  assert.deepEqual(decode(encode({ constructor: 'c', toString: 1 }, desc), desc), { constructor: 'c', toString: 1 });
});
