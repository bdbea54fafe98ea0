// fast-check arbitraries shared by the property and fuzz tests (not a test file itself).
import fc from 'fast-check';
import { t, type TypeDesc } from '@meshlet/core';
import { javaObject } from './index.js';

/** Any UTF-16 unit sequence, lone surrogates included, plus well-formed astral characters. */
export const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
);

export const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
export const int64Edges = fc.constantFrom(
  -(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, -8n, 15n, 16n, -9n, -2048n, 2047n, 2048n, -262144n, 262143n, 262144n,
  -(2n ** 31n), 2n ** 31n - 1n, 2n ** 31n, 2n ** 53n + 1n, -(2n ** 53n) - 1n,
);
export const int32 = fc.oneof(fc.integer(), fc.constantFrom(-(2 ** 31), 2 ** 31 - 1, -16, 47, 48, -17, -2048, 2047, -262144, 262143, 0));
export const double = fc.oneof(
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 1, 1.5, 0.001, -128, 127, -32768, 32767, 2147483.647, 2 ** 53 + 2, 1e300, 5e-324),
);
export const date = fc.date({ noInvalidDate: true });
export const bytes = fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u));

/** Untyped values whose decode equals them exactly (Maps, not plain objects; Buffers, not Uint8Arrays). */
export const untypedValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    int32,
    double,
    int64,
    int64Edges,
    anyString,
    bytes,
    date,
    fc.array(tie('value'), { maxLength: 10 }),
    fc.array(fc.tuple(fc.oneof(anyString, int32, int64), tie('value')), { maxLength: 6 }).map((entries) => new Map(entries)),
    fc.tuple(fc.constantFrom('com.x.A', 'com.x.B'), fc.dictionary(fc.constantFrom('a', 'b', 'id', 'name'), tie('value'), { maxKeys: 4, noNullPrototype: true }))
      .map(([cls, fields]) => javaObject(cls, fields)),
  ),
})).value;

/** A descriptor with an arbitrary of values that conform to it and decode to themselves. */
export interface Typed {
  desc: TypeDesc;
  value: fc.Arbitrary<unknown>;
}

const leaves: Typed[] = [
  { desc: t.bool, value: fc.boolean() },
  { desc: t.int8, value: fc.integer({ min: -128, max: 127 }) },
  { desc: t.int16, value: fc.integer({ min: -32768, max: 32767 }) },
  { desc: t.int32, value: int32 },
  { desc: t.int64, value: fc.oneof(int64, int64Edges) },
  { desc: t.float32, value: double },
  { desc: t.float64, value: double },
  { desc: t.char, value: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  { desc: t.string, value: anyString },
  { desc: t.bytes, value: bytes },
  { desc: t.date, value: date },
  { desc: t.decimal, value: fc.tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.nat(20)).map(([n, s]) => (s === 0 ? `${n}` : `${n}.${'0'.repeat(s)}1`)) },
  { desc: t.enum('com.x.Color', ['RED', 'GREEN', 'BLUE']), value: fc.constantFrom('RED', 'GREEN', 'BLUE') },
  { desc: t.any, value: untypedValue },
];

function withNull(x: Typed): Typed {
  return { desc: x.desc, value: x.desc.nullable ? fc.option(x.value, { nil: null, freq: 5 }) : x.value };
}

/** Random descriptors (nested up to `depth`) each with a matching value arbitrary. */
export function typedArb(depth: number): fc.Arbitrary<Typed> {
  const leaf = fc.tuple(fc.constantFrom(...leaves), fc.boolean()).map(([l, box]): Typed =>
    l.desc.nullable || !box ? l : { desc: t.nullable(l.desc), value: l.value },
  );
  if (depth <= 0) return leaf.map(withNull);
  const inner = typedArb(depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: leaf.map(withNull) },
    inner.map((e) => ({ desc: t.list(e.desc), value: fc.array(e.value, { maxLength: 9 }) })),
    inner.map((e) => ({ desc: t.list(e.desc, 'java.util.LinkedList'), value: fc.array(e.value, { maxLength: 9 }) })),
    inner.map((e) => ({ desc: t.set(e.desc), value: fc.array(e.value, { maxLength: 9 }) })),
    inner.map((e) => ({ desc: t.array(e.desc), value: fc.array(e.value, { maxLength: 9 }) })),
    fc.tuple(fc.constantFrom<Typed>(leaves[3]!, leaves[4]!, leaves[8]!), inner).map(([k, v]) => ({
      desc: t.map(k.desc, v.desc),
      value: fc.array(fc.tuple(k.value, v.value), { maxLength: 6 }).map((e) => new Map(e)),
    })),
    fc.tuple(fc.constantFrom<Typed>(leaves[8]!), inner, fc.constantFrom('java.util.TreeMap', 'java.util.LinkedHashMap')).map(([k, v, cls]) => ({
      desc: t.map(k.desc, v.desc, cls),
      value: fc.array(fc.tuple(k.value, v.value), { maxLength: 6 }).map((e) => new Map(e)),
    })),
    fc.tuple(fc.uniqueArray(fc.constantFrom('id', 'name', 'tags', 'attrs', 'active', 'score', 'constructor', 'x1'), { minLength: 0, maxLength: 5 }), fc.array(inner, { minLength: 5, maxLength: 5 }), fc.nat(3))
      .map(([names, types, n]) => {
        const fields: Record<string, TypeDesc> = {};
        const values: Record<string, fc.Arbitrary<unknown>> = {};
        names.forEach((name, i) => {
          fields[name] = types[i]!.desc;
          values[name] = types[i]!.value;
        });
        return { desc: t.object(`com.x.Pojo${n}`, fields), value: fc.record(values, { noNullPrototype: true }) };
      }),
  );
}
