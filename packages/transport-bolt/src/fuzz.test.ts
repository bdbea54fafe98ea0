import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { createInvocation, createRuntime, defineService, RpcError, t } from '@meshlet/core';
import { hessian2, hessian2Draft } from '@meshlet/hessian';
import { bolt } from './protocol.js';
import { protobufMethods } from './protobuf.js';
import { golden, hex } from './golden.fixture.js';
import { RawPeer } from './wire.fixture.js';
import { CODEC_HESSIAN, Status, TYPE_REQUEST, TYPE_RESPONSE } from './constants.js';
import { Flavours } from './flavours.js';
import { boltSplitter, buildFrame, crcValid, parseFrame, V1, V2, V2_CRC } from './frame.js';
import { decodeHeaderMap, encodeHeaderMap, javaHashMapOrder } from './header-map.js';
import { attachmentsOf } from './props.js';
import { compileClientMethod, encodeRequest, readSofaRequest } from './request.js';
import {
  decodeResponse, encodeExceptionResponse, encodeFrameworkErrorResponse, encodeStatusResponse, encodeValueResponse, resultEncoder,
} from './response.js';

const User = t.object('com.meshlet.User', { id: t.int64, name: t.string, tags: t.list(t.string) });
const Svc = defineService({
  interface: 'com.meshlet.Fuzz',
  version: '1.0',
  group: 'g',
  methods: {
    f: { params: [t.int32, t.int64, t.string, t.list(t.string), t.float64, t.bool, t.nullable(User)], returns: t.map(t.string, t.int64) },
  },
});
const f = Svc.methods.get('f')!;
const cm = compileClientMethod(Svc, f, 'fuzz-app');
const Any = defineService({ interface: 'x', methods: { m: { params: [], returns: t.any } } });
const anyMethod = compileClientMethod(Any, Any.methods.get('m')!, undefined);

const user = fc.record({ id: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), name: fc.string({ maxLength: 10 }), tags: fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }) }).map((u) => ({ ...u }));
const args = fc.tuple(
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 5 }),
  fc.double(),
  fc.boolean(),
  fc.option(user, { nil: null }),
);
const attachments = fc.dictionary(
  fc.oneof(fc.string({ minLength: 1, maxLength: 8 }), fc.constantFrom('rpc_trace_context.sofaTraceId', 'rpc_trace_context.sofaRpcId', 'new_rpc_trace_context', '__proto__', 'constructor')),
  fc.string({ maxLength: 12 }),
  { maxKeys: 5 },
);

test('property: requests round-trip in both flavours and every framing, attachments included', () => {
  const flavours = new Flavours(hessian2Draft);
  const writers = [hessian2Draft.createWriter(), hessian2.createWriter()];
  fc.assert(fc.property(args, attachments, fc.constantFrom(0, 1), fc.constantFrom(V1, V2, V2_CRC), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (a, att, wi, shape, id) => {
    const inv = createInvocation(Svc, f, [...a], { attachments: att });
    const frame = encodeRequest(writers[wi]!, shape, id, cm, inv, 1234);
    assert.equal(boltSplitter.frameLength(frame, 0), frame.length);
    assert.ok(crcValid(frame));
    const p = parseFrame(frame);
    assert.deepEqual([p.type, p.id, p.timeout, p.codec], [TYPE_REQUEST, id, 1234, CODEC_HESSIAN]);
    const header = decodeHeaderMap(frame, p.headerStart, p.contentStart);
    assert.equal(header.service, 'com.meshlet.Fuzz:1.0:g');
    const r = flavours.reader(frame, p.contentStart, p.contentStart + p.contentLength);
    const head = readSofaRequest(r);
    assert.deepEqual(head.methodArgSigs, ['int', 'long', 'java.lang.String', 'java.util.List', 'double', 'boolean', 'com.meshlet.User']);
    assert.deepEqual(f.params.map((d) => r.readTyped(d)), a);
    assert.ok(r.atEnd);
    const got = attachmentsOf(Object.entries(header), head.requestProps);
    for (const [k, v] of Object.entries(att)) if (!['app', 'protocol', 'type', 'service'].includes(k) && !k.startsWith('sofa_head_')) assert.equal(got[k], v, k);
    // Nothing inherited: `__proto__`, `constructor` and the like are keys only when the peer sent them.
    for (const k of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) assert.equal(k in got, Object.hasOwn(got, k), k);
    assert.equal(Object.getPrototypeOf(Object.getPrototypeOf(got)), null);
  }), { numRuns: 300 });
});

test('property: header maps round-trip; Java HashMap order is a permutation', () => {
  fc.assert(fc.property(fc.uniqueArray(fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 20 })), { selector: ([k]) => k, maxLength: 30 }), (entries) => {
    const bytes = encodeHeaderMap(entries);
    assert.deepEqual(new Map(Object.entries(decodeHeaderMap(bytes, 0, bytes.length))), new Map(entries));
    const keys = entries.map(([k]) => k);
    assert.deepEqual([...javaHashMapOrder(keys)].sort(), [...keys].sort());
  }), { numRuns: 300 });
});

/** Mutations of a valid frame's class, header and content that keep its lengths consistent. */
const mutated = (base: Buffer) => fc.tuple(
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
  fc.nat(),
  fc.boolean(),
).map(([flips, cut, truncate]) => {
  const p = parseFrame(base);
  const content = Buffer.from(base.subarray(p.contentStart, p.contentStart + p.contentLength));
  const header = Buffer.from(base.subarray(p.headerStart, p.contentStart));
  for (const [at, v] of flips) {
    if (at % 5 === 0 && header.length > 0) header[at % header.length] = v;
    else if (content.length > 0) content[at % content.length] = v;
  }
  const kept = truncate ? content.subarray(0, cut % (content.length + 1)) : content;
  const shape = base[0] === 2 ? { proto: 2, ver1: base[1]!, switchByte: base[11]! } : V1;
  return buildFrame(shape, p.type, p.cmd, p.id, p.codec, p.type === TYPE_RESPONSE ? p.status : p.timeout,
    base.subarray(p.classStart, p.headerStart), header, kept);
});

test('fuzz: mutated and random responses decode to a value or an RpcError, nothing else', () => {
  const w = hessian2Draft.createWriter();
  const w4 = hessian2.createWriter();
  const bases = [
    hex(golden.RESPONSE), hex(golden.FRAMEWORK_ERROR), hex(golden.V2_CRC_RESPONSE),
    encodeExceptionResponse(w, V1, 1, 'java.lang.IllegalStateException', 'boom'),
    encodeStatusResponse(w, V1, 1, Status.SERVER_DESERIAL_EXCEPTION, 'bad'),
    encodeValueResponse(w4, V1, 1, new Map([['a', 1n]]), resultEncoder(f.returns)),
    encodeFrameworkErrorResponse(w4, V2, 1, 'nope'),
  ];
  const flavours = new Flavours(hessian2Draft);
  const check = (frame: Buffer) => {
    for (const m of [cm, anyMethod]) {
      try {
        decodeResponse(frame, m, flavours);
      } catch (err) {
        if (!(err instanceof RpcError)) throw new Error(`non-RpcError for ${frame.toString('hex')}: ${String(err)}`);
      }
    }
  };
  fc.assert(fc.property(fc.oneof(...bases.map(mutated)), check), { numRuns: 3000 });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 40 }), (content, status, header) => {
    check(buildFrame(V1, TYPE_RESPONSE, 2, 1, CODEC_HESSIAN, status, Buffer.from('com.alipay.sofa.rpc.core.response.SofaResponse'), Buffer.from(header), Buffer.from(content)));
  }), { numRuns: 3000 });
  // Any bytes at all: the splitter and the parser answer with a length or an RpcError.
  fc.assert(fc.property(fc.uint8Array({ minLength: 3, maxLength: 64 }), (bytes) => {
    const b = Buffer.from(bytes);
    try {
      const n = boltSplitter.frameLength(b, 0);
      assert.ok(Number.isInteger(n) && n >= 20);
    } catch (err) {
      assert.ok(err instanceof RpcError, String(err));
    }
    try {
      decodeResponse(b, cm, flavours);
    } catch (err) {
      assert.ok(err instanceof RpcError, String(err));
    }
  }), { numRuns: 3000 });
});

test('fuzz: header maps from random bytes decode or fail with an RpcError, never pollute a prototype', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
    const b = Buffer.from(bytes);
    try {
      const m = decodeHeaderMap(b, 0, b.length);
      assert.equal(Object.getPrototypeOf(m), null);
    } catch (err) {
      assert.ok(err instanceof RpcError, String(err));
    }
  }), { numRuns: 3000 });
  const polluted = encodeHeaderMap([['__proto__', 'x'], ['constructor', 'y']]);
  const m = decodeHeaderMap(polluted, 0, polluted.length);
  assert.equal(m.__proto__, 'x');
  assert.equal(({} as Record<string, unknown>).x, undefined);
});

test('fuzz: a live server answers mutated requests with a response or closes that connection; it keeps serving', async () => {
  const mesh = createRuntime({ protocols: [bolt()], server: { host: '127.0.0.1', port: 0 } });
  const Echo = defineService({ interface: 'com.example.EchoService', version: '1.0', methods: { echo: { params: [t.string], returns: t.string } } });
  mesh.provide(Echo, { echo: (s) => s });
  const root = protobuf.parse('syntax = "proto3"; package p; message Req { string s = 1; int64 n = 2; } service Pb { rpc echo (Req) returns (Req); }').root;
  const Pb = defineService({ interface: 'p.Pb', methods: protobufMethods(root.lookupService('p.Pb')) });
  mesh.provide(Pb, { echo: (r: unknown) => r });
  await mesh.start();
  const port = mesh.address()!.port;
  const pbEcho = Pb.methods.get('echo')!;
  const pbFrame = encodeRequest(hessian2Draft.createWriter(), V1, 1, compileClientMethod(Pb, pbEcho, 'a'), createInvocation(Pb, pbEcho, [{ s: 'x', n: 5n }]), 1000);
  try {
    const frames = [
      ...fc.sample(mutated(hex(golden.JAVA_REQUEST)), { numRuns: 250, seed: 42 }),
      ...fc.sample(mutated(hex(golden.NODE_REQUEST)), { numRuns: 150, seed: 7 }),
      ...fc.sample(mutated(pbFrame), { numRuns: 150, seed: 3 }),
    ];
    let peer = await RawPeer.connect(port);
    let expected = 0;
    for (const frame of frames) {
      peer.send(frame);
      try {
        const resp = await peer.frame(expected, 10_000); // a hang guard on a loaded machine
        assert.equal(resp[1], TYPE_RESPONSE);
        expected++;
      } catch (err) {
        if (!peer.closed) throw err;
      }
      if (peer.closed) {
        peer = await RawPeer.connect(port);
        expected = 0;
      }
    }
    peer.close();
    const fresh = await RawPeer.connect(port);
    fresh.send(hex(golden.JAVA_REQUEST));
    assert.equal((await fresh.frame(0)).toString('hex'), golden.RESPONSE);
    fresh.close();
  } finally {
    await mesh.stop(0);
  }
});
