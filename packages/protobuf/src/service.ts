import { Code, RpcError, type MethodSpec, type TypeDesc } from '@meshlet/core';
import type { IConversionOptions, Service, Type } from 'protobufjs';
import type { ProtobufDefaults, ProtobufMessageOptions } from './index.js';

/**
 * What the transports that carry protobuf with int64 as bigint fix for decoding (Triple, RSocket):
 * plain objects, int64 fields as bigint (as `t.int64` values are), enums by name, defaults filled
 * in, bytes as Buffers, maps as prototype-less objects.
 */
export const BIGINT_DEFAULTS: ProtobufDefaults = Object.freeze({
  toObject: Object.freeze({ longs: BigInt, enums: String, defaults: true }) as IConversionOptions,
});

/** How a transport maps a proto `service` onto method specs. */
export interface ProtobufServiceMapping {
  /** The transport's `protobufMessage` (its defaults). */
  readonly message: (type: Type, options: ProtobufMessageOptions) => TypeDesc;
  /**
   * Client- and bidi-streaming rpcs: `true` maps them (`stream: 'client'` / `'bidi'`); a string
   * refuses them with UNSUPPORTED, saying why (RSocket has no request-channel mapping).
   */
  readonly clientStreams: true | string;
}

/**
 * Method specs for every rpc of a protobufjs `Service`: unary rpcs are plain methods,
 * `returns (stream X)` server streams (`stream: true`), and per `mapping.clientStreams`
 * `(stream X)` client streams (`stream: 'client'`) and both-ways bidi streams (`stream: 'bidi'`).
 * Each message is described by the transport's `mapping.message`, with `options.toObject`.
 */
export function describeProtobufService(service: Service, options: ProtobufMessageOptions, mapping: ProtobufServiceMapping): Record<string, MethodSpec> {
  const out: Record<string, MethodSpec> = {};
  const name = service.fullName.replace(/^\./, '');
  for (const m of service.methodsArray) {
    m.resolve();
    if (m.requestStream && mapping.clientStreams !== true) {
      throw new RpcError(Code.Unsupported, `${name}.${m.name}: ${mapping.clientStreams}`);
    }
    const req = m.resolvedRequestType;
    const res = m.resolvedResponseType;
    if (!req || !res) throw new RpcError(Code.InvalidArgument, `${name}.${m.name}: unresolved message types`);
    out[m.name] = {
      params: [mapping.message(req, { toObject: options.toObject })],
      returns: mapping.message(res, { toObject: options.toObject }),
      ...(m.requestStream ? { stream: m.responseStream ? 'bidi' : 'client' } as const : m.responseStream ? { stream: true } : {}),
    };
  }
  return out;
}
