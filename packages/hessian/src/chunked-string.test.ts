import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Code, RpcError } from '@meshlet/core';
import { DraftHessianReader } from './draft-reader.js';
import { DraftHessianWriter } from './draft-writer.js';
import { HessianReader } from './reader.js';
import { HessianWriter } from './writer.js';

// Chunked strings are read chunk by chunk (ASCII chunks natively, others decoded): every mix
// must read back as what was written, in both dialects.
const unit = fc.constantFrom('x', 'y', 'é', '€', '😀', '\ud800');
const piece = fc.tuple(unit, fc.integer({ min: 0, max: 40_000 })).map(([u, n]) => u + 'a'.repeat(n));

test('chunked strings (over 32768 units) read back exactly: ASCII runs, non-ASCII chunks, pairs at chunk edges, both dialects', () => {
  fc.assert(
    fc.property(fc.array(piece, { minLength: 1, maxLength: 4 }), (parts) => {
      const s = parts.join('');
      const w = new HessianWriter();
      w.reset().writeString(s);
      assert.equal(new HessianReader(w.takeFrame()).readValue(), s);
      const d = new DraftHessianWriter();
      d.reset().writeString(s);
      assert.equal(new DraftHessianReader(d.takeFrame()).readValue(), s);
    }),
    { numRuns: 40 },
  );
});

/** `R` chunks of the given texts (ASCII or 2-byte UTF-8 only here), then the final part's bytes. */
function chunked(chunks: string[], final: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (const c of chunks) parts.push(Buffer.from([0x52, c.length >> 8, c.length & 0xff]), Buffer.from(c, 'utf8'));
  return Buffer.concat([...parts, final]);
}

test('every final form after chunks: direct, short, S, empty chunks; a non-string final is a SERIALIZATION error', () => {
  const a = 'a'.repeat(3000);
  const cases: [Buffer, string][] = [
    [chunked([a, a], Buffer.from([0x03, 0x61, 0x62, 0x63])), a + a + 'abc'],
    [chunked([a, ''], Buffer.from([0x00])), a],
    [chunked(['', a], Buffer.from([0x30, 0x02, 0x68, 0x69])), a + 'hi'],
    [chunked([a, 'éé', a], Buffer.from([0x53, 0x00, 0x01, 0x7a])), a + 'éé' + a + 'z'],
    [chunked(['é'], Buffer.from([0x01, 0x21])), 'é!'],
  ];
  for (const [bytes, want] of cases) assert.equal(new HessianReader(bytes).readValue(), want);
  assert.throws(
    () => new HessianReader(chunked([a], Buffer.from([0x90]))).readValue(),
    (e: unknown) => e instanceof RpcError && e.code === Code.Serialization,
  );
  // A chunk that claims more bytes than the message has.
  assert.throws(
    () => new HessianReader(Buffer.from([0x52, 0x10, 0x00, 0x61, 0x61])).readValue(),
    (e: unknown) => e instanceof RpcError && e.code === Code.Serialization,
  );
});

test('a chunked string leaves the reader just past its final part, whatever that part holds; values after it read back', () => {
  const a = 'R'.repeat(3000); // chunk tags ('R') as payload: the end is found by the forms, not by the bytes
  for (const final of [Buffer.from([0x03, 0x52, 0x52, 0x52]), Buffer.from([0x00]), Buffer.from([0x30, 0x01, 0x52]), Buffer.from([0x53, 0x00, 0x02, 0x52, 0x00])]) {
    const want = a + a + final.subarray(final[0] === 0x53 ? 3 : final[0] === 0x30 ? 2 : 1).toString('latin1');
    const bytes = Buffer.concat([chunked([a, a], final), Buffer.from([0x91, 0x52, 0x00, 0x01, 0x41, 0x01, 0x42])]);
    const r = new HessianReader(bytes);
    assert.equal(r.readValue(), want);
    assert.equal(r.readValue(), 1);
    assert.equal(r.readValue(), 'AB');
    assert.ok(r.atEnd);
  }
  // A second, shorter gathered string after a longer one: no bytes of the first leak into it.
  const r = new HessianReader(Buffer.concat([chunked(['x'.repeat(40_000)], Buffer.from([0x01, 0x79])), chunked(['z'.repeat(100)], Buffer.from([0x00]))]));
  assert.equal(r.readValue(), 'x'.repeat(40_000) + 'y');
  assert.equal(r.readValue(), 'z'.repeat(100));
});
