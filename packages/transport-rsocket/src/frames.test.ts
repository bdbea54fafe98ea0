import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import fc from 'fast-check';
import { Code, RpcError } from '@meshlet/core';
import { FrameReader } from './frame-reader.js';
import { encodeFrame } from './frame-writer.js';
import { BufferEncoders, Flag, FrameType, deserializeFrame, type Frame } from './rsocket-lib.js';

const lib = createRequire(import.meta.url)('rsocket-core') as { serializeFrameWithLength(frame: Frame, encoders: unknown): Buffer };

const bytes = fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u));
const streamId = fc.integer({ min: 1, max: 0x7fffffff });

/** Frames of the kinds our writer lays out itself, with binary data (not valid UTF-8, often). */
const frames: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({
    type: fc.constantFrom(FrameType.REQUEST_RESPONSE, FrameType.REQUEST_FNF, FrameType.PAYLOAD),
    flags: fc.constantFrom(0, Flag.METADATA, Flag.NEXT | Flag.COMPLETE | Flag.METADATA, Flag.COMPLETE),
    streamId,
    data: fc.option(bytes),
    metadata: fc.option(bytes),
  }),
  fc.record({
    type: fc.constant(FrameType.REQUEST_STREAM),
    flags: fc.constantFrom(0, Flag.METADATA),
    streamId,
    requestN: fc.integer({ min: 1, max: 0x7fffffff }),
    data: fc.option(bytes),
    metadata: fc.option(bytes),
  }),
  fc.record({ type: fc.constant(FrameType.REQUEST_N), flags: fc.constant(0), streamId, requestN: fc.integer({ min: 1, max: 0x7fffffff }) }),
  fc.record({ type: fc.constant(FrameType.CANCEL), flags: fc.constant(0), streamId }),
  fc.record({ type: fc.constant(FrameType.ERROR), flags: fc.constant(0), streamId, code: fc.integer({ min: 0x201, max: 0x204 }), message: fc.string({ unit: 'grapheme', maxLength: 50 }) }),
);

test('our frame writer lays frames out byte for byte as rsocket-core 0.0.27 does (BufferEncoders)', () => {
  fc.assert(fc.property(frames, (frame) => {
    assert.deepEqual(encodeFrame(frame), lib.serializeFrameWithLength(frame, BufferEncoders));
  }), { numRuns: 2000 });
});

test('JSON text given as a string is written as its UTF-8 bytes', () => {
  const frame = { type: FrameType.PAYLOAD, flags: Flag.NEXT | Flag.COMPLETE | Flag.METADATA, streamId: 3, data: '"zoë 😀"', metadata: null };
  const asBytes = { ...frame, data: Buffer.from('"zoë 😀"') };
  assert.deepEqual(encodeFrame(frame), lib.serializeFrameWithLength(asBytes, BufferEncoders));
});

test('binary data with bytes that are not UTF-8 survives write and read (0.0.27 needs BufferEncoders for it)', () => {
  const data = Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x80]);
  const bytesOut = encodeFrame({ type: FrameType.PAYLOAD, flags: Flag.NEXT, streamId: 1, data });
  const back = deserializeFrame(bytesOut.subarray(3), BufferEncoders);
  assert.deepEqual(back.data, data);
});

test('property: the reader splits any chunking of a frame stream back into the same frames', () => {
  fc.assert(fc.property(fc.array(frames, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(400), { maxLength: 10 }), (list, cuts) => {
    const stream = Buffer.concat(list.map(encodeFrame));
    const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
    const reader = new FrameReader(1 << 20);
    const got: Buffer[] = [];
    let from = 0;
    for (const at of [...points, stream.length]) {
      reader.push(stream.subarray(from, at), (f) => got.push(Buffer.from(f)));
      from = at;
    }
    assert.equal(reader.pending, 0);
    assert.deepEqual(got, list.map((f) => encodeFrame(f).subarray(3)));
  }), { numRuns: 500 });
});

test('a frame over the limit is refused from its length prefix, before its body is buffered', () => {
  const reader = new FrameReader(1024);
  assert.throws(() => reader.push(Buffer.from([0x00, 0x04, 0x01]), () => {}), (e: unknown) => RpcError.is(e, Code.FrameTooLarge));
  assert.equal(reader.pending, 0);
  const split = new FrameReader(1024);
  split.push(Buffer.from([0x00]), () => {});
  assert.throws(() => split.push(Buffer.from([0x10, 0x00]), () => {}), (e: unknown) => RpcError.is(e, Code.FrameTooLarge));
  assert.throws(() => new FrameReader(1024).push(Buffer.from([0, 0, 2, 0, 0]), () => {}), (e: unknown) => RpcError.is(e, Code.Protocol));
});

test('fuzz: arbitrary bytes end in frames, typed errors, or library errors the connection turns into PROTOCOL', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (raw) => {
    const reader = new FrameReader(4096);
    try {
      reader.push(Buffer.from(raw), (f) => {
        try {
          deserializeFrame(f, BufferEncoders);
        } catch (err) {
          // TcpConnection wraps these as PROTOCOL and closes the connection (see server.test.ts).
          assert.ok(err instanceof Error);
        }
      });
    } catch (err) {
      assert.ok(RpcError.is(err, Code.FrameTooLarge) || RpcError.is(err, Code.Protocol), String(err));
    }
    assert.ok(reader.pending <= 4096 + 3);
  }), { numRuns: 3000 });
});
