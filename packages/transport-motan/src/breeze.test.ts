import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, RpcError, defineService, t, type TypeDesc } from '@meshlet/core';
import { breeze as v, hex } from './golden.fixture.js';
import { BreezeMessage, BreezeSerializer, javaFieldIndex } from './breeze/index.js';
import { ByteReader } from './wire/reader.js';
import { ByteWriter } from './wire/writer.js';

const s = new BreezeSerializer();

/** Unsigned LEB128, written out independently of the writer under test. */
function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}
const w = new ByteWriter();

function encode(value: unknown, desc: TypeDesc, serializer = s): string {
  w.reset();
  serializer.write(w, value, desc);
  return w.finish().toString('hex');
}

function decode(h: string, desc: TypeDesc, serializer = s): unknown {
  const b = hex(h);
  const r = new ByteReader(b, 0, b.length);
  const out = serializer.read(r, desc);
  assert.ok(r.atEnd, `all of ${h} read`);
  return out;
}

const both: [string, TypeDesc, unknown, string][] = [
  ['nil', t.nullable(t.string), null, v.nil],
  ['"hello"', t.string, 'hello', v.hello],
  ['true', t.bool, true, v.true],
  ['false', t.bool, false, v.false],
  ['int32 0', t.int32, 0, v.int32_0],
  ['int32 46', t.int32, 46, v.int32_46],
  ['int32 47', t.int32, 47, v.int32_47],
  ['int32 -16', t.int32, -16, v.int32Minus16],
  ['int32 -17', t.int32, -17, v.int32Minus17],
  ['int64 0', t.int64, 0n, v.int64_0],
  ['int64 15', t.int64, 15n, v.int64_15],
  ['int64 16', t.int64, 16n, v.int64_16],
  ['int64 -8', t.int64, -8n, v.int64Minus8],
  ['int64 -9', t.int64, -9n, v.int64Minus9],
  ['int16 -16', t.int16, -16, v.int16Minus16],
  ['byte 7', t.int8, 7, v.byte7],
  ['float32 3.14', t.float32, Math.fround(3.14), v.float32],
  ['float64 3.1415', t.float64, 3.1415, v.float64],
  ['[]byte{1,2,3}', t.bytes, Buffer.from([1, 2, 3]), v.bytes123],
  ['[]string{"a","bc"} packed', t.list(t.string), ['a', 'bc'], v.strings],
  ['map[string]string{"k":"v"} packed', t.map(t.string, t.string), new Map([['k', 'v']]), v.stringMap],
  ['[]interface{}{"a",int32(1)}', t.list(t.any), ['a', 1], v.arrayAny],
  ['map[string]interface{}{"k":int32(1)}', t.map(t.string, t.any), new Map([['k', 1]]), v.mapAny],
];

test('§4.4 breeze vectors: encoded byte for byte and decoded back', () => {
  for (const [what, desc, value, h] of both) {
    assert.equal(encode(value, desc), h, `encode ${what}`);
    assert.deepEqual(decode(h, desc), value, `decode ${what}`);
  }
});

test('§4.4 breeze vectors read as java.lang.Object, and JS values written as Object', () => {
  const natural: [string, unknown][] = [
    [v.nil, null], [v.hello, 'hello'], [v.int32_47, 47], [v.int64_16, 16n], [v.int16Minus16, -16], [v.byte7, 7],
    [v.float64, 3.1415], [v.bytes123, Buffer.from([1, 2, 3])], [v.strings, ['a', 'bc']], [v.stringMap, new Map([['k', 'v']])],
    [v.arrayAny, ['a', 1]], [v.mapAny, new Map([['k', 1]])],
  ];
  for (const [h, value] of natural) assert.deepEqual(decode(h, t.any), value, h);
  for (const [h, value] of [[v.hello, 'hello'], [v.int32Minus17, -17], [v.int64Minus9, -9n], [v.strings, ['a', 'bc']], [v.stringMap, { k: 'v' }], [v.arrayAny, ['a', 1]], [v.mapAny, new Map([['k', 1]])]] as const) {
    assert.equal(encode(value, t.any), h, h);
  }
});

test('empty packed collections carry no element type, as Java and Go write them', () => {
  assert.equal(encode([], t.list(t.string)), 'dc00');
  assert.equal(encode(new Map(), t.map(t.string, t.string)), 'db00');
  assert.deepEqual(decode('dc00', t.list(t.string)), []);
  assert.deepEqual(decode('db00', t.map(t.string, t.string)), new Map());
  // A null element cannot be packed: the list types every element instead.
  assert.equal(encode(['a', null], t.list(t.string)), 'da02016199');
  assert.deepEqual(decode('da02016199', t.list(t.string)), ['a', null]);
});

test('liberal reads: any integer width when it fits, numbers as strings, Java 10-byte varints', () => {
  assert.equal(decode(v.int64_16, t.int32), 16);
  assert.equal(decode(v.int32_47, t.int64), 47n);
  assert.equal(decode(v.int32_47, t.string), '47');
  assert.equal(decode('7fffffffffffffffffff01', t.int32), -2147483648);
  assert.throws(() => decode('98feffffffffffffffff01', t.int32), (e: unknown) => RpcError.is(e, Code.Serialization));
  assert.throws(() => decode(v.hello, t.int32), (e: unknown) => RpcError.is(e, Code.Serialization));
  assert.throws(() => decode(v.nil, t.bool), (e: unknown) => RpcError.is(e, Code.Serialization));
});

const User = t.object('com.meshlet.conformance.User', {
  id: t.int64, name: t.string, tags: t.list(t.string), attrs: t.map(t.string, t.string), active: t.bool, score: t.float64,
});

test('field indexes are Java String.hashCode & 0x7fffffff, as breeze Java numbers a plain class', () => {
  assert.equal(javaFieldIndex('id'), 3355);
  assert.equal(javaFieldIndex('name'), 3373707);
  assert.equal(javaFieldIndex('hello'), 99162322);
  // Java's int overflow: "polygenelubricants".hashCode() is Integer.MIN_VALUE.
  assert.equal(javaFieldIndex('polygenelubricants'), 0);
});

test('a class is a message: name, u32 length, (index, typed value) fields; primitives at zero are left out', () => {
  const user = { id: 7n, name: 'Zoë', tags: ['a'], attrs: new Map([['k', 'v']]), active: false, score: 0 };
  const h = encode(user, User);
  const name = Buffer.from('com.meshlet.conformance.User');
  const fields = Buffer.concat([
    varint(3355), hex('8f'), // id: int64 7, direct
    varint(3373707), hex('045a6fc3ab'), // name: "Zoë", a direct string of 4 bytes
  ]);
  assert.ok(h.startsWith(`de${name.length.toString(16)}${name.toString('hex')}`), h);
  assert.ok(h.includes(fields.toString('hex')), 'id and name fields');
  assert.deepEqual(decode(h, User), user);
  // Read where Object is declared: the message with its fields by index.
  const m = decode(h, t.any) as BreezeMessage;
  assert.ok(m instanceof BreezeMessage);
  assert.deepEqual([...m.fields.keys()].sort(), ['id', 'name', 'tags', 'attrs'].map(javaFieldIndex).sort(), 'active=false and score=0 left out');
  assert.equal(m.name, 'com.meshlet.conformance.User');
  assert.equal(m.fields.get(3355), 7n);
  assert.equal(encode(m, t.any), h, 'written back as the same message');
});

test('message names are referenced by index within one body (second User → 0xe0)', () => {
  const Svc = defineService({ interface: 'x', methods: { two: { params: [User, User] } } });
  const codec = s.method(Svc.methods.get('two')!);
  const a = { id: 1n, name: 'a', tags: [], attrs: new Map(), active: true, score: 1.5 };
  const b = { ...a, id: 2n, name: 'b' };
  w.reset();
  codec.writeArgs(w, [a, b]);
  const body = w.finish();
  const second = body.indexOf(0xe0, 1);
  assert.ok(second > 0 && body.indexOf(Buffer.from('com.meshlet.conformance.User'), second) < 0, 'name written once');
  assert.deepEqual(codec.readArgs(new ByteReader(body, 0, body.length)), [a, b]);
  // A fresh body starts a fresh table: the same codec writes the name again.
  w.reset();
  codec.writeArgs(w, [a, b]);
  assert.deepEqual(w.finish(), body);
  assert.throws(() => decode('e0', t.any), (e: unknown) => RpcError.is(e, Code.Protocol) && /reference 1/.test(e.message));
});

test('schema field indexes for schema-generated peers; unknown fields skipped; dates, decimals, enums', () => {
  const schema = new BreezeSerializer({ 'com.meshlet.conformance.User': { id: 1, name: 2, tags: 3, attrs: 4, active: 5, score: 6 } });
  const user = { id: 1n, name: 'x', tags: ['t'], attrs: new Map(), active: true, score: 2 };
  const h = encode(user, User, schema);
  assert.ok(h.includes('0189'), 'field 1 = int64 1, direct');
  assert.deepEqual(decode(h, User, schema), user);
  // Java's hash indexes are read by the schema serializer too, and unknown indexes are skipped.
  const withExtra = new BreezeMessage('com.meshlet.conformance.User', new Map<number, unknown>([[3355, 5n], [999, ['skip']], [3373707, 'n']]));
  assert.deepEqual(decode(encode(withExtra, t.any), User, schema), { id: 5n, name: 'n', tags: null, attrs: null, active: false, score: 0 });
  const when = new Date(1700000000123);
  assert.deepEqual(decode(encode(when, t.date), t.date), when);
  assert.deepEqual(decode(encode(when, t.date), t.any), when);
  assert.equal(decode(encode('12.50', t.decimal), t.decimal), '12.50');
  const Color = t.enum('com.example.Color', ['RED', 'GREEN']);
  assert.equal(decode(encode('GREEN', Color), Color), 'GREEN');
  assert.throws(() => encode('BLUE', Color), (e: unknown) => RpcError.is(e, Code.Serialization));
});

test('malformed input is a Protocol error: truncation, lying counts and lengths, unknown types, deep nesting', () => {
  for (const h of ['3f05616263', 'dcff', 'da0501', 'de03616263000000ff', 'dd', 'c0', '9d000000ff00', '7f']) {
    assert.throws(() => decode(h, t.any), (e: unknown) => RpcError.is(e, Code.Protocol), h);
  }
  assert.throws(() => decode('da01'.repeat(80) + '99', t.any), (e: unknown) => RpcError.is(e, Code.Protocol) && /nested/.test(e.message));
});
