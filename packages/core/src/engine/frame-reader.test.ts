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
