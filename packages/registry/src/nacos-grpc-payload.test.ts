// The Nacos 2.x gRPC Payload codec (nacos/grpc/payload.ts): round trips, agreement with protobufjs
// on the proto's own definition, and any bytes → a Payload or a SERIALIZATION RpcError.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { Code, RpcError } from '@meshlet/core';
import { decodePayload, encodePayload, jsonPayload, MAX_PAYLOAD, payloadJson, type Payload } from './nacos/grpc/payload.js';

// nacos_grpc_service.proto's messages (Any inlined as its two fields).
const root = protobuf.parse(`
syntax = "proto3";
message Any { string type_url = 1; bytes value = 2; }
message Metadata { string type = 3; string clientIp = 8; map<string, string> headers = 7; }
message Payload { Metadata metadata = 2; Any body = 3; }
`).root;
const PB = root.lookupType('Payload');

const payloadArb = fc.record({
  type: fc.string(),
  clientIp: fc.string(),
  headers: fc.dictionary(fc.string(), fc.string()),
  body: fc.uint8Array({ maxLength: 300 }),
});

const plain = (p: Payload) => ({ type: p.type, clientIp: p.clientIp, headers: { ...p.headers }, body: Buffer.from(p.body).toString('hex') });

test('encode then decode gives the payload back', () => {
  fc.assert(fc.property(payloadArb, (p) => {
    assert.deepEqual(plain(decodePayload(encodePayload(p))), plain(p));
  }), { numRuns: 500 });
});

test('protobufjs reads what we write, and we read what protobufjs writes', () => {
  fc.assert(fc.property(payloadArb, fc.string(), (p, typeUrl) => {
    const theirs = PB.toObject(PB.decode(encodePayload(p)), { defaults: true, bytes: Buffer }) as {
      metadata: { type: string; clientIp: string; headers: Record<string, string> }; body: { value: Buffer };
    };
    assert.equal(theirs.metadata.type, p.type);
    assert.equal(theirs.metadata.clientIp, p.clientIp);
    assert.deepEqual({ ...theirs.metadata.headers }, { ...p.headers });
    assert.equal(Buffer.from(theirs.body?.value ?? []).toString('hex'), Buffer.from(p.body).toString('hex'));
    const bytes = PB.encode(PB.create({ metadata: { type: p.type, clientIp: p.clientIp, headers: p.headers }, body: { type_url: typeUrl, value: p.body } })).finish();
    assert.deepEqual(plain(decodePayload(bytes)), plain(p));
  }), { numRuns: 300 });
});

const decodesOrRefuses = (bytes: Uint8Array) => {
  try {
    decodePayload(bytes);
  } catch (err) {
    assert.ok(RpcError.is(err, Code.Serialization), `not a SERIALIZATION RpcError: ${String(err)}`);
  }
};

test('any bytes: a payload or a SERIALIZATION RpcError, never anything else', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), decodesOrRefuses), { numRuns: 3000 });
});

test('every prefix and one-byte change of a valid payload: a payload or a SERIALIZATION RpcError', () => {
  fc.assert(fc.property(payloadArb, fc.nat(), fc.integer({ min: 0, max: 255 }), (p, at, byte) => {
    const bytes = encodePayload(p);
    for (let n = 0; n < bytes.length; n++) decodesOrRefuses(bytes.subarray(0, n));
    const changed = Buffer.from(bytes);
    if (changed.length > 0) changed[at % changed.length] = byte;
    decodesOrRefuses(changed);
  }), { numRuns: 200 });
});

test('a body that is not a JSON object, a non-UTF-8 string and an oversized payload are SERIALIZATION errors', () => {
  assert.throws(() => payloadJson({ type: 'X', clientIp: '', headers: {}, body: Buffer.from('[1]') }), (e) => RpcError.is(e, Code.Serialization));
  assert.throws(() => payloadJson({ type: 'X', clientIp: '', headers: {}, body: Buffer.from('{') }), (e) => RpcError.is(e, Code.Serialization));
  assert.throws(() => decodePayload(Buffer.from([0x12, 0x02, 0x1a, 0x00, 0x12, 0x03, 0x1a, 0x01, 0xff])), (e) => RpcError.is(e, Code.Serialization));
  assert.throws(() => decodePayload(new Uint8Array(MAX_PAYLOAD + 1)), (e) => RpcError.is(e, Code.Serialization));
  assert.deepEqual(payloadJson(jsonPayload('HealthCheckRequest', { module: 'internal' })), { module: 'internal' });
});
