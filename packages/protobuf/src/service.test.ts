import assert from 'node:assert/strict';
import { test } from 'node:test';
import protobuf from 'protobufjs';
import { Code, RpcError, type TypeDesc } from '@meshlet/core';
import { BIGINT_DEFAULTS, describeProtobufMessage, describeProtobufService, protobufBindingOf, type ProtobufMessageOptions } from './index.js';

const root = protobuf.parse(`
  syntax = "proto3";
  package demo;
  option java_package = "com.demo";
  message Req { string text = 1; int64 n = 2; }
  message Res { string text = 1; }
  service Every {
    rpc Unary (Req) returns (Res);
    rpc Server (Req) returns (stream Res);
    rpc Client (stream Req) returns (Res);
    rpc Bidi (stream Req) returns (stream Res);
  }
  service Plain {
    rpc Unary (Req) returns (Res);
    rpc Server (Req) returns (stream Res);
  }
`).root;
const message = (type: protobuf.Type, options: ProtobufMessageOptions): TypeDesc => describeProtobufMessage(type, options, BIGINT_DEFAULTS);

test('every rpc shape maps when the transport carries client streams (Triple)', () => {
  const specs = describeProtobufService(root.lookupService('demo.Every'), {}, { message, clientStreams: true });
  assert.deepEqual(Object.fromEntries(Object.entries(specs).map(([k, s]) => [k, s.stream ?? false])),
    { Unary: false, Server: true, Client: 'client', Bidi: 'bidi' });
  assert.equal(specs.Unary!.params[0]!.javaType, 'com.demo.Req');
  assert.equal(specs.Unary!.returns!.javaType, 'com.demo.Res');
  // The transport's defaults reach every descriptor: int64 decodes as bigint.
  const binding = protobufBindingOf(specs.Unary!.params[0])!;
  assert.deepEqual(binding.decode(binding.encode({ text: 'x', n: 5n })), { text: 'x', n: 5n });
});

test('client and bidi streams are refused, saying why, when the transport has no mapping (RSocket); the rest maps', () => {
  const why = 'client-streaming rpcs have no RSocket mapping here (request-channel is not supported)';
  assert.throws(() => describeProtobufService(root.lookupService('demo.Every'), {}, { message, clientStreams: why }),
    (e: unknown) => e instanceof RpcError && e.code === Code.Unsupported && e.message === `demo.Every.Client: ${why}`);
  const plain = describeProtobufService(root.lookupService('demo.Plain'), { toObject: { longs: String } }, { message, clientStreams: why });
  assert.deepEqual(Object.keys(plain), ['Unary', 'Server']);
  assert.equal(plain.Server!.stream, true);
  // The caller's toObject wins over the transport's default.
  const binding = protobufBindingOf(plain.Unary!.params[0])!;
  assert.deepEqual(binding.decode(binding.encode({ text: 'y', n: 7n })), { text: 'y', n: '7' });
});
