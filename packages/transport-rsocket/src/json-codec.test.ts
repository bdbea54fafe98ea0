import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { Code, RpcError, defineService, t, type TypeDesc } from '@meshlet/core';
import { jsonCodec, located } from './json-codec.js';
import { methodCodec } from './payload-codec.js';

/** Encode, through JSON text, decode: what the wire does. */
function roundTrip(desc: TypeDesc, value: unknown): unknown {
  const codec = jsonCodec(desc);
  try {
    return codec.decode(JSON.parse(JSON.stringify(codec.encode(value))));
  } catch (err) {
    throw located(err, 'value');
  }
}

/** Equality that tells NaN, -0, bigint, bytes, Map and Set apart, as a lossless codec must. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b);
  if (a === b) return true;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    const ea = [...a];
    const eb = [...b];
    return ea.every(([k, v], i) => same(k, eb[i]![0]) && same(v, eb[i]![1]));
  }
  if (a instanceof Set && b instanceof Set) return same([...a], [...b]);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

const int = (min: number, max: number) => fc.integer({ min, max });
const double = fc.double();
const str = fc.string({ unit: 'grapheme', maxLength: 12 });
const bytes = fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b));

/** A descriptor and values of it, recursively, for every kind `t` has. */
const leaf: fc.Arbitrary<[TypeDesc, fc.Arbitrary<unknown>]> = fc.constantFrom<[TypeDesc, fc.Arbitrary<unknown>]>(
  [t.bool, fc.boolean()],
  [t.int8, int(-128, 127)],
  [t.int16, int(-32768, 32767)],
  [t.int32, int(-(2 ** 31), 2 ** 31 - 1)],
  [t.int64, fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })],
  [t.float32, double],
  [t.float64, double],
  [t.char, fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }).filter((s) => s.length === 1)],
  [t.string, fc.option(fc.string({ unit: 'binary', maxLength: 12 }))],
  [t.bytes, bytes],
  [t.date, fc.date({ noInvalidDate: true })],
  [t.decimal, fc.tuple(fc.bigInt(), fc.nat(30)).map(([n, s]) => `${n}.${'0'.repeat(s)}1`)],
  [t.enum('com.x.Color', ['RED', 'GREEN']), fc.constantFrom('RED', 'GREEN')],
  [t.nullable(t.int32), fc.option(int(-5, 5))],
  [t.any, fc.constant(null)],
);

const anyValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null), fc.boolean(), double, fc.bigInt(), str, bytes, fc.date({ noInvalidDate: true }),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(str, fc.constantFrom('$x', '__proto__', 'constructor')), tie('v'), { maxKeys: 3 }),
    fc.array(fc.tuple(tie('v'), tie('v')), { maxLength: 3 }).map((e) => new Map(e)),
    fc.array(tie('v'), { maxLength: 3 }).map((e) => new Set(e)),
  ),
})).v;

const described: fc.Arbitrary<[TypeDesc, fc.Arbitrary<unknown>]> = fc.letrec<{ d: [TypeDesc, fc.Arbitrary<unknown>] }>((tie) => ({
  d: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.constant<[TypeDesc, fc.Arbitrary<unknown>]>([t.any, anyValue]),
    tie('d').map(([d, v]): [TypeDesc, fc.Arbitrary<unknown>] => [t.list(d), fc.array(v, { maxLength: 4 })]),
    tie('d').map(([d, v]): [TypeDesc, fc.Arbitrary<unknown>] => [t.array(d), fc.array(v, { maxLength: 4 })]),
    fc.tuple(tie('d'), tie('d')).map(([[k, kv], [v, vv]]): [TypeDesc, fc.Arbitrary<unknown>] => [
      t.map(k, v), fc.array(fc.tuple(kv, vv), { maxLength: 4 }).map((e) => new Map(e)),
    ]),
    fc.tuple(tie('d'), tie('d')).map(([[a, av], [b, bv]]): [TypeDesc, fc.Arbitrary<unknown>] => [
      t.object('com.x.Pojo', { a, b }), fc.record({ a: av, b: bv }),
    ]),
  ),
})).d;

test('property: every t kind round-trips through JSON text losslessly', () => {
  fc.assert(
    fc.property(described.chain(([d, v]) => fc.tuple(fc.constant(d), v)), ([desc, value]) => {
      const back = roundTrip(desc, value);
      if (!same(back, value)) assert.fail(`${desc.javaType}: ${inspect(value)} came back as ${inspect(back)}`);
    }),
    { numRuns: 600 },
  );
});

test('edge values: int64 limits and 2^53+1 exact, NaN/±Infinity/-0, astral Unicode, empty bytes', () => {
  for (const v of [2n ** 63n - 1n, -(2n ** 63n), 9007199254740993n, 0n]) assert.equal(roundTrip(t.int64, v), v);
  for (const v of [NaN, Infinity, -Infinity, -0, 5e-324, Number.MAX_VALUE]) assert.ok(Object.is(roundTrip(t.float64, v), v), String(v));
  assert.equal(roundTrip(t.string, 'héllo 😀𝄞 \u0000 "q" \\'), 'héllo 😀𝄞 \u0000 "q" \\');
  assert.equal(roundTrip(t.string, null), null);
  assert.deepEqual(roundTrip(t.bytes, Buffer.alloc(0)), Buffer.alloc(0));
  assert.deepEqual(roundTrip(t.bytes, Buffer.from([0xff, 0xfe, 0x00, 0x80])), Buffer.from([0xff, 0xfe, 0x00, 0x80]));
  // int64 on the wire is a decimal string, bytes are base64, maps are entries.
  assert.equal(JSON.stringify(jsonCodec(t.int64).encode(9007199254740993n)), '"9007199254740993"');
  assert.equal(JSON.stringify(jsonCodec(t.bytes).encode(Buffer.from('hi'))), '"aGk="');
  assert.equal(JSON.stringify(jsonCodec(t.map(t.int32, t.string)).encode(new Map([[1, 'a']]))), '[[1,"a"]]');
});

test('decoded keys never reach a prototype', () => {
  const any = jsonCodec(t.any);
  const obj = any.decode(JSON.parse('{"__proto__": {"polluted": true}, "a": 1}')) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(obj), Object.prototype);
  assert.deepEqual(Object.keys(obj), ['__proto__', 'a']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  const map = jsonCodec(t.map(t.string, t.string)).decode(JSON.parse('{"__proto__": "x"}')) as Map<string, string>;
  assert.equal(map.get('__proto__'), 'x');
  const pojo = jsonCodec(t.object('com.x.P', { a: t.int32 })).decode(JSON.parse('{"a": 1, "__proto__": {"b": 2}}')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(pojo), ['a']);
  assert.equal(pojo.b, undefined);
});

test('values that do not fit their descriptor are SERIALIZATION errors that say where', () => {
  const cases: [TypeDesc, unknown, RegExp][] = [
    [t.int32, 2 ** 31, /integer in int range/],
    [t.int32, null, /cannot be null/],
    [t.int64, 2n ** 63n, /outside the int64 range/],
    [t.int64, 1.5, /expected a bigint/],
    [t.list(t.int8), [1, 2, 300], /\[2\]: expected an integer/],
    [t.object('com.x.P', { tags: t.list(t.string) }), { tags: ['a', 1] }, /\.tags\[1\]: expected a string/],
    [t.enum('com.x.E', ['A']), 'B', /one of A/],
    [t.char, 'ab', /one-character/],
    [t.date, new Date(NaN), /valid Date/],
    [t.any, () => 1, /cannot send a function/],
  ];
  for (const [desc, value, message] of cases) {
    assert.throws(() => roundTrip(desc, value), (err: unknown) => RpcError.is(err, Code.Serialization) && message.test(err.message), `${desc.javaType} ${inspect(value)}`);
  }
  // Decoding refuses rather than guesses: an int64 JSON number past 2^53 may have been rounded.
  assert.throws(() => jsonCodec(t.int64).decode(9007199254740993), /decimal string/);
  assert.throws(() => jsonCodec(t.bytes).decode('not base64!'), /base64/);
  assert.throws(() => jsonCodec(t.any).decode({ $nope: 1 }), /unknown tag/);
  const deep = JSON.parse('['.repeat(100) + ']'.repeat(100));
  assert.throws(() => jsonCodec(t.any).decode(deep), /deeper than/);
});

test('method payloads: one parameter bare, several as an array, void as nothing', () => {
  const S = defineService({
    interface: 'com.x.S',
    methods: {
      none: { params: [], returns: t.string },
      one: { params: [t.string], returns: t.void },
      two: { params: [t.int32, t.int64], returns: t.int64 },
    },
  });
  const none = methodCodec(S.methods.get('none')!);
  const one = methodCodec(S.methods.get('one')!);
  const two = methodCodec(S.methods.get('two')!);
  assert.equal(none.encodeArgs([]), '');
  assert.equal(one.encodeArgs(['a"b']), '"a\\"b"');
  assert.equal(two.encodeArgs([1, 2n]), '[1,"2"]');
  assert.deepEqual(two.decodeArgs(Buffer.from('[1,"2"]')), [1, 2n]);
  assert.deepEqual(one.decodeArgs(Buffer.from('"plain"')), ['plain']);
  assert.deepEqual(one.decodeArgs(Buffer.from('"esc\\u0041"')), ['escA']);
  assert.equal(one.encodeResult(undefined), '');
  assert.throws(() => two.decodeArgs(Buffer.from('[1]')), /2 arguments/);
  assert.throws(() => two.decodeArgs(Buffer.from('{')), /not JSON/);
});

test('fuzz: decoding arbitrary JSON under arbitrary descriptors ends in a value or a SERIALIZATION error', () => {
  fc.assert(
    fc.property(described, fc.jsonValue(), ([desc], json) => {
      try {
        jsonCodec(desc).decode(json);
      } catch (err) {
        const e = located(err, 'value');
        assert.ok(RpcError.is(e, Code.Serialization), `unexpected ${String(err)}`);
      }
    }),
    { numRuns: 1500 },
  );
});
