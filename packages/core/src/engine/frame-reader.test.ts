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
