import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { Code, createInvocation, createRuntime, defineService, methodDefinition, RpcError, t, type Meshlet } from '@meshlet/core';
import { hessian2Draft } from '@meshlet/hessian';
import { bolt } from './protocol.js';
import { CODEC_PROTOBUF, Status, TYPE_REQUEST } from './constants.js';
import { Flavours } from './flavours.js';
import { buildFrame, parseFrame, V1 } from './frame.js';
import { decodeHeaderMap, encodeHeaderMap } from './header-map.js';
import { protobufBindingOf, protobufMessage, protobufMethodOf, protobufMethods } from './protobuf.js';
import { compileClientMethod, encodeRequest, REQUEST_CLASS_BYTES } from './request.js';
import { decodeResponse, encodeProtobufErrorResponse } from './response.js';
import { RawPeer } from './wire.fixture.js';

const root = protobuf.parse(`
  syntax = "proto3";
  package com.meshlet.proto;
  option java_package = "com.meshlet.proto.gen";
  option java_multiple_files = true;
  message EchoReq { string s = 1; int64 n = 2; repeated string tags = 3; Inner inner = 4; message Inner { sint64 big = 1; } }
  message EchoRes { string s = 1; int64 n = 2; }
  service ProtoService {
    rpc echoStr (EchoReq) returns (EchoRes);
    rpc fail (EchoReq) returns (EchoRes);
  }
`).root;
const EchoReq = root.lookupType('com.meshlet.proto.EchoReq');
const EchoRes = root.lookupType('com.meshlet.proto.EchoRes');

const Proto = defineService({ interface: 'com.meshlet.proto.ProtoService', methods: protobufMethods(root.lookupService('com.meshlet.proto.ProtoService')) });

let mesh: Meshlet;
let port: number;
before(async () => {
  mesh = createRuntime({ protocols: [bolt()], server: { host: '127.0.0.1', port: 0 } });
  mesh.provide(Proto, {
    echoStr: (req: Record<string, unknown>) => ({ s: `${String(req.s)}!`, n: BigInt(String(req.n)) + 1n }),
    fail: (req: Record<string, unknown>) => {
      throw new Error(`bad ${String(req.s)}`);
    },
  });
  await mesh.start();
  port = mesh.address()!.port;
});
after(() => mesh.stop(0));

test('descriptors: Java class from java_package, nested classes with $, bindings on a symbol', () => {
  const echoStr = Proto.methods.get('echoStr')!;
  assert.deepEqual(echoStr.paramTypes, ['com.meshlet.proto.gen.EchoReq']);
  assert.equal(echoStr.returns.javaType, 'com.meshlet.proto.gen.EchoRes');
  assert.equal(protobufMessage(root.lookupType('com.meshlet.proto.EchoReq.Inner')).javaType, 'com.meshlet.proto.gen.EchoReq$Inner');
  assert.equal(protobufMessage(EchoReq, { javaClass: 'x.Y' }).javaType, 'x.Y');
  assert.ok(protobufBindingOf(echoStr.params[0]));
  assert.equal(protobufBindingOf(t.string), undefined);
  const mixed = methodDefinition('m', { params: [protobufMessage(EchoReq), t.string], returns: protobufMessage(EchoRes) });
  assert.throws(() => protobufMethodOf(mixed), (e: unknown) => RpcError.is(e, Code.InvalidArgument));
  assert.equal(protobufMethodOf(methodDefinition('h', { params: [t.string], returns: t.string })), undefined);
});

test('request on the wire: codec 11, method and service only in the header, the bare message as content', () => {
  const echoStr = Proto.methods.get('echoStr')!;
  const cm = compileClientMethod(Proto, echoStr, 'pb-app');
  const frame = encodeRequest(hessian2Draft.createWriter(), V1, 3, cm, createInvocation(Proto, echoStr, [{ s: 'hi', n: 9007199254740993n, tags: ['a'] }]), 500);
  const f = parseFrame(frame);
  assert.equal(f.codec, CODEC_PROTOBUF);
  const header = decodeHeaderMap(frame, f.headerStart, f.contentStart);
  assert.equal(header.sofa_head_method_name, 'echoStr');
  assert.equal(header.sofa_head_target_service, 'com.meshlet.proto.ProtoService:1.0');
  assert.equal(header.service, 'com.meshlet.proto.ProtoService:1.0');
  const decoded = EchoReq.toObject(EchoReq.decode(frame.subarray(f.contentStart)), { longs: String });
  assert.deepEqual(decoded, { s: 'hi', n: '9007199254740993', tags: ['a'] });
});

test('Meshlet → Meshlet over protobuf: values (int64 as bigint in, decimal string out), errors with the flag header', async () => {
  const client = createRuntime({ protocols: [bolt()] });
  try {
    const proto = client.refer(Proto, { url: `127.0.0.1:${port}` });
    assert.deepEqual(await proto.echoStr({ s: 'x', n: 9007199254740993n, inner: { big: -5n } }), { s: 'x!', n: '9007199254740994' });
    assert.deepEqual(await proto.echoStr({}), { s: '!', n: '1' });
    await assert.rejects(proto.fail({ s: 'q' }), (e: unknown) => RpcError.is(e, Code.ServerError) && e.message === 'bad q');
    await assert.rejects(proto.echoStr('nope' as never), (e: unknown) => RpcError.is(e, Code.Serialization));
  } finally {
    await client.stop(0);
  }
});

test('protobuf errors as Java sends them: SUCCESS, sofa_head_response_error=true, the message as content', async () => {
  const peer = await RawPeer.connect(port);
  const missing = Buffer.from([0x0a, 0x01, 0x78]);
  const header = encodeHeaderMap([['sofa_head_target_service', 'com.meshlet.proto.ProtoService:1.0'], ['sofa_head_method_name', 'nope']]);
  peer.send(buildFrame(V1, TYPE_REQUEST, 1, 8, CODEC_PROTOBUF, 1000, REQUEST_CLASS_BYTES, header, missing));
  const reply = await peer.frame(0);
  const f = parseFrame(reply);
  assert.deepEqual([f.status, f.codec], [Status.SUCCESS, CODEC_PROTOBUF]);
  assert.deepEqual({ ...decodeHeaderMap(reply, f.headerStart, f.contentStart) }, { sofa_head_response_error: 'true' });
  assert.match(reply.toString('utf8', f.contentStart), /Cannot find invoke method: \[nope\]/);
  peer.close();
  // And a client reads Java's framework error the same way.
  const cm = compileClientMethod(Proto, Proto.methods.get('echoStr')!, undefined);
  assert.throws(() => decodeResponse(encodeProtobufErrorResponse(V1, 1, 'Cannot find service: x:1.0'), cm, new Flavours(hessian2Draft)),
    (e: unknown) => RpcError.is(e, Code.ServiceNotFound));
});

test('fuzz: random protobuf content decodes to a message or a Serialization RpcError', () => {
  const binding = protobufBindingOf(protobufMessage(EchoReq))!;
  fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
    try {
      binding.decode(bytes);
    } catch (err) {
      assert.ok(RpcError.is(err, Code.Serialization), String(err));
    }
  }), { numRuns: 3000 });
  // Deeply nested groups (wire type 3) must not escape as a RangeError.
  try {
    binding.decode(Buffer.alloc(200_000, 0x0b));
  } catch (err) {
    assert.ok(RpcError.is(err, Code.Serialization), String(err));
  }
  assert.deepEqual(binding.decode(EchoReq.encode(EchoReq.fromObject({ s: 'a', n: '-1' })).finish()), { s: 'a', n: '-1', tags: [], inner: null });
});
