import { Code, RpcError, type MethodSpec, type TypeDesc } from '@meshlet/core';
import { describeProtobufMessage, type ProtobufDefaults, type ProtobufMessageOptions } from '@meshlet/protobuf';
import type { Service, Type } from 'protobufjs';

/**
 * Protobuf contracts for Triple: a method whose one parameter and result are `protobufMessage`
 * descriptors travels as the bare message, as any gRPC peer sends it. The descriptor is
 * @meshlet/protobuf's (one descriptor works on every transport that carries protobuf).
 */

const DEFAULTS: ProtobufDefaults = Object.freeze({
  /** int64 fields as bigint (as `t.int64` values are), enums by name, defaults filled in, bytes as Buffers. */
  toObject: Object.freeze({ longs: BigInt, enums: String, defaults: true }),
});

/** A descriptor for a protobuf message type (`root.lookupType('pkg.Msg')`). */
export function protobufMessage<T = Record<string, unknown>>(type: Type, options: ProtobufMessageOptions = {}): TypeDesc<T> {
  return describeProtobufMessage<T>(type, options, DEFAULTS);
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
  const out: Record<string, MethodSpec> = {};
  const name = service.fullName.replace(/^\./, '');
  for (const m of service.methodsArray) {
    m.resolve();
    const req = m.resolvedRequestType;
    const res = m.resolvedResponseType;
    if (!req || !res) throw new RpcError(Code.InvalidArgument, `${name}.${m.name}: unresolved message types`);
    out[m.name] = {
      params: [protobufMessage(req, { toObject: options.toObject })],
      returns: protobufMessage(res, { toObject: options.toObject }),
      ...(m.requestStream ? { stream: m.responseStream ? 'bidi' : 'client' } as const : m.responseStream ? { stream: true } : {}),
    };
  }
  return out;
}
