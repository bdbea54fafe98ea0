// Property-based round trips: every descriptor kind and untyped values, through one reused writer.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import { t } from '@meshlet/core';
import { HessianReader, HessianWriter, javaClassOf, javaObject } from './index.js';
import { typedArb, untypedValue } from './arbitraries.test.util.js';

const writer = new HessianWriter({ initialCapacity: 64 });

function roundTrip(write: (w: HessianWriter) => void, read: (r: HessianReader) => unknown): unknown {
  writer.reset();
  write(writer);
  const bytes = writer.finishCopy();
  const r = new HessianReader(bytes);
  const v = read(r);
  assert.ok(r.atEnd, 'decoder consumed every byte');
  return v;
}

test('untyped values round-trip (writeValue → readValue)', () => {
  fc.assert(
    fc.property(fc.array(untypedValue, { minLength: 1, maxLength: 3 }), (values) => {
      const back = roundTrip((w) => values.forEach((v) => w.writeValue(v)), (r) => values.map(() => r.readValue()));
      assert.deepStrictEqual(back, values);
    }),
    { numRuns: 300 },
  );
});

test('typed values round-trip for every descriptor kind (writeTyped → readTyped)', () => {
  fc.assert(
    fc.property(typedArb(3).chain((d) => fc.tuple(fc.constant(d.desc), fc.array(d.value, { minLength: 1, maxLength: 3 }))), ([desc, values]) => {
      const back = roundTrip((w) => values.forEach((v) => w.writeTyped(v, desc)), (r) => values.map(() => r.readTyped(desc)));
      assert.deepStrictEqual(back, values);
    }),
    { numRuns: 400 },
  );
});

test('typed values also decode untyped to the same data (modulo Java-side typing)', () => {
  fc.assert(
    fc.property(typedArb(2).chain((d) => fc.tuple(fc.constant(d.desc), d.value)), ([desc, value]) => {
      writer.reset();
      writer.writeTyped(value, desc);
      const r = new HessianReader(writer.finishCopy());
      r.readValue();
      assert.ok(r.atEnd);
    }),
    { numRuns: 300 },
  );
});

test('int32 / int64 limits and 2^53+1 are exact', () => {
  for (const n of [-(2 ** 31), 2 ** 31 - 1, 0, -16, 47, 48, -17, -2048, 2047, 2048, -2049, -262144, 262143, 262144, -262145]) {
    assert.equal(roundTrip((w) => w.writeTyped(n, t.int32), (r) => r.readTyped(t.int32)), n);
    assert.equal(roundTrip((w) => w.writeInt(n), (r) => r.readValue()), n);
  }
  for (const n of [-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 31n, -(2n ** 31n) - 1n, -8n, 15n, 16n, -9n]) {
    assert.equal(roundTrip((w) => w.writeTyped(n, t.int64), (r) => r.readTyped(t.int64)), n);
    assert.equal(roundTrip((w) => w.writeValue(n), (r) => r.readValue()), n);
  }
  // A small long still decodes as a bigint, never a number.
  assert.equal(roundTrip((w) => w.writeLong(5), (r) => r.readValue()), 5n);
  assert.throws(() => writer.reset().writeTyped(2 ** 31, t.int32), { code: 'SERIALIZATION' });
  assert.throws(() => writer.reset().writeTyped(1.5, t.int32), { code: 'SERIALIZATION' });
  assert.throws(() => writer.reset().writeTyped(2 ** 53 + 2, t.int64), /bigint/);
  assert.throws(() => writer.reset().writeTyped(2n ** 63n, t.int64), { code: 'SERIALIZATION' });
  assert.throws(() => writer.reset().writeTyped(null, t.int32), /primitive int/);
  assert.throws(() => writer.reset().writeTyped('x', t.nullable(t.int32)), { code: 'SERIALIZATION' });
  assert.equal(roundTrip((w) => w.writeTyped(null, t.nullable(t.int64)), (r) => r.readTyped(t.nullable(t.int64))), null);
});

test('doubles: NaN, ±Infinity, -0 and every compact form', () => {
  for (const d of [NaN, Infinity, -Infinity, -0, 0, 1, -1, 127, -128, 128, 32767, -32768, 32768, 0.001, 1.5, -2147483.648, 2147483.647, 1e300, 5e-324, 0.1]) {
    assert.ok(Object.is(roundTrip((w) => w.writeDouble(d), (r) => r.readValue()), d), `double ${d}`);
    assert.ok(Object.is(roundTrip((w) => w.writeTyped(d, t.float64), (r) => r.readTyped(t.float64)), d), `typed double ${d}`);
  }
  // Untyped: integral JS numbers in int32 range are ints; others doubles.
  assert.equal(roundTrip((w) => w.writeValue(2 ** 40), (r) => r.readValue()), 2 ** 40);
});

test('strings crossing chunk boundaries, with surrogate pairs on the boundary', () => {
  const pair = '\ud83d\ude00';
  const cases = [
    'a'.repeat(0x7fff), 'a'.repeat(0x8000), 'a'.repeat(0x8001), 'é'.repeat(0x8001), '中'.repeat(70000),
    `${'a'.repeat(0x7fff)}${pair}tail`, `${'b'.repeat(0x7ffe)}${pair}${pair}`, `${pair.repeat(40000)}`,
    `${'x'.repeat(1023)}`, `${'x'.repeat(1024)}`, 'x'.repeat(31), 'x'.repeat(32), `lone \ud800 high`, `lone \udc00 low`,
    `${'a'.repeat(100)}\ud800`, `${'é'.repeat(2000)}${pair}`,
  ];
  for (const s of cases) {
    assert.equal(roundTrip((w) => w.writeString(s), (r) => r.readString()), s, `length ${s.length}`);
  }
  // No chunk ends in a high surrogate (Java's rule).
  writer.reset();
  writer.writeString(`${'a'.repeat(0x7fff)}${pair}`);
  const out = writer.finish();
  assert.equal(out[0], 0x52);
  assert.equal(out.readUInt16BE(1), 0x7fff);
});

test('binaries crossing chunk boundaries', () => {
  for (const n of [0, 15, 16, 1023, 1024, 0x7fff, 0x8000, 0x8001, 70000]) {
    const b = Buffer.alloc(n, 7);
    for (let i = 0; i < n; i++) b[i] = (i * 31) & 0xff;
    assert.deepStrictEqual(roundTrip((w) => w.writeBytes(b), (r) => r.readBytes()), b);
  }
});

test('back-references: shared and circular structures keep their identity', () => {
  const shared = { a: 1 };
  const list: unknown[] = [shared, shared];
  list.push(list);
  const map = new Map<unknown, unknown>([['self', null]]);
  map.set('self', map);
  const pojo = javaObject('com.x.Node', { name: 'n', next: null as unknown });
  pojo.next = pojo;
  const back = roundTrip((w) => { w.writeValue(list); w.writeValue(map); w.writeValue(pojo); }, (r) => [r.readValue(), r.readValue(), r.readValue()]) as [unknown[], Map<unknown, unknown>, { next: unknown }];
  assert.equal(back[0][0], back[0][1]);
  assert.equal(back[0][2], back[0]);
  assert.equal(back[1].get('self'), back[1]);
  assert.equal(back[2].next, back[2]);
  assert.equal(javaClassOf(back[2]), 'com.x.Node');
  // Typed: a POJO referring to itself through a typed field.
  const Node = t.object('com.x.Node', { name: t.string, next: t.any });
  const typedBack = roundTrip((w) => w.writeTyped(pojo, Node), (r) => r.readTyped(Node)) as { next: unknown };
  assert.equal(typedBack.next, typedBack);
});

test('reset() clears references, class definitions and types between messages', () => {
  const User = t.object('com.x.User', { id: t.int64, tags: t.set(t.string) });
  const value = { id: 1n, tags: ['a'] };
  writer.reset();
  writer.writeTyped(value, User);
  const first = writer.finishCopy();
  writer.reset();
  writer.writeTyped(value, User);
  assert.deepStrictEqual(writer.finishCopy(), first, 'second message starts with the class definition again');
  // Within one message the definition and the type name are written once.
  writer.reset();
  writer.writeTyped(value, User);
  writer.writeTyped({ id: 2n, tags: ['b'] }, User);
  const two = writer.finishCopy();
  assert.equal(two.indexOf('com.x.User'), two.lastIndexOf('com.x.User'));
  assert.equal(two.indexOf('java.util.HashSet'), two.lastIndexOf('java.util.HashSet'));
  const r = new HessianReader(two);
  assert.deepStrictEqual([r.readTyped(User), r.readTyped(User)], [value, { id: 2n, tags: ['b'] }]);
});

test('more than 16 classes in one message use the long instance form', () => {
  const values = Array.from({ length: 20 }, (_, i) => javaObject(`com.x.C${i}`, { i, next: null as unknown }));
  values.forEach((v, i) => { v.next = values[(i + 1) % values.length]; });
  const back = roundTrip((w) => { w.writeValue(values); w.writeValue(values[19]); }, (r) => [r.readValue(), r.readValue()]) as [Array<{ i: number; next: unknown }>, unknown];
  assert.deepStrictEqual(back[0].map((v) => v.i), values.map((v) => v.i));
  assert.equal(back[0][19]!.next, back[0][0]);
  assert.equal(back[1], back[0][19]);
  assert.equal(javaClassOf(back[0][17]), 'com.x.C17');
});

test('readStringRecord reads a map as readValue then String() would, null values left out, reference slots kept', () => {
  fc.assert(fc.property(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.boolean())), (dict) => {
    const map = new Map<unknown, unknown>(Object.entries(dict));
    const list = ['shared'];
    // A list after the map referenced back by index: the map must take its own reference slot.
    const [record, again] = roundTrip((w) => { w.writeValue(map); w.writeValue(list); w.writeValue(list); }, (r) => [r.readStringRecord(), (r.readValue(), r.readValue())]) as [Record<string, string>, unknown];
    const want: Record<string, string> = Object.create(null);
    for (const [k, v] of map) if (v !== null) want[String(k)] = String(v);
    assert.deepEqual({ ...record }, { ...want });
    assert.equal(Object.getPrototypeOf(record), null);
    assert.deepEqual(again, ['shared']);
  }));
  writer.reset();
  writer.writeValue(['not a map']);
  assert.throws(() => new HessianReader(writer.finishCopy()).readStringRecord(), (e: unknown) => (e as { code?: string }).code === 'SERIALIZATION');
});
