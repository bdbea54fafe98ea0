import { defineService } from 'meshlet-rpc';
import { protobufMessage } from '@meshlet/transport-triple';
import protobuf from 'protobufjs';

/**
 * The IDL both sides share, as a Go or Java gRPC/Triple peer would have it in a .proto file.
 * Inline so the demo has no file to locate; `protobuf.loadSync('greeter.proto')` works the same.
 */
export const GREETER_PROTO = `
syntax = "proto3";
package demo.greeter;
message HelloRequest { string name = 1; int32 count = 2; }
message HelloReply { string message = 1; int32 index = 2; }
service Greeter {
  rpc SayHello (HelloRequest) returns (HelloReply);
  rpc SayHelloStream (HelloRequest) returns (stream HelloReply);
  rpc Chat (stream HelloRequest) returns (stream HelloReply);
}
`;

export const root = protobuf.parse(GREETER_PROTO).root;
export const HelloRequest = root.lookupType('demo.greeter.HelloRequest');
export const HelloReply = root.lookupType('demo.greeter.HelloReply');

export interface Hello { name: string; count?: number }
export interface Reply { message: string; index: number }

const request = protobufMessage<Hello>(HelloRequest);
const reply = protobufMessage<Reply>(HelloReply);

/**
 * The service as Meshlet sees it: each rpc a method whose param and result are the protobuf
 * messages (bare on the wire, `application/grpc+proto`), exported and referred over `tri`.
 * Spelled out for typed calls; `protobufMethods(root.lookupService('demo.greeter.Greeter'))`
 * derives the same specs from the IDL, untyped.
 */
export const Greeter = defineService({
  interface: 'demo.greeter.Greeter',
  protocol: 'tri',
  methods: {
    SayHello: { params: [request], returns: reply },
    SayHelloStream: { params: [request], returns: reply, stream: true },
    Chat: { params: [request], returns: reply, stream: 'bidi' },
  },
});
