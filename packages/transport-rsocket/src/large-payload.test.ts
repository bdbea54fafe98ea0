import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import fc from 'fast-check';
import { encodeFrame, frameParts } from './frame-writer.js';
import { hasControl, LONG_JSON_STRING, quotedJsonString, utf8Text } from './json-string.js';
import { methodCodec } from './payload-codec.js';
import { BufferEncoders, Flag, FrameType, type Frame } from './rsocket-lib.js';
import { t, type MethodDefinition } from '@meshlet/core';

const lib = createRequire(import.meta.url)('rsocket-core') as { serializeFrameWithLength(frame: Frame, encoders: unknown): Buffer };

/** Long strings over an alphabet that hits every branch: escapes, controls, non-ASCII, surrogates. */
const longString = fc
  .tuple(
    fc.string({ unit: fc.constantFrom('a', 'x', ' ', '~', '\x7f'), minLength: LONG_JSON_STRING, maxLength: 3000 }),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom('"', '\\', '\n', '\x00', '\x1f', 'é', '€', '😀', '\ud800', '\udc00')), { maxLength: 3 }),
  )
  .map(([base, inserts]) => {
    let s = base;
    for (const [at, c] of inserts) s = s.slice(0, at % s.length) + c + s.slice(at % s.length);
    return s;
  });

test('a long string needing no escape is written as JSON.stringify would, once; anything else is left to JSON.stringify', () => {
  fc.assert(
    fc.property(longString, (s) => {
      const quoted = quotedJsonString(s);
      const plain = /^[\x20-\x7e\x7f]*$/.test(s) && !/["\\]/.test(s);
      if (quoted === undefined) assert.equal(plain, false, 'a plain ASCII string took the slow path');
      else assert.equal(quoted.toString('latin1'), JSON.stringify(s));
    }),
    { numRuns: 300 },
  );
});

test('hasControl agrees with a byte-by-byte scan at every alignment and length', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(7), fc.nat(7), (u, lead, trail) => {
      const ascii = Buffer.from(u.map((b) => b & 0x7f));
      const base = Buffer.alloc(lead + ascii.length + trail, 0x01); // controls around it must not count
      ascii.copy(base, lead);
      const view = base.subarray(lead, lead + ascii.length);
      assert.equal(hasControl(view), view.some((b) => b < 0x20));
    }),
    { numRuns: 500 },
  );
});

test('utf8Text reads ASCII and UTF-8 alike', () => {
  for (const s of ['x'.repeat(5000), 'é'.repeat(3000) + 'x', 'x'.repeat(2000) + '😀', 'short']) {
    const b = Buffer.from(`[${s}]`);
    assert.equal(utf8Text(b, 1, b.length - 1), s);
  }
});

test('a JSON string method: long arguments and results round-trip through the fast paths', () => {
  const method = { name: 'echo', params: [t.string], returns: t.string } as unknown as MethodDefinition;
  const codec = methodCodec(method);
  for (const s of ['x'.repeat(100_000), `${'y'.repeat(5000)}"quoted"\n`, 'é'.repeat(4000), 'z']) {
    const args = codec.encodeArgs([s]);
    const result = codec.encodeResult(s);
    assert.equal(Buffer.from(args).toString('utf8'), JSON.stringify(s));
    assert.deepEqual(codec.decodeArgs(Buffer.from(args)), [s]);
    assert.equal(codec.decodeResult(Buffer.from(result)), s);
  }
});

test('large payload data is written behind the frame header, not copied into it; the bytes are the library\'s', () => {
  const data = Buffer.alloc(200_000, 0x61);
  const metadata = Buffer.from('meta');
  for (const frame of [
    { type: FrameType.REQUEST_RESPONSE, flags: Flag.METADATA, streamId: 1, data, metadata },
    { type: FrameType.PAYLOAD, flags: Flag.NEXT | Flag.COMPLETE, streamId: 3, data, metadata: null },
    { type: FrameType.REQUEST_STREAM, flags: 0, streamId: 5, requestN: 7, data, metadata: null },
  ] as Frame[]) {
    const parts = frameParts(frame);
    assert.equal(parts.length, 2);
    assert.equal(parts[1], data, 'the data buffer itself is the second part');
    assert.ok(parts[0]!.length < 64);
    assert.deepEqual(encodeFrame(frame), lib.serializeFrameWithLength(frame, BufferEncoders));
  }
  // Small data is laid out in one buffer.
  assert.equal(frameParts({ type: FrameType.PAYLOAD, flags: Flag.NEXT, streamId: 1, data: Buffer.from('hi'), metadata: null } as Frame).length, 1);
});
