import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, RpcError, defineService, t, type TypeDesc } from '@meshlet/core';
import { hex, simple as v } from './golden.fixture.js';
import { SimpleSerializer } from './simple/index.js';
import { ByteReader } from './wire/reader.js';
import { ByteWriter } from './wire/writer.js';

const s = new SimpleSerializer();
const w = new ByteWriter();

function encode(value: unknown, desc: TypeDesc): string {
  w.reset();
  s.write(w, value, desc);
  return w.finish().toString('hex');
}

function decode(h: string, desc: TypeDesc): unknown {
  const b = hex(h);
  const r = new ByteReader(b, 0, b.length);
  const out = s.read(r, desc);
  assert.ok(r.atEnd, `all of ${h} read`);
  return out;
}

/** [what, descriptor, JS value, hex]: encoded byte for byte, and decoded back to the same value. */
const both: [string, TypeDesc, unknown, string][] = [
  ['nil', t.nullable(t.string), null, v.nil],
  ['nil as Object', t.any, null, v.nil],
  ['""', t.string, '', v.emptyString],
  ['"hello"', t.string, 'hello', v.hello],
  ['"中文"', t.string, '中文', v.chinese],
  ['true', t.bool, true, v.true],
  ['false', t.bool, false, v.false],
  ['byte 0x7f', t.int8, 0x7f, v.byte7f],
  ['int16 -16', t.int16, -16, v.int16Minus16],
  ['int16 300', t.int16, 300, v.int16_300],
  ['int32 0', t.int32, 0, v.int32_0],
  ['int32 1', t.int32, 1, v.int32_1],
  ['int32 -1', t.int32, -1, v.int32Minus1],
  ['int32 -16', t.int32, -16, v.int32Minus16],
  ['int32 300', t.int32, 300, v.int32_300],
  ['int32 max', t.int32, 2147483647, v.int32Max],
  ['int32 min', t.int32, -2147483648, v.int32Min],
  ['int64 0', t.int64, 0n, v.int64_0],
  ['int64 -16', t.int64, -16n, v.int64Minus16],
  ['int64 1<<40', t.int64, 1n << 40n, v.int64Shift40],
  ['int64 max', t.int64, 2n ** 63n - 1n, v.int64Max],
  ['int64 min', t.int64, -(2n ** 63n), v.int64Min],
  ['Go int 5 (INT64 tag)', t.int64, 5n, v.goInt5],
  ['float32 3.14', t.float32, Math.fround(3.14), v.float32],
  ['float64 3.1415', t.float64, 3.1415, v.float64],
  ['float64 -0.5', t.float64, -0.5, v.float64Half],
  ['[]byte{1,2,3}', t.bytes, Buffer.from([1, 2, 3]), v.bytes123],
  ['[]byte{}', t.bytes, Buffer.alloc(0), v.bytesEmpty],
  ['[]string{"a","bc"}', t.list(t.string), ['a', 'bc'], v.strings],
  ['[]string{}', t.list(t.string), [], v.stringsEmpty],
  ['map[string]string{"k":"v"}', t.map(t.string, t.string), new Map([['k', 'v']]), v.stringMap],
  ['map[string]string{}', t.map(t.string, t.string), new Map(), v.stringMapEmpty],
  ['map[string]interface{}{"k":int64(1)}', t.map(t.string, t.any), new Map([['k', 1n]]), v.mapStringAny],
  ['map[interface{}]interface{}{123:456}', t.map(t.any, t.any), new Map([[123n, 456n]]), v.mapAnyAny],
  ['[]interface{}{"a",int64(1),true}', t.list(t.any), ['a', 1n, true], v.arrayMixed],
  ['[]interface{}{}', t.list(t.any), [], v.arrayEmpty],
  ['[]interface{}{[]string{"x"}, map{"a":"b"}}', t.list(t.any), [['x'], new Map([['a', 'b']])], v.arrayNested],
  ['second capture map', t.map(t.string, t.string), new Map([['id', 'xxxx'], ['name', 'ray']]), v.captureMap],
];

test('§4.1 simple vectors: encoded byte for byte and decoded back', () => {
  for (const [what, desc, value, h] of both) {
    assert.equal(encode(value, desc), h, `encode ${what}`);
    assert.deepEqual(decode(h, desc), value, `decode ${what}`);
  }
});

test('§4.1 simple vectors read as java.lang.Object give the natural JS values', () => {
  assert.equal(decode(v.hello, t.any), 'hello');
  assert.equal(decode(v.int32Min, t.any), -2147483648);
  assert.equal(decode(v.int64Max, t.any), 2n ** 63n - 1n);
  assert.deepEqual(decode(v.strings, t.any), ['a', 'bc']);
  assert.deepEqual(decode(v.stringMap, t.any), new Map([['k', 'v']]));
  assert.deepEqual(decode(v.bytes123, t.any), Buffer.from([1, 2, 3]));
  assert.deepEqual(decode(v.arrayNested, t.any), [['x'], new Map([['a', 'b']])]);
  assert.equal(decode(v.float64Half, t.any), -0.5);
  // And JS values written as Object pick the same tags Go picks for the same shapes.
  assert.equal(encode(new Map([[123n, 456n]]), t.any), v.mapAnyAny);
  assert.equal(encode(['a', 1n, true], t.any), v.arrayMixed);
  assert.equal(encode([['x'], { a: 'b' }], t.any), v.arrayNested);
});

test('liberal reads: Java\'s 10-byte int32, Go\'s INT64 for int, a string for byte[]', () => {
  assert.equal(decode(v.int32MinJava, t.int32), -2147483648);
  assert.equal(decode(v.goInt5, t.int32), 5);
  assert.equal(decode(v.int32_300, t.int64), 300n);
  assert.deepEqual(decode(v.hello, t.bytes), Buffer.from('hello'));
  assert.equal(decode(v.int32_300, t.float64), 300);
  assert.throws(() => decode(v.int64Max, t.int32), (e: unknown) => RpcError.is(e, Code.Serialization));
  assert.throws(() => decode(v.hello, t.int32), (e: unknown) => RpcError.is(e, Code.Serialization));
  assert.throws(() => decode(v.nil, t.int32), (e: unknown) => RpcError.is(e, Code.Serialization) && /primitive int/.test(e.message));
});

test('strict writes: the descriptor picks the tag, values that do not fit are refused', () => {
  assert.equal(encode(5, t.int64), v.goInt5);
  assert.equal(encode(5n, t.int32), '080a');
  for (const [value, desc] of [[2 ** 31, t.int32], [1.5, t.int32], ['1', t.int32], [2 ** 53 + 2, t.int64], [2n ** 63n, t.int64], [null, t.int32], [128, t.int8], [1, t.string]] as const) {
    assert.throws(() => encode(value, desc), (e: unknown) => RpcError.is(e, Code.Serialization), `${String(value)} as ${desc.javaType}`);
  }
  // A null inside a string list cannot be a STRING_ARRAY element: the list goes tagged.
  assert.equal(encode(['a', null], t.list(t.string)), '15000000070100000001610' + '0');
  assert.deepEqual(decode('15000000070100000001610' + '0', t.list(t.string)), ['a', null]);
});

test('SerializeMulti vectors: request bodies are the arguments one after another', () => {
  const Svc = defineService({
    interface: 'x',
    methods: {
      one: { params: [t.string], returns: t.string },
      mixed: { params: [t.string, t.int32, t.nullable(t.string)] },
      map: { params: [t.map(t.string, t.string)] },
      none: { params: [] },
    },
  });
  const cases: [string, unknown[], string][] = [
    ['one', ['Ray'], v.multiRay],
    ['mixed', ['a', 1, null], v.multiMixed],
    ['map', [new Map([['name', 'ray']])], v.multiMap],
    ['none', [], ''],
  ];
  for (const [key, args, h] of cases) {
    const codec = s.method(Svc.methods.get(key)!);
    w.reset();
    codec.writeArgs(w, args);
    assert.equal(w.finish().toString('hex'), h, key);
    const b = hex(h);
    assert.deepEqual(codec.readArgs(new ByteReader(b, 0, b.length)), args, key);
  }
  const one = s.method(Svc.methods.get('one')!);
  assert.throws(() => one.readArgs(new ByteReader(hex(v.multiMixed), 0, 9)), (e: unknown) => RpcError.is(e, Code.Protocol) && /after the 1 argument/.test(e.message));
  assert.throws(() => one.readArgs(new ByteReader(Buffer.alloc(0), 0, 0)), (e: unknown) => RpcError.is(e, Code.Protocol) && /carries 0/.test(e.message));
  assert.equal(s.method(Svc.methods.get('mixed')!).paramDesc, 'java.lang.String,int,java.lang.String');
  assert.equal(s.method(Svc.methods.get('none')!).paramDesc, 'void');
});

const User = t.object('com.meshlet.conformance.User', {
  id: t.int64, name: t.string, tags: t.list(t.string), attrs: t.map(t.string, t.string), active: t.bool, score: t.float64,
});

test('a class travels as Map<String,Object> of its fields, and reads back into the object', () => {
  const user = { id: 9007199254740993n, name: 'Zoë', tags: ['a', ''], attrs: new Map([['k', 'v']]), active: true, score: -12.5 };
  const h = encode(user, User);
  assert.ok(h.startsWith('14'), 'tag MAP');
  assert.deepEqual(decode(h, User), user);
  // What a Java or Go peer holding a Map sees: the same keys with natural values.
  const m = decode(h, t.any) as Map<string, unknown>;
  assert.deepEqual([...m.keys()], ['id', 'name', 'tags', 'attrs', 'active', 'score']);
  assert.equal(m.get('id'), 9007199254740993n);
  // A peer's map with extra keys, missing keys and a __proto__ key: known fields only, defaults for the rest.
  const peer = encode(new Map<string, unknown>([['__proto__', 'x'], ['name', 'n'], ['extra', [1, 2]]]), t.map(t.string, t.any));
  const o = decode(peer, User) as Record<string, unknown>;
  assert.deepEqual(o, { id: 0n, name: 'n', tags: null, attrs: null, active: false, score: 0 });
  assert.equal(Object.getPrototypeOf(o), Object.prototype);
  // Java's SimpleSerialization under simple: the class parameter is declared as a Map.
  const Svc = defineService({ interface: 'x', methods: { echoUser: { params: [User], returns: User } } });
  assert.equal(s.method(Svc.methods.get('echoUser')!).paramDesc, 'java.util.Map');
});

test('malformed input is a Protocol error: truncation, overruns, unknown tags, deep nesting', () => {
  for (const h of ['01000000ff41', '0200000010000000016b', '16', '0a4048', '15000000020100', '04000000030000000161']) {
    assert.throws(() => decode(h, t.any), (e: unknown) => RpcError.is(e, Code.Protocol), h);
  }
  let deep = '00';
  for (let i = 0; i < 100; i++) {
    const inner = hex(deep);
    const b = Buffer.alloc(5);
    b[0] = 21;
    b.writeUInt32BE(inner.length, 1);
    deep = Buffer.concat([b, inner]).toString('hex');
  }
  assert.throws(() => decode(deep, t.any), (e: unknown) => RpcError.is(e, Code.Protocol) && /nested/.test(e.message));
});
