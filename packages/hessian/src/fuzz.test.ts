// Fuzzing the decoder: random bytes and mutated valid encodings. Every outcome is a value or a
// Serialization RpcError: no other error type, no hang, no unbounded allocation.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import { Code, RpcError, t, type TypeDesc } from '@meshlet/core';
import { HessianReader, HessianWriter } from './index.js';
import { typedArb, untypedValue } from './arbitraries.test.util.js';

const PROBE_DESCS: TypeDesc[] = [
  t.any, t.int32, t.int64, t.float64, t.string, t.bytes, t.date, t.decimal, t.bool,
  t.list(t.string), t.array(t.int64), t.map(t.string, t.any), t.set(t.int32),
  t.object('com.x.User', { id: t.int64, name: t.string, tags: t.list(t.string), attrs: t.map(t.string, t.string), active: t.bool, score: t.float64 }),
  t.enum('com.x.Color', ['RED']), t.array(t.int8), t.array(t.char),
];

/** Decodes everything in `bytes` (untyped, or with `desc` for the first value); returns what happened. */
function attempt(bytes: Uint8Array, desc?: TypeDesc): 'ok' | 'error' {
  const r = new HessianReader(bytes, 0, bytes.length, { maxDepth: 64 });
  try {
    if (desc !== undefined) r.readTyped(desc);
    let guard = 0;
    while (!r.atEnd) {
      const before = r.position;
      r.readValue();
      assert.ok(r.position > before, 'every value consumes input');
      assert.ok(++guard <= bytes.length, 'progress');
    }
    return 'ok';
  } catch (err) {
    if (!(err instanceof RpcError) || err.code !== Code.Serialization) {
      assert.fail(`non-Serialization error for ${Buffer.from(bytes).toString('hex')}: ${String((err as Error)?.stack ?? err)}`);
    }
    return 'error';
  }
}

test('random bytes decode to a value or a Serialization error', () => {
  let ok = 0;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 160 }), fc.constantFrom(undefined, ...PROBE_DESCS), (bytes, desc) => {
      if (attempt(bytes, desc) === 'ok') ok++;
    }),
    { numRuns: 6000 },
  );
  assert.ok(ok > 0, 'some random inputs are valid');
});

/** Random bytes biased to Hessian tags, so decoding gets deep before failing. */
const tagSoup = fc.array(
  fc.oneof(
    fc.constantFrom(0x43, 0x4f, 0x60, 0x61, 0x48, 0x4d, 0x5a, 0x51, 0x90, 0x91, 0x78, 0x79, 0x7a, 0x70, 0x56, 0x55, 0x57, 0x58, 0x52, 0x53, 0x41, 0x42, 0x4e, 0x03, 0x30, 0x34, 0x4a, 0x4b, 0x4c, 0x44, 0x59, 0x5f, 0xd8, 0xf8, 0x3c, 0xc8, 0xd4, 0x49),
    fc.integer({ min: 0, max: 255 }),
  ),
  { maxLength: 200 },
).map((a) => Uint8Array.from(a));

test('tag-biased random input decodes to a value or a Serialization error', () => {
  fc.assert(fc.property(tagSoup, fc.constantFrom(undefined, ...PROBE_DESCS), (bytes, desc) => void attempt(bytes, desc)), { numRuns: 6000 });
});

const writer = new HessianWriter();

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 16 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(input: Buffer, ms: Mutation[]): Buffer {
  let b = Buffer.from(input);
  for (const m of ms) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    switch (m.kind) {
      case 'flip': b[at] = b[at]! ^ (1 << m.bit); break;
      case 'set': b[at] = m.byte; break;
      case 'truncate': b = b.subarray(0, at); break;
      case 'splice': b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]); break;
      case 'delete': b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.n)]); break;
      case 'duplicate': b = Buffer.concat([b.subarray(0, at + m.n), b.subarray(at)]); break;
    }
  }
  return b;
}

test('mutated valid encodings (bit flips, truncations, splices) decode to a value or a Serialization error', () => {
  fc.assert(
    fc.property(
      typedArb(2).chain((d) => fc.tuple(fc.constant(d.desc), d.value)),
      fc.array(mutation, { minLength: 1, maxLength: 3 }),
      fc.boolean(),
      ([desc, value], ms, typedRead) => {
        writer.reset();
        writer.writeTyped(value, desc);
        const bytes = mutate(writer.finishCopy(), ms);
        attempt(bytes, typedRead ? desc : undefined);
      },
    ),
    { numRuns: 4000 },
  );
  fc.assert(
    fc.property(untypedValue, fc.array(mutation, { minLength: 1, maxLength: 3 }), (value, ms) => {
      writer.reset();
      writer.writeValue(value);
      attempt(mutate(writer.finishCopy(), ms));
    }),
    { numRuns: 3000 },
  );
});
