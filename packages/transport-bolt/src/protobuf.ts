import { Code, RpcError, type MethodSpec, type TypeDesc } from '@meshlet/core';
import { describeProtobufMessage, type ProtobufDefaults, type ProtobufMessageOptions } from '@meshlet/protobuf';
import type { Service, Type } from 'protobufjs';

/**
 * Protobuf methods (Bolt codec 11). A method is sent as protobuf when its one parameter and its
 * result are protobuf message descriptors, made with `protobufMessage(Type)` from a protobufjs
 * `Type` (or all at once for a proto `service` with `protobufMethods`). The descriptor itself is
 * @meshlet/protobuf's, shared with the RSocket transport; what is Bolt's is here: its defaults
 * and which rpcs it can carry.
 *
 * On the wire the content is the bare message; the method and the service travel only in the
 * header (`sofa_head_method_name`, `sofa_head_target_service`), and an error is the text of its
 * message as the content with header `sofa_head_response_error=true` (SOFARPC `ProtobufSerializer`).
 */

export { protobufBindingOf, protobufMethodOf, ProtobufBinding, type ProtobufMessageOptions, type ProtobufMethod } from '@meshlet/protobuf';

const DEFAULTS: ProtobufDefaults = Object.freeze({
  /** Decoded messages: plain objects, int64 fields as decimal strings, enums by name, defaults filled in. */
  toObject: Object.freeze({ longs: String, enums: String, defaults: true }),
  /** bigint int64 values are accepted: protobufjs would read them as 0 without `long`. */
  bigintsAsStrings: true,
});

/**
 * A descriptor for a protobuf message type. Use it as the only parameter and as the result of a
 * method to have that method travel as Bolt protobuf (codec 11):
 *
 * ```ts
 * const root = protobuf.loadSync('echo.proto');
 * const EchoReq = protobufMessage(root.lookupType('com.example.EchoReq'));
 * const EchoRes = protobufMessage(root.lookupType('com.example.EchoRes'));
 * const Echo = defineService({ interface: 'com.example.ProtoService', methods: { echo: { params: [EchoReq], returns: EchoRes } } });
 * ```
 */
export function protobufMessage<T = Record<string, unknown>>(type: Type, options: ProtobufMessageOptions = {}): TypeDesc<T> {
  return describeProtobufMessage<T>(type, options, DEFAULTS);
}

/**
 * Method specs for every rpc of a protobufjs `Service` (streaming rpcs are refused): pass them as
 * `defineService({ interface, methods: protobufMethods(root.lookupService('com.example.ProtoService')) })`.
 * The Java interface name is usually the service's full name; give `interface` explicitly.
 */
export function protobufMethods(service: Service, options: ProtobufMessageOptions = {}): Record<string, MethodSpec> {
  const out: Record<string, MethodSpec> = {};
  for (const m of service.methodsArray) {
    m.resolve();
    if (m.requestStream || m.responseStream) {
      throw new RpcError(Code.InvalidArgument, `${service.fullName.slice(1)}.${m.name}: streaming rpcs have no Bolt mapping`);
    }
    const req = m.resolvedRequestType;
    const res = m.resolvedResponseType;
    if (!req || !res) throw new RpcError(Code.InvalidArgument, `${service.fullName.slice(1)}.${m.name}: unresolved message types`);
    out[m.name] = { params: [protobufMessage(req, { toObject: options.toObject })], returns: protobufMessage(res, { toObject: options.toObject }) };
  }
  return out;
}
