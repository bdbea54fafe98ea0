import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Code, RpcError } from '@meshlet/core';
import { bytesAt, i16, i32, put16, put32, u16 } from './bytes.js';
import { CMD_RESPONSE, CODEC_HESSIAN, TYPE_RESPONSE } from './constants.js';
import { buildFrame, V1 } from './frame.js';

test('direct byte reads and writes agree with Buffer read/write*BE over edge and random values', () => {
  const edges16 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xfffe, 0xffff];
  const edges32 = [0, 1, -1, 0x7fffffff, -0x80000000, 0x80000000, 0xffffffff, 0x12345678, -0x12345678];
  let seed = 7;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < 2000; i++) {
    edges16.push(rand() & 0xffff);
    edges32.push(rand() | 0, rand());
  }
  const a = Buffer.alloc(8);
  const b = Buffer.alloc(8);
  for (const v of edges16) {
    a.writeUInt16BE(v, 3);
    put16(b, 3, v);
    assert.ok(a.equals(b), `put16 ${v}`);
    assert.equal(u16(a, 3), a.readUInt16BE(3));
    assert.equal(i16(a, 3), a.readInt16BE(3));
  }
  for (const v of edges32) {
    if (v < 0) a.writeInt32BE(v, 2);
    else a.writeUInt32BE(v, 2);
    put32(b, 2, v);
    assert.ok(a.equals(b), `put32 ${v}`);
    assert.equal(i32(a, 2), a.readInt32BE(2));
  }
});

test('a 16-bit frame field that does not fit is a typed error, not silently truncated', () => {
  const empty = Buffer.alloc(0);
  const bad = (fn: () => unknown) => assert.throws(fn, (e: unknown) => RpcError.is(e, Code.Serialization));
  bad(() => buildFrame(V1, TYPE_RESPONSE, CMD_RESPONSE, 1, CODEC_HESSIAN, 0x10000, empty, empty, empty));
  bad(() => buildFrame(V1, TYPE_RESPONSE, 0x10000, 1, CODEC_HESSIAN, 0, empty, empty, empty));
  bad(() => buildFrame(V1, TYPE_RESPONSE, CMD_RESPONSE, 1, CODEC_HESSIAN, 0, empty, Buffer.alloc(0x10000), empty));
  assert.equal(buildFrame(V1, TYPE_RESPONSE, CMD_RESPONSE, 1, CODEC_HESSIAN, 0xffff, empty, empty, empty).readUInt16BE(10), 0xffff);
});

test('bytesAt: equal only for the same length and bytes, within the buffer', () => {
  const b = Buffer.from('xxcom.example.Fooyy');
  assert.ok(bytesAt(b, 2, 15, Buffer.from('com.example.Foo')));
  assert.ok(!bytesAt(b, 2, 15, Buffer.from('com.example.Fop')));
  assert.ok(!bytesAt(b, 2, 14, Buffer.from('com.example.Foo')));
  assert.ok(!bytesAt(b, 6, 15, Buffer.from('example.Fooyyzz')), 'past the end');
  assert.ok(bytesAt(b, 0, 0, Buffer.alloc(0)));
});
