import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Code, RpcError } from '@meshlet/core';
import { FrameReader } from './frame-reader.js';
import { encodeFrame, fragmentParts } from './frame-writer.js';
import { specFragments } from './lib-transport.fixture.js';
import { Reassembler } from './reassembly.js';
import { BufferEncoders, Flag, FrameType, deserializeFrame, type Frame } from './rsocket-lib.js';

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((u) => Buffer.from(u));

/** Frames that may be fragmented, metadata and data up to a few KB. */
const fragmentable: fc.Arbitrary<Frame> = fc.record({
  type: fc.constantFrom(FrameType.REQUEST_RESPONSE, FrameType.REQUEST_FNF, FrameType.REQUEST_STREAM, FrameType.REQUEST_CHANNEL, FrameType.PAYLOAD),
  withMetadata: fc.boolean(),
  complete: fc.boolean(),
  streamId: fc.integer({ min: 1, max: 0x7fffffff }),
  requestN: fc.integer({ min: 1, max: 0x7fffffff }),
  metadata: bytes(3000),
  data: bytes(5000),
}).map(({ type, withMetadata, complete, streamId, requestN, metadata, data }) => {
  const flags = (withMetadata ? Flag.METADATA : 0) | (type === FrameType.PAYLOAD ? Flag.NEXT : 0)
    | (complete && (type === FrameType.PAYLOAD || type === FrameType.REQUEST_CHANNEL) ? Flag.COMPLETE : 0);
  const withN = type === FrameType.REQUEST_STREAM || type === FrameType.REQUEST_CHANNEL;
  return { type, flags, streamId, ...(withN ? { requestN } : {}), metadata: withMetadata ? metadata : null, data } as Frame;
});

/** Frames as rsocket-core reads them, out of bytes cut at `cuts`. */
function readFrames(wire: Buffer, cuts: number[], limit = 1 << 20): { frame: Frame; length: number }[] {
  const reader = new FrameReader(limit);
  const out: { frame: Frame; length: number }[] = [];
  const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const at of [...points, wire.length]) {
    reader.push(wire.subarray(from, at), (f) => out.push({ frame: deserializeFrame(Buffer.from(f), BufferEncoders), length: f.length }));
    from = at;
  }
  assert.equal(reader.pending, 0);
  return out;
}

/** What rsocket-core reads from the unfragmented frame: the reassembled one must equal it. */
function unfragmented(frame: Frame): Frame {
  return deserializeFrame(encodeFrame(frame).subarray(3), BufferEncoders);
}

function same(got: Frame, want: Frame): void {
  assert.equal(got.type, want.type);
  assert.equal(got.streamId, want.streamId);
  assert.equal(got.flags, want.flags);
  assert.equal(got.requestN, want.requestN);
  // Empty data (or metadata under the M flag) reads as null or as no bytes alike.
  const bytesOf = (b: Buffer | string | null | undefined) => Buffer.from((b as Buffer | null) ?? []);
  assert.deepEqual(bytesOf(got.data), bytesOf(want.data));
  assert.deepEqual(bytesOf(got.metadata), bytesOf(want.metadata));
}

test('property: any frame, any fragment size, any cut of the bytes: reassembled as the frame itself, nothing left held', () => {
  fc.assert(fc.property(fragmentable, fc.integer({ min: 64, max: 2500 }), fc.array(fc.nat(20_000), { maxLength: 12 }), (frame, size, cuts) => {
    const parts = fragmentParts(frame, size);
    const wire = Buffer.concat(parts);
    const read = readFrames(wire, cuts);
    // The layout the spec asks for: each fragment within the size, the frame's own type first and
    // PAYLOAD after, FOLLOWS on all but the last, COMPLETE on the last only, metadata before data.
    let dataSeen = false;
    read.forEach(({ frame: f, length }, i) => {
      const last = i === read.length - 1;
      assert.ok(length <= size, `fragment ${i} is ${length} bytes, over ${size}`);
      assert.equal(f.type, i === 0 ? frame.type : FrameType.PAYLOAD);
      assert.equal((f.flags & Flag.FOLLOWS) !== 0, !last);
      if (!last) assert.equal(f.flags & Flag.COMPLETE, 0);
      const m = (f.flags & Flag.METADATA) !== 0 ? (f.metadata?.length ?? 0) : 0;
      if (m > 0) assert.equal(dataSeen, false, 'metadata after data');
      if ((f.data?.length ?? 0) > 0) dataSeen = true;
    });
    const r = new Reassembler(1 << 20, () => assert.fail('refused'));
    const out = read.map(({ frame: f, length }) => r.accept(f, length)).filter((f) => f !== undefined);
    assert.equal(out.length, 1);
    same(out[0]!, unfragmented(frame));
    assert.equal(r.bytes, 0);
    assert.equal(r.streams, 0);
  }), { numRuns: 400 });
});

test('property: fragments of two streams interleaved come out as both frames; the spec fragments of the test peer too', () => {
  fc.assert(fc.property(fragmentable, fragmentable, fc.integer({ min: 64, max: 1000 }), fc.array(fc.boolean(), { maxLength: 200 }), (a0, b0, size, order) => {
    const a = { ...a0, streamId: 1 } as Frame;
    const b = { ...b0, streamId: 3 } as Frame;
    // Ours for one stream, the fixture's independent fragmenter for the other.
    const fa = readFrames(Buffer.concat(fragmentParts(a, size)), []);
    const fb = specFragments(b, size).map((f) => ({ frame: unfragmented(f), length: encodeFrame(f).length - 3 }));
    const merged: { frame: Frame; length: number }[] = [];
    for (const pickA of order) {
      if (pickA && fa.length > 0) merged.push(fa.shift()!);
      else if (fb.length > 0) merged.push(fb.shift()!);
    }
    merged.push(...fa, ...fb);
    const r = new Reassembler(1 << 20, () => assert.fail('refused'));
    const out = merged.map(({ frame, length }) => r.accept(frame, length)).filter((f) => f !== undefined);
    assert.equal(out.length, 2);
    same(out.find((f) => f!.streamId === 1)!, unfragmented(a));
    same(out.find((f) => f!.streamId === 3)!, unfragmented(b));
    assert.equal(r.bytes, 0);
  }), { numRuns: 200 });
});

/** The fragments of a PAYLOAD on `streamId` with `size` data bytes, as frames read back. */
function fragmentsOf(streamId: number, size: number, fragmentSize: number, type: number = FrameType.PAYLOAD) {
  const frame = { type, flags: type === FrameType.PAYLOAD ? Flag.NEXT | Flag.COMPLETE : 0, streamId, requestN: 8, data: Buffer.alloc(size, streamId), metadata: null } as Frame;
  return readFrames(Buffer.concat(fragmentParts(frame, fragmentSize)), [], 1 << 24);
}

test('a CANCEL or ERROR on a stream mid-reassembly drops its partial frame at once and is passed on', () => {
  for (const type of [FrameType.CANCEL, FrameType.ERROR]) {
    const r = new Reassembler(1 << 20, () => assert.fail('refused'));
    const parts = fragmentsOf(5, 10_000, 1000, FrameType.REQUEST_RESPONSE);
    for (const { frame, length } of parts.slice(0, 4)) assert.equal(r.accept(frame, length), undefined);
    assert.ok(r.bytes > 3000);
    const end = { type, flags: 0, streamId: 5, code: 0x203, message: 'x' } as Frame;
    assert.equal(r.accept(end, 10), end);
    assert.equal(r.bytes, 0);
    assert.equal(r.streams, 0);
  }
});

test('abandon (we sent CANCEL): the partial frame goes, the fragments still in flight are dropped unbuffered, the stream id is free again after the last one', () => {
  const r = new Reassembler(1 << 20, () => assert.fail('refused'));
  const parts = fragmentsOf(7, 10_000, 1000);
  for (const { frame, length } of parts.slice(0, 3)) r.accept(frame, length);
  r.abandon(7);
  assert.equal(r.bytes, 0);
  for (const { frame, length } of parts.slice(3)) {
    assert.equal(r.accept(frame, length), undefined);
    assert.equal(r.bytes, 0);
  }
  // Another stream, and then the same id, reassemble normally.
  for (const id of [9, 7]) {
    const again = fragmentsOf(id, 3000, 1000).map(({ frame, length }) => r.accept(frame, length)).filter(Boolean);
    assert.equal(again.length, 1);
    assert.equal((again[0]!.data as Buffer).length, 3000);
  }
});

test('over the per-connection budget: that stream alone is refused with FRAME_TOO_LARGE, the rest of it dropped; others complete', () => {
  const refused: [Frame, RpcError][] = [];
  const r = new Reassembler(20_000, (first, error) => refused.push([first, error]));
  const small = fragmentsOf(1, 8000, 1000);
  const big = fragmentsOf(3, 30_000, 1000, FrameType.REQUEST_STREAM);
  const out: Frame[] = [];
  // Interleaved: the small one is half in when the big one passes the budget.
  const feed = (p: { frame: Frame; length: number }) => {
    const f = r.accept(p.frame, p.length);
    if (f) out.push(f);
  };
  small.slice(0, 4).forEach(feed);
  big.forEach(feed);
  assert.equal(refused.length, 1);
  assert.equal(refused[0]![0].streamId, 3);
  assert.equal(refused[0]![0].type, FrameType.REQUEST_STREAM);
  assert.ok(RpcError.is(refused[0]![1], Code.FrameTooLarge));
  assert.ok(r.bytes < 5000, `only the small stream's bytes are held (${r.bytes})`);
  small.slice(4).forEach(feed);
  assert.equal(out.length, 1);
  assert.equal((out[0]!.data as Buffer).length, 8000);
  assert.equal(r.bytes, 0);
});

test('the budget counts what the frame will be: a frame of exactly the limit passes, one byte more does not', () => {
  const frame = { type: FrameType.PAYLOAD, flags: Flag.NEXT | Flag.METADATA, streamId: 1, data: Buffer.alloc(5000, 1), metadata: Buffer.alloc(700, 2) } as Frame;
  const whole = encodeFrame(frame).length - 3;
  for (const [limit, ok] of [[whole, true], [whole - 1, false]] as const) {
    let refusedCount = 0;
    const r = new Reassembler(limit, () => refusedCount++);
    const out = readFrames(Buffer.concat(fragmentParts(frame, 300)), []).map(({ frame: f, length }) => r.accept(f, length)).filter(Boolean);
    assert.equal(out.length, ok ? 1 : 0);
    assert.equal(refusedCount, ok ? 0 : 1);
  }
});

test('tiny fragments (1 data byte each) are packed, not kept one Buffer per fragment', () => {
  const r = new Reassembler(1 << 20, () => assert.fail('refused'));
  const data = Buffer.from(Array.from({ length: 20_000 }, (_, i) => i & 0xff));
  let out: Frame | undefined;
  for (let i = 0; i < data.length; i++) {
    const last = i === data.length - 1;
    const f = { type: FrameType.PAYLOAD, flags: Flag.NEXT | (last ? Flag.COMPLETE : Flag.FOLLOWS), streamId: 1, data: data.subarray(i, i + 1), metadata: null } as Frame;
    out = r.accept(f, 7) ?? out;
  }
  assert.deepEqual(Buffer.from(out!.data as Buffer), data);
  assert.equal(out!.flags, Flag.NEXT | Flag.COMPLETE);
});

test('a new request on a stream whose fragmented frame is incomplete is a PROTOCOL error; REQUEST_N passes through', () => {
  const r = new Reassembler(1 << 20, () => assert.fail('refused'));
  const parts = fragmentsOf(1, 5000, 1000, FrameType.REQUEST_CHANNEL);
  r.accept(parts[0]!.frame, parts[0]!.length);
  const n = { type: FrameType.REQUEST_N, flags: 0, streamId: 1, requestN: 5 } as Frame;
  assert.equal(r.accept(n, 10), n);
  assert.throws(() => r.accept({ type: FrameType.REQUEST_RESPONSE, flags: 0, streamId: 1, data: Buffer.alloc(1), metadata: null } as Frame, 7),
    (e: unknown) => RpcError.is(e, Code.Protocol));
});
