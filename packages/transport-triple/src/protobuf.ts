import type { MethodSpec, TypeDesc } from '@meshlet/core';
import { BIGINT_DEFAULTS, describeProtobufMessage, describeProtobufService, type ProtobufMessageOptions } from '@meshlet/protobuf';
import type { Service, Type } from 'protobufjs';

/**
 * Protobuf contracts for Triple: a method whose one parameter and result are `protobufMessage`
 * descriptors travels as the bare message, as any gRPC peer sends it. The descriptor and the
 * service mapping are @meshlet/protobuf's (one descriptor works on every transport that carries
 * protobuf); Triple maps every rpc shape.
 */

/** A descriptor for a protobuf message type (`root.lookupType('pkg.Msg')`): int64 as bigint, enums by name. */
export function protobufMessage<T = Record<string, unknown>>(type: Type, options: ProtobufMessageOptions = {}): TypeDesc<T> {
  return describeProtobufMessage<T>(type, options, BIGINT_DEFAULTS);
}

/**
 * Method specs for every rpc of a protobufjs `Service`: unary rpcs are plain methods,
 * `returns (stream X)` server streams (`stream: true`), `(stream X)` client streams
 * (`stream: 'client'`), both bidi streams (`stream: 'bidi'`).
 *
 * ```ts
 * const Greeter = defineService({ interface: 'helloworld.Greeter', methods: protobufMethods(root.lookupService('helloworld.Greeter')) });
 * ```
 */
export function protobufMethods(service: Service, options: ProtobufMessageOptions = {}): Record<string, MethodSpec> {
  return describeProtobufService(service, options, { message: protobufMessage, clientStreams: true });
}
