// hessian.js 2.11.0 as an oracle: what we encode decodes in hessian.js to the same values, and
// hessian.js encodings decode in ours. Its documented differences: it sorts map keys, decodes
// longs beyond ±2^53 as strings, decodes maps and objects as plain objects, writes NaN as null.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import hessianjs from 'hessian.js';
import { t } from '@meshlet/core';
import { HessianReader, HessianWriter, decode, encode, javaClassOf, javaObject, throwableMessage } from './index.js';
import { anyString, date, int32 } from './arbitraries.test.util.js';

const writer = new HessianWriter();
const jsDecode = (b: Buffer, withType = false): unknown => hessianjs.decode(b, '2.0', withType);

/** What hessian.js decodes one of our untyped values to. */
function asHessianJs(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(asHessianJs);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), asHessianJs(x)]));
  if (v instanceof Date || Buffer.isBuffer(v) || v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asHessianJs(x)]));
}

const jsFriendly: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    int32,
    fc.double({ noNaN: true }).filter((d) => !Object.is(d, -0)),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    anyString,
    fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u)),
    date,
    fc.array(tie('value'), { maxLength: 8 }),
    fc.array(fc.tuple(fc.string({ maxLength: 8 }), tie('value')), { maxLength: 5 })
      .map((e) => new Map(e.filter(([k]) => k !== '__proto__'))),
    fc.dictionary(fc.constantFrom('a', 'b', 'id', 'name'), tie('value'), { maxKeys: 4, noNullPrototype: true })
      .map((fields) => javaObject('com.x.Pojo', fields)),
  ),
})).value;

test('our untyped encodings decode in hessian.js to the same values', () => {
  fc.assert(
    fc.property(jsFriendly, (v) => {
      writer.reset();
      writer.writeValue(v);
      assert.deepStrictEqual(jsDecode(writer.finishCopy()), asHessianJs(v));
    }),
    { numRuns: 400 },
  );
});

test('our typed encodings decode in hessian.js with the Java types we declared', () => {
  const User = t.object('com.meshlet.conformance.User', {
    id: t.int64, name: t.string, tags: t.list(t.string), attrs: t.map(t.string, t.string), active: t.bool, score: t.float64,
  });
  const user = { id: 9007199254740993n, name: 'Zoë 😀', tags: ['a', 'b'], attrs: new Map([['k', 'v']]), active: true, score: 99.5 };
  const typedUser = jsDecode(encode(user, User), true) as { $class: string; $: Record<string, unknown> };
  assert.equal(typedUser.$class, 'com.meshlet.conformance.User');
  assert.equal(typedUser.$.id, '9007199254740993');
  assert.deepStrictEqual(jsDecode(encode(user, User)), { id: '9007199254740993', name: 'Zoë 😀', tags: ['a', 'b'], attrs: { k: 'v' }, active: true, score: 99.5 });

  // Wire forms hessian.js recognises: a small long stays a long tag, an integral double stays a double tag.
  assert.equal(encode(5n, t.int64)[0], 0xe5);
  assert.equal(jsDecode(encode(5n, t.int64)), 5);
  assert.equal(encode(5, t.float64)[0], 0x5d);
  assert.equal(jsDecode(encode(5, t.float64)), 5);
  assert.equal((jsDecode(encode([1, 2], t.array(t.int32)), true) as { $class: string }).$class, '[int');
  assert.deepStrictEqual(jsDecode(encode([1, 2], t.array(t.int32))), [1, 2]);
  assert.equal((jsDecode(encode(['x'], t.set(t.string)), true) as { $class: string }).$class, 'java.util.HashSet');
  assert.deepStrictEqual(jsDecode(encode('12.34', t.decimal)), { value: '12.34' });
  assert.deepStrictEqual(jsDecode(encode('RED', t.enum('com.x.Color', ['RED'])), true), { $class: 'com.x.Color', $: { name: 'RED' } });
  const tree = new Map([['b', 1], ['a', 2]]);
  assert.deepStrictEqual(jsDecode(encode(tree, t.map(t.string, t.int32, 'java.util.TreeMap')), true),
    { $class: 'java.util.TreeMap', $: { b: 1, a: 2 } });

  writer.reset();
  writer.writeThrowable('java.lang.IllegalStateException', 'bad state');
  const err = jsDecode(writer.finishCopy()) as Error;
  assert.ok(err instanceof Error);
  assert.equal(err.message, 'bad state');
  assert.equal(err.name, 'java.lang.IllegalStateException');
});

test('hessian.js encodings decode in ours', () => {
  const cases: Array<[unknown, unknown]> = [
    [1, 1], [-1234567, -1234567], [2 ** 40, 2n ** 40n], [1.5, 1.5], [0.1, 0.1], [true, true], ['a😀b', 'a😀b'],
    ['中'.repeat(40000), '中'.repeat(40000)], [Buffer.from([1, 2, 3]), Buffer.from([1, 2, 3])], [new Date(1700000000000), new Date(1700000000000)],
    [[1, 'two'], [1, 'two']], [{ b: 1, a: 'x' }, new Map<unknown, unknown>([['a', 'x'], ['b', 1]])],
    [{ $class: 'long', $: '9007199254740993' }, 9007199254740993n], [{ $class: 'long', $: '-9223372036854775808' }, -(2n ** 63n)],
    [{ $class: 'double', $: 3 }, 3], [{ $class: '[int', $: [1, 2] }, [1, 2]], [{ $class: 'java.util.HashMap', $: { k: 'v' } }, new Map([['k', 'v']])],
    [null, null],
  ];
  for (const [input, expected] of cases) {
    assert.deepStrictEqual(decode(hessianjs.encode(input, '2.0')), expected, `hessian.js ${JSON.stringify(input)?.slice(0, 60)}`);
  }
  const pojo = decode(hessianjs.encode({ $class: 'com.x.User', $: { id: { $class: 'long', $: 7 }, name: { $class: 'java.lang.String', $: 'n' } } }, '2.0'));
  assert.deepStrictEqual(pojo, { id: 7n, name: 'n' });
  assert.equal(javaClassOf(pojo), 'com.x.User');
  const typed = decode(hessianjs.encode({ $class: 'com.x.User', $: { id: { $class: 'long', $: 7 }, name: 'n' } }, '2.0'),
    t.object('com.x.User', { id: t.int64, name: t.string, active: t.bool }));
  assert.deepStrictEqual(typed, { id: 7n, name: 'n', active: false });
  // hessian.js's own Java exception shape ({$class, $: {detailMessage}}) reads as a Throwable.
  const err = decode(hessianjs.encode({ $class: 'java.lang.IllegalArgumentException', $: { detailMessage: 'boom' } }, '2.0'));
  assert.deepStrictEqual(throwableMessage(err), { className: 'java.lang.IllegalArgumentException', message: 'boom' });

  // Circular structures through hessian.js back-references.
  const list: unknown[] = ['x'];
  list.push(list);
  const back = decode(hessianjs.encode(list, '2.0')) as unknown[];
  assert.equal(back[1], back);
});

test('hessian.js untyped encodings of random values decode in ours', () => {
  const jsValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.constant(null), fc.boolean(), int32, fc.double({ noNaN: true }).filter((d) => !Object.is(d, -0)), anyString,
      fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u)), date,
      fc.array(tie('value'), { maxLength: 6 }),
      fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }).filter((k) => k !== '__proto__' && k !== '$class'), tie('value'), { maxKeys: 4, noNullPrototype: true }),
    ),
  })).value;
  // What our reader yields for a hessian.js encoding of `v`.
  const ours = (v: unknown): unknown => {
    if (typeof v === 'number') {
      if (!Number.isInteger(v) || (v | 0) === v) return v;
      // hessian.js writes integral numbers beyond int32 as longs, clamped to the int64 range.
      const l = BigInt(v);
      return l > 2n ** 63n - 1n ? 2n ** 63n - 1n : l < -(2n ** 63n) ? -(2n ** 63n) : l;
    }
    if (Array.isArray(v)) return v.map(ours);
    if (v === null || v instanceof Date || Buffer.isBuffer(v) || typeof v !== 'object') return v;
    return new Map(Object.keys(v).sort().map((k) => [k, ours((v as Record<string, unknown>)[k])]));
  };
  fc.assert(
    fc.property(jsValue, (v) => {
      const r = new HessianReader(hessianjs.encode(v, '2.0'));
      assert.deepStrictEqual(r.readValue(), ours(v));
      assert.ok(r.atEnd);
    }),
    { numRuns: 400 },
  );
});
