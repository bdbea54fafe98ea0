import type { MethodSpec, TypeDesc } from '@meshlet/core';
import { BIGINT_DEFAULTS, describeProtobufMessage, describeProtobufService, type ProtobufMessageOptions } from '@meshlet/protobuf';
import type { Service, Type } from 'protobufjs';

/**
 * Protobuf contracts. A method travels as protobuf when its one parameter and its result are
 * descriptors made by `protobufMessage(type)` from a protobufjs `Type` — loaded from a `.proto`
 * file (`protobuf.loadSync`) or built by reflection (`new protobuf.Type(...)`) — or all at once
 * from a proto `service` with `protobufMethods(service)`. The descriptor itself is
 * @meshlet/protobuf's, shared with the Bolt transport; what is RSocket's is here: its defaults and
 * its mapping of proto services (server streaming as request-stream).
 *
 * On the wire the data is the bare message (as gRPC and Spring's `ProtobufEncoder` send it), and
 * the request's metadata says `application/x-protobuf` in a `message/x.rsocket.mime-type.v0` entry.
 */

export { protobufBindingOf, protobufMethodOf, ProtobufBinding, type ProtobufMessageOptions, type ProtobufMethod } from '@meshlet/protobuf';

/**
 * A descriptor for a protobuf message type (int64 as bigint, enums by name, defaults filled in,
 * bytes as Buffers, maps as prototype-less objects):
 *
 * ```ts
 * const root = protobuf.loadSync('echo.proto');
 * const EchoRequest = protobufMessage(root.lookupType('example.EchoRequest'));
 * ```
 */
export function protobufMessage<T = Record<string, unknown>>(type: Type, options: ProtobufMessageOptions = {}): TypeDesc<T> {
  return describeProtobufMessage<T>(type, options, BIGINT_DEFAULTS);
}

/**
 * Method specs for every rpc of a protobufjs `Service`: unary rpcs are request-response,
 * `returns (stream X)` rpcs are stream methods. Client and bidirectional streaming have no
 * mapping (request-channel is not supported) and are refused.
 *
 * ```ts
 * const Echo = defineService({ interface: 'example.Echo', methods: protobufMethods(root.lookupService('example.Echo')) });
 * ```
 */
export function protobufMethods(service: Service, options: ProtobufMessageOptions = {}): Record<string, MethodSpec> {
  return describeProtobufService(service, options, {
    message: protobufMessage,
    clientStreams: 'client-streaming rpcs have no RSocket mapping here (request-channel is not supported)',
  });
}
