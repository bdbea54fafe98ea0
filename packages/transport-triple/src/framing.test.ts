import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Code, RpcError } from '@meshlet/core';
import { MessageReader, frameMessage } from './framing.js';
import { decodeRpcStatus, encodeRpcStatus } from './rpc-status.js';
import { decodeGrpcMessage, encodeGrpcMessage } from './status.js';
import { encodeTimeout, parseTimeout } from './timeout.js';
import { decodeRequestWrapper, decodeResponseWrapper, encodeRequestWrapper, encodeResponseWrapper } from './wrapper.js';

/** Splits bytes at the given cut points (any chunking HTTP/2 may deliver). */
function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  for (const p of points) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  out.push(bytes.subarray(at));
  return out;
}

test('framing: any messages, compressed or not, in any chunking, come back whole and in order', () => {
  fc.assert(fc.property(
    fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 12 }),
    (messages, gzip, cuts) => {
      const wire = Buffer.concat(messages.map((m) => frameMessage(m, gzip)));
      const reader = new MessageReader(1024, gzip ? 'gzip' : undefined);
      const got = chunked(wire, cuts).flatMap((c) => reader.push(c));
      assert.equal(reader.partial, false);
      assert.deepEqual(got.map((b) => Buffer.from(b).toString('hex')), messages.map((m) => Buffer.from(m).toString('hex')));
    },
  ), { seed: 17, numRuns: 300 });
});

test('framing: arbitrary bytes never crash the reader: messages or a typed RpcError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(undefined, 'gzip', 'deflate'), (bytes, enc) => {
    const reader = new MessageReader(64, enc);
    try {
      reader.push(Buffer.from(bytes));
    } catch (err) {
      assert.ok(err instanceof RpcError, String(err));
      assert.ok([Code.Protocol, Code.FrameTooLarge].includes(err.code as never), err.code);
    }
  }), { seed: 17, numRuns: 500 });
});

test('framing: a message over the limit fails at its prefix, before its bytes arrive', () => {
  const reader = new MessageReader(10, undefined);
  const head = Buffer.from([0, 0, 0, 0, 11]);
  assert.throws(() => reader.push(head), (e: unknown) => RpcError.is(e, Code.FrameTooLarge));
});

test('framing: a gzip bomb is refused at the limit, not inflated', () => {
  const bomb = frameMessage(Buffer.alloc(1 << 20), true);
  const reader = new MessageReader(1000, 'gzip');
  assert.throws(() => reader.push(bomb), (e: unknown) => RpcError.is(e, Code.FrameTooLarge));
});

test('grpc-message percent-encoding round-trips any text; malformed escapes stay as they are', () => {
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (s) => {
    const enc = encodeGrpcMessage(s);
    assert.match(enc, /^[\x20-\x7e]*$/);
    assert.equal(decodeGrpcMessage(enc), s);
  }), { seed: 17, numRuns: 300 });
  assert.equal(decodeGrpcMessage('100%zz done %4'), '100%zz done %4');
  assert.equal(decodeGrpcMessage('caf%C3%A9'), 'café');
});

test('google.rpc.Status round-trips; garbage is a PROTOCOL error, never a crash', () => {
  fc.assert(fc.property(
    fc.integer({ min: 0, max: 16 }), fc.string({ maxLength: 40 }),
    fc.array(fc.record({ typeUrl: fc.string({ maxLength: 30 }), value: fc.uint8Array({ maxLength: 30 }) }), { maxLength: 3 }),
    (code, message, details) => {
      const back = decodeRpcStatus(encodeRpcStatus({ code, message, details }));
      assert.equal(back.code, code);
      assert.equal(back.message, message);
      assert.deepEqual(back.details.map((d) => [d.typeUrl, Buffer.from(d.value).toString('hex')]), details.map((d) => [d.typeUrl, Buffer.from(d.value).toString('hex')]));
    },
  ), { seed: 17, numRuns: 200 });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 60 }), (bytes) => {
    try {
      decodeRpcStatus(bytes);
    } catch (err) {
      assert.ok(RpcError.is(err, Code.Protocol), String(err));
    }
  }), { seed: 17, numRuns: 500 });
});

test('Triple wrappers round-trip (field numbers 1, 2, 3 as TripleWrapper.proto)', () => {
  const req = { serializeType: 'hessian4', args: [Buffer.from([0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f]), Buffer.from([0x91])], argTypes: ['java.lang.String', 'int'] };
  const bytes = encodeRequestWrapper(req);
  // serializeType = field 1 (0x0a), args = field 2 (0x12), argTypes = field 3 (0x1a).
  assert.equal(bytes[0], 0x0a);
  const back = decodeRequestWrapper(bytes);
  assert.equal(back.serializeType, 'hessian4');
  assert.deepEqual(back.argTypes, req.argTypes);
  assert.ok(Buffer.from(back.args[0]!).equals(req.args[0]!));
  assert.ok(Buffer.from(back.args[1]!).equals(req.args[1]!));
  const res = decodeResponseWrapper(encodeResponseWrapper({ serializeType: 'hessian4', data: Buffer.from([0x4e]), type: 'java.lang.String' }));
  assert.equal(res.type, 'java.lang.String');
  assert.ok(Buffer.from(res.data).equals(Buffer.from([0x4e])));
});

test('grpc-timeout: encode/parse every unit; malformed means no deadline', () => {
  assert.equal(encodeTimeout(1500), '1500m');
  assert.equal(parseTimeout('1500m'), 1500);
  assert.equal(parseTimeout('2S'), 2000);
  assert.equal(parseTimeout('1H'), 3_600_000);
  assert.equal(parseTimeout('1M'), 60_000);
  assert.equal(parseTimeout('5000u'), 5);
  assert.equal(parseTimeout('123456789m'), undefined);
  assert.equal(parseTimeout('10x'), undefined);
  assert.equal(parseTimeout(encodeTimeout(1e9)), 1e9);
});
