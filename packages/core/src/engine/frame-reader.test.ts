import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FrameReader, type FrameSplitter } from './frame-reader.js';
import { Code, RpcError } from '../errors.js';

/** Test framing: a 4-byte big-endian length (of the whole frame) then the rest. */
const lengthPrefixed: FrameSplitter = {
  headerLength: 4,
  frameLength: (buf, offset) => buf.readUInt32BE(offset),
};

function frame(payload: Buffer): Buffer {
  const f = Buffer.alloc(4 + payload.length);
  f.writeUInt32BE(f.length);
  payload.copy(f, 4);
  return f;
}

test('property: any split of a stream of frames yields the same frames', () => {
  fc.assert(fc.property(
    fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 10 }),
    fc.array(fc.nat(), { maxLength: 12 }),
    (payloads, cuts) => {
      const frames = payloads.map((p) => frame(Buffer.from(p)));
      const stream = Buffer.concat(frames);
      const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
      const reader = new FrameReader(lengthPrefixed, 1 << 20);
      const got: string[] = [];
      let prev = 0;
      for (const p of [...points, stream.length]) {
        reader.push(stream.subarray(prev, p), (f) => got.push(f.toString('hex')));
        prev = p;
      }
      assert.deepEqual(got, frames.map((f) => f.toString('hex')));
      assert.equal(reader.buffered, 0);
    },
  ));
});

test('the maximum frame size is enforced from the header alone', () => {
  const reader = new FrameReader(lengthPrefixed, 1024);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(1025);
  assert.throws(() => reader.push(header, () => assert.fail('no frame')), (e: unknown) => RpcError.is(e, Code.FrameTooLarge));
});

test('a length shorter than the header is a protocol error, not a loop', () => {
  const reader = new FrameReader(lengthPrefixed, 1024);
  assert.throws(() => reader.push(Buffer.from([0, 0, 0, 1, 9]), () => {}), (e: unknown) => RpcError.is(e, Code.Protocol));
});

test('property: a splitter that answers a lower bound first is asked again once that many bytes are in', () => {
  // [u32 metaLength][meta][u32 bodyLength][body], like Motan2: the body size sits after the meta.
  const twoStep: FrameSplitter = {
    headerLength: 4,
    frameLength: (buf, o) => {
      const untilBody = 8 + buf.readUInt32BE(o);
      return buf.length - o < untilBody ? untilBody : untilBody + buf.readUInt32BE(o + untilBody - 4);
    },
  };
  const encode = (meta: Uint8Array, body: Uint8Array) => {
    const f = Buffer.alloc(8 + meta.length + body.length);
    f.writeUInt32BE(meta.length, 0);
    Buffer.from(meta).copy(f, 4);
    f.writeUInt32BE(body.length, 4 + meta.length);
    Buffer.from(body).copy(f, 8 + meta.length);
    return f;
  };
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 200 })), { maxLength: 8 }),
    fc.integer({ min: 1, max: 64 }),
    (parts, cut) => {
      const frames = parts.map(([m, b]) => encode(m, b));
      const stream = Buffer.concat(frames);
      const reader = new FrameReader(twoStep, 1 << 20);
      const got: string[] = [];
      for (let i = 0; i < stream.length; i += cut) reader.push(stream.subarray(i, i + cut), (f) => got.push(f.toString('hex')));
      assert.deepEqual(got, frames.map((f) => f.toString('hex')));
      assert.equal(reader.buffered, 0);
    },
  ));
});

test('property: frames of 1 MiB and more come out whole under any split, next to small ones', () => {
  const big = (n: number, seed: number) => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i += 4096) b[i] = (i >>> 12) + seed;
    return b;
  };
  fc.assert(fc.property(
    fc.array(fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1024 * 1024 - 8, max: 1024 * 1024 + 70_000 })), { minLength: 1, maxLength: 4 }),
    fc.array(fc.nat(), { maxLength: 30 }),
    (sizes, cuts) => {
      const frames = sizes.map((n, i) => frame(big(n, i)));
      const stream = Buffer.concat(frames);
      const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
      const reader = new FrameReader(lengthPrefixed, 4 << 20);
      const got: Buffer[] = [];
      let prev = 0;
      for (const p of [...points, stream.length]) {
        reader.push(stream.subarray(prev, p), (f) => got.push(Buffer.from(f)));
        prev = p;
        assert.ok(reader.buffered <= stream.length);
      }
      assert.equal(got.length, frames.length);
      got.forEach((g, i) => assert.ok(g.equals(frames[i]!), `frame ${i} differs`));
      assert.equal(reader.buffered, 0);
    },
  ), { numRuns: 40 });
});

test('a large frame after a large lower-bound answer (Motan2-like): asked again, whole, under any chunking', () => {
  // [u32 metaLength][meta][u32 bodyLength][body] with a meta past 1 MiB, so the lower bound itself is large.
  const twoStep: FrameSplitter = {
    headerLength: 4,
    frameLength: (buf, o) => {
      const untilBody = 8 + buf.readUInt32BE(o);
      return buf.length - o < untilBody ? untilBody : untilBody + buf.readUInt32BE(o + untilBody - 4);
    },
  };
  const meta = Buffer.alloc(1_200_000, 7);
  const body = Buffer.alloc(900_000, 9);
  const f = Buffer.alloc(8 + meta.length + body.length);
  f.writeUInt32BE(meta.length, 0);
  meta.copy(f, 4);
  f.writeUInt32BE(body.length, 4 + meta.length);
  body.copy(f, 8 + meta.length);
  const stream = Buffer.concat([f, f]);
  for (const cut of [1, 3, 65_536, 1_000_003]) {
    const reader = new FrameReader(twoStep, 4 << 20);
    const got: Buffer[] = [];
    const step = cut === 1 ? 4096 : cut; // 1: byte by byte around the header only
    reader.push(stream.subarray(0, 1), (x) => got.push(Buffer.from(x)));
    for (let i = 1; i < stream.length; i += step) reader.push(stream.subarray(i, i + step), (x) => got.push(Buffer.from(x)));
    assert.equal(got.length, 2);
    assert.ok(got[0]!.equals(f) && got[1]!.equals(f));
    assert.equal(reader.buffered, 0);
  }
});

test('a large frame over the limit is refused from its header, nothing held', () => {
  const reader = new FrameReader(lengthPrefixed, 2 << 20);
  const header = Buffer.alloc(4);
  header.writeUInt32BE((2 << 20) + 1);
  assert.throws(() => reader.push(header, () => assert.fail('no frame')), (e: unknown) => RpcError.is(e, Code.FrameTooLarge));
  assert.equal(reader.buffered, 0);
});
