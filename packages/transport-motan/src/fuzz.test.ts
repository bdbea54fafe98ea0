import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Code, RpcError, createRuntime, defineService, t, type TypeDesc } from '@meshlet/core';
import { FrameReader } from '@meshlet/core/engine';
import { motan2 } from './protocol.js';
import { breeze, captures, frames, hex, simple } from './golden.fixture.js';
import { RawPeer } from './wire.fixture.js';
import { META_START, MsgType } from './constants.js';
import { motanSplitter, parseHeader } from './header.js';
import { readMeta } from './meta.js';
import { encodeRequest, prepareCall } from './request.js';
import { decodeResponse, encodeValueResponse } from './response.js';
import { Serializations } from './serializations.js';
import type { Serializer } from './serializer.js';
import { bodyReader } from './body.js';
import { ByteReader } from './wire/reader.js';
import { ByteWriter } from './wire/writer.js';

const serializations = new Serializations();
const both: Serializer[] = [serializations.simple, serializations.breeze];
const w = new ByteWriter();

const User = t.object('com.meshlet.conformance.User', {
  id: t.int64, name: t.string, tags: t.list(t.string), attrs: t.map(t.string, t.string), active: t.bool, score: t.float64,
});
const Svc = defineService({
  interface: 'com.meshlet.Fuzz',
  version: '1.0',
  methods: {
    f: {
      params: [t.int32, t.int64, t.string, t.list(t.string), t.float64, t.bool, t.bytes, t.map(t.string, t.int64), t.nullable(t.string), User, t.int16, t.int8, t.list(t.any)],
      returns: t.map(t.string, t.list(User)),
    },
  },
});
const f = Svc.methods.get('f')!;

const text = fc.string({ unit: 'grapheme', maxLength: 30 });
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const user = fc.record({
  id: int64,
  name: fc.option(text, { nil: null }),
  tags: fc.option(fc.array(text, { maxLength: 4 }), { nil: null }),
  attrs: fc.option(fc.array(fc.tuple(text, text), { maxLength: 3 }).map((es) => new Map(es)), { nil: null }),
  active: fc.boolean(),
  score: fc.double(),
}).map((u) => ({ ...u })); // fast-check's records have no prototype; decoded objects are plain
const anyValue = fc.oneof(text, fc.boolean(), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), int64, fc.constant(null));
const args = fc.tuple(
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), int64, text, fc.array(text, { maxLength: 5 }), fc.double(), fc.boolean(),
  fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b)), fc.array(fc.tuple(text, int64), { maxLength: 4 }).map((es) => new Map(es)),
  fc.option(text, { nil: null }), user, fc.integer({ min: -32768, max: 32767 }), fc.integer({ min: -128, max: 127 }), fc.array(anyValue, { maxLength: 5 }),
);

test('property: requests and responses round-trip through frames, under simple and breeze', () => {
  for (const s of both) {
    const call = prepareCall(Svc, f, s, 'app');
    fc.assert(fc.property(args, fc.array(fc.tuple(text, fc.array(user, { maxLength: 2 })), { maxLength: 3 }), fc.integer({ min: 0, max: 2 ** 31 }), (a, result, id) => {
      const frame = encodeRequest(w, call, 0, id, a, 1000, { k: 'v' }, id % 2 === 0 ? Infinity : 0);
      const h = parseHeader(frame);
      assert.equal(frame.length, META_START + h.metaLength + 4 + h.bodyLength);
      assert.equal(motanSplitter.frameLength(frame, 0), frame.length);
      assert.equal(h.serialization, s.id);
      const meta = readMeta(frame, META_START, META_START + h.metaLength);
      assert.deepEqual([meta.M_p, meta.M_m, meta.M_v, meta.M_s, meta.k], ['com.meshlet.Fuzz', 'f', '1.0', 'app', 'v']);
      assert.deepEqual(call.codec.readArgs(bodyReader(frame, META_START + h.metaLength + 4, 1 << 24)), a);
      const value = new Map(result);
      const resp = encodeValueResponse(w, 0, id, s, call.codec, value, 1, id % 2 === 0 ? Infinity : 0);
      assert.deepEqual(decodeResponse(resp, call, serializations, 1 << 24), value);
    }), { numRuns: 200 });
  }
});

test('property: any single value survives its own descriptor, under both serializations', () => {
  const cases: [TypeDesc, fc.Arbitrary<unknown>][] = [
    [t.int32, fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })],
    [t.int64, int64],
    [t.float32, fc.float({ noNaN: true }).map(Math.fround)],
    [t.float64, fc.double()],
    [t.string, fc.string({ unit: 'binary', maxLength: 100 })],
    [t.list(t.list(t.int32)), fc.array(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 3 }), { maxLength: 3 })],
    [t.map(t.int64, t.nullable(t.string)), fc.array(fc.tuple(int64, fc.option(text, { nil: null })), { maxLength: 4 }).map((es) => new Map(es))],
    [User, user],
  ];
  for (const s of both) {
    for (const [desc, arb] of cases) {
      fc.assert(fc.property(arb, (value) => {
        w.reset();
        s.write(w, value, desc);
        const b = w.finish();
        const r = new ByteReader(b, 0, b.length);
        assert.deepEqual(s.read(r, desc), value);
        assert.ok(r.atEnd);
      }), { numRuns: 150 });
    }
  }
});

/** A valid frame with bytes flipped or cut, its sizes kept consistent with what is sent. */
const mutated = (base: Buffer) => fc.tuple(
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
  fc.nat(),
  fc.boolean(),
).map(([flips, cut, truncate]) => {
  const h = parseHeader(base);
  const bodyStart = META_START + h.metaLength + 4;
  const meta = Buffer.from(base.subarray(META_START, META_START + h.metaLength));
  const body = Buffer.from(base.subarray(bodyStart));
  for (const [at, v] of flips) {
    const inMeta = at % 3 === 0 && meta.length > 0;
    const target = inMeta ? meta : body;
    if (target.length > 0) target[at % target.length] = v;
  }
  const kept = truncate ? body.subarray(0, cut % (body.length + 1)) : body;
  const frame = Buffer.concat([base.subarray(0, META_START), meta, Buffer.alloc(4), kept]);
  frame.writeUInt32BE(kept.length, META_START + meta.length);
  return frame;
});

function expectRpcError(fn: () => unknown, what: Buffer): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof RpcError)) throw new Error(`non-RpcError for ${what.toString('hex')}: ${String(err)}`);
  }
}

test('fuzz: mutated and random responses decode to a value or an RpcError, nothing else', () => {
  const bases = [frames.response, frames.exception, captures.demoResponse, captures.agentResponse, captures.agentError].map(hex);
  const anyCall = prepareCall(Svc, defineService({ interface: 'x', methods: { m: { params: [], returns: t.any } } }).methods.get('m')!, serializations.simple, undefined);
  const calls = [prepareCall(Svc, f, serializations.simple, undefined), prepareCall(Svc, f, serializations.breeze, undefined), anyCall];
  const check = (frame: Buffer) => {
    for (const c of calls) expectRpcError(() => decodeResponse(frame, c, serializations, 1 << 20), frame);
  };
  fc.assert(fc.property(fc.oneof(...bases.map(mutated)), check), { numRuns: 2000 });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 6, 8), (body, status, ser) => {
    const frame = Buffer.concat([hex('f1f1010830000000000000000100000000'), Buffer.alloc(4), body]);
    frame[3] = 0x08 | (status & 7);
    frame[4] = ser << 3;
    frame.writeUInt32BE(body.length, META_START);
    if (status & 8) frame[2]! |= MsgType.GZIP;
    check(frame);
  }), { numRuns: 3000 });
});

test('fuzz: value decoders on random and mutated bytes, every descriptor, both serializations', () => {
  const descs: TypeDesc[] = [t.any, t.string, t.int32, t.int64, t.list(t.string), t.map(t.string, t.any), User, t.list(User), t.bytes, t.date, t.nullable(t.float64)];
  const seeds = [...Object.values(simple), ...Object.values(breeze)].map(hex);
  const arb = fc.oneof(
    fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
    fc.tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 })).map(([b, flips]) => {
      const c = Buffer.from(b);
      for (const [at, v] of flips) if (c.length) c[at % c.length] = v;
      return c;
    }),
  );
  fc.assert(fc.property(arb, (bytes) => {
    for (const s of both) for (const d of descs) expectRpcError(() => s.read(new ByteReader(bytes, 0, bytes.length), d), bytes);
  }), { numRuns: 3000 });
});

test('frames split at every byte boundary reassemble (the splitter asks again once the body size is in)', () => {
  const all = Buffer.concat([captures.demoRequest, frames.javaHeartbeat, captures.proxiedRequest, frames.gzipRequest].map(hex));
  for (let cut = 1; cut < all.length; cut += 7) {
    const out: string[] = [];
    const reader = new FrameReader(motanSplitter, 1 << 20);
    for (let i = 0; i < all.length; i += cut) reader.push(all.subarray(i, Math.min(all.length, i + cut)), (fr) => out.push(fr.toString('hex')));
    assert.deepEqual(out, [captures.demoRequest, frames.javaHeartbeat, captures.proxiedRequest, frames.gzipRequest], `chunks of ${cut}`);
  }
  assert.throws(() => new FrameReader(motanSplitter, 1 << 20).push(hex('dabb00000000000000000000000000000000'), () => {}), (e: unknown) => RpcError.is(e, Code.Protocol));
});

test('fuzz: a live server answers mutated requests or closes that connection; it keeps serving', async () => {
  const mesh = createRuntime({ protocols: [motan2()], server: { host: '127.0.0.1', port: 0 } });
  const Demo = defineService({
    interface: 'com.weibo.motan.demo.service.MotanDemoService',
    group: 'motan-demo-rpc',
    methods: { hello: { params: [t.string], returns: t.string } },
  });
  mesh.provide(Demo, { hello: (n) => `hello ${n}` });
  await mesh.start();
  const port = mesh.address()!.port;
  try {
    const bases = [captures.demoRequest, captures.agentRequest, frames.gzipRequest].map(hex);
    const sample = fc.sample(fc.oneof(...bases.map(mutated)), { numRuns: 400, seed: 42 });
    let peer = await RawPeer.connect(port);
    let expected = 0;
    for (const frame of sample) {
      peer.send(frame);
      const msgType = frame[2]!;
      // Two-way requests get exactly one response (a heartbeat reply for heartbeats).
      if ((msgType & (MsgType.ONEWAY | MsgType.RESPONSE)) === 0) {
        try {
          const resp = await peer.frame(expected, 10_000); // a hang guard on a loaded machine
          assert.ok((resp[2]! & MsgType.RESPONSE) !== 0);
          expected++;
        } catch (err) {
          if (!peer.closed) throw err;
        }
      }
      if (peer.closed) {
        peer = await RawPeer.connect(port);
        expected = 0;
      }
    }
    peer.close();
    const fresh = await RawPeer.connect(port);
    fresh.send(hex(captures.demoRequest));
    assert.equal(parseHeader(await fresh.frame(0)).status, 0);
    fresh.close();
  } finally {
    await mesh.stop(0);
  }
});
