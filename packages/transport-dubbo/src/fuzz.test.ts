import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createInvocation, createRuntime, defineService, RpcError, t } from '@meshlet/core';
import { HessianReader, HessianWriter } from '@meshlet/hessian';
import { dubbo } from './protocol.js';
import { golden, hex } from './golden.fixture.js';
import { RawPeer } from './wire.fixture.js';
import { HEADER_LENGTH } from './constants.js';
import { parseHeader } from './header.js';
import { RequestEncoder, readRequestHead } from './request.js';
import { decodeResponse } from './response.js';

const Svc = defineService({
  interface: 'com.meshlet.Fuzz',
  version: '1.0',
  methods: {
    f: { params: [t.int32, t.int64, t.string, t.list(t.string), t.float64, t.bool], returns: t.map(t.string, t.int64) },
  },
});
const f = Svc.methods.get('f')!;

/** Mutations of a valid frame that keep its header's length consistent with the bytes sent. */
const mutated = (base: Buffer) => fc.tuple(
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
  fc.nat(),
  fc.boolean(),
).map(([flips, cut, truncate]) => {
  const body = Buffer.from(base.subarray(HEADER_LENGTH));
  for (const [at, v] of flips) if (body.length > 0) body[at % body.length] = v;
  const kept = truncate ? body.subarray(0, cut % (body.length + 1)) : body;
  const frame = Buffer.concat([base.subarray(0, HEADER_LENGTH), kept]);
  frame.writeInt32BE(kept.length, 12);
  return frame;
});

test('property: requests round-trip through encode and decode', () => {
  const encoder = new RequestEncoder(new HessianWriter(), 'app');
  fc.assert(fc.property(
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fc.string({ unit: 'grapheme', maxLength: 50 }),
    fc.array(fc.string({ maxLength: 8 }), { maxLength: 5 }),
    fc.double(),
    fc.boolean(),
    fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 4 }),
    (i, l, s, list, d, b, attachments) => {
      const args = [i, l, s, list, d, b];
      const inv = createInvocation(Svc, f, args, { attachments });
      const frame = encoder.encode(0, 7, inv, 1234);
      assert.equal(parseHeader(frame).bodyLength, frame.length - HEADER_LENGTH);
      const r = new HessianReader(frame, HEADER_LENGTH, frame.length);
      const head = readRequestHead(r);
      assert.equal(head.descriptor, 'IJLjava/lang/String;Ljava/util/List;DZ');
      const decoded = f.params.map((p) => r.readTyped(p));
      assert.deepEqual(decoded, args);
      const att = r.readValue() as Map<string, string>;
      for (const [k, v] of Object.entries(attachments)) {
        if (!['path', 'interface', 'version', 'timeout', 'remote.application'].includes(k)) assert.equal(att.get(k), v);
      }
      assert.ok(r.atEnd);
    },
  ), { numRuns: 300 });
});

test('fuzz: mutated and random responses decode to a value or an RpcError, nothing else', () => {
  const bases = [golden.B, golden.C, golden.D, golden.G_NZD_RESPONSE].map(hex);
  const fBody = hex(golden.F_BODY);
  const fFrame = Buffer.concat([hex('dabb0214000000000000000100000000'), fBody]);
  fFrame.writeInt32BE(fBody.length, 12);
  bases.push(fFrame);
  const method = defineService({ interface: 'x', methods: { m: { params: [], returns: t.any } } }).methods.get('m')!;
  const check = (frame: Buffer) => {
    try {
      decodeResponse(frame, method);
      decodeResponse(frame, f);
    } catch (err) {
      if (!(err instanceof RpcError)) throw new Error(`non-RpcError for ${frame.toString('hex')}: ${String(err)}`);
    }
  };
  fc.assert(fc.property(fc.oneof(...bases.map(mutated)), check), { numRuns: 3000 });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 255 }), (body, status) => {
    const frame = Buffer.concat([hex('dabb0200000000000000000100000000'), body]);
    frame[3] = status;
    frame.writeInt32BE(body.length, 12);
    check(frame);
  }), { numRuns: 3000 });
});

test('fuzz: a live server answers mutated requests with a status or closes that connection; it keeps serving', async () => {
  const mesh = createRuntime({ protocols: [dubbo()], server: { host: '127.0.0.1', port: 0 } });
  const Demo = defineService({ interface: 'org.apache.dubbo.demo.DemoService', methods: { sayHello: { params: [t.string], returns: t.string } } });
  mesh.provide(Demo, { sayHello: (n) => `Hello ${n}` });
  await mesh.start();
  const port = mesh.address()!.port;
  try {
    const frames = fc.sample(mutated(hex(golden.A)), { numRuns: 400, seed: 42 });
    let peer = await RawPeer.connect(port);
    let expected = 0;
    for (const frame of frames) {
      peer.send(frame);
      // Two-way requests get exactly one response; a frame the server cannot frame closes the socket.
      if ((frame[2]! & 0x40) !== 0 && (frame[2]! & 0x80) !== 0) {
        try {
          const resp = await peer.frame(expected, 10_000); // a hang guard on a loaded machine
          assert.ok([20, 40, 70].includes(parseHeader(resp).status) || (resp[2]! & 0x20) !== 0);
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
    fresh.send(hex(golden.A));
    assert.equal(parseHeader(await fresh.frame(0)).status, 20);
    fresh.close();
  } finally {
    await mesh.stop(0);
  }
});
