import { Code, RpcError, type MethodDefinition, type MethodSpec, type TypeDesc } from '@meshlet/core';
import type { IConversionOptions, Message, Service, Type } from 'protobufjs';

/**
 * Protobuf contracts. A method travels as protobuf when its one parameter and its result are
 * descriptors made by `protobufMessage(type)` from a protobufjs `Type` — loaded from a `.proto`
 * file (`protobuf.loadSync`) or built by reflection (`new protobuf.Type(...)`) — or all at once
 * from a proto `service` with `protobufMethods(service)`. Such a descriptor is an ordinary core
 * `TypeDesc` (kind `class`, `javaType` the generated Java class), so `defineService`, decorators
 * and the runtime need nothing new; the protobufjs type rides on a symbol.
 *
 * On the wire the data is the bare message (as gRPC and Spring's `ProtobufEncoder` send it), and
 * the request's metadata says `application/x-protobuf` in a `message/x.rsocket.mime-type.v0` entry.
 */

const BINDING = Symbol.for('meshlet.rsocket.protobuf');

/**
 * Decoded messages: plain objects, int64 fields as bigint (as `t.int64` values are), enums by
 * name, defaults filled in, bytes as Buffers, maps as prototype-less objects.
 */
const DEFAULT_TO_OBJECT: IConversionOptions = Object.freeze({ longs: BigInt, enums: String, defaults: true });

export interface ProtobufMessageOptions {
  /** The generated Java class (`Class.getName()`). Default: `java_package` (or the proto package) + the message name. */
  readonly javaClass?: string;
  /** How decoded messages become JS objects (protobufjs `toObject` options). */
  readonly toObject?: IConversionOptions;
}

/** A message type and how values become it and back. */
export class ProtobufBinding {
  private readonly name: string;

  constructor(readonly type: Type, private readonly conversion: IConversionOptions) {
    this.name = type.fullName.replace(/^\./, '');
  }

  /** A message object (bigint, string or number int64 values) or an instance of the type, to bytes. */
  encode(value: unknown): Uint8Array {
    if (value === null || value === undefined || typeof value !== 'object') {
      throw new RpcError(Code.Serialization, `${this.name}: expected a message object, got ${value === null ? 'null' : typeof value}`);
    }
    try {
      const message = value instanceof this.type.ctor ? (value as Message) : this.type.fromObject(value as Record<string, unknown>);
      return this.type.encode(message).finish();
    } catch (err) {
      throw new RpcError(Code.Serialization, `${this.name}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Bytes to a plain object; malformed input is a SERIALIZATION RpcError. */
  decode(bytes: Uint8Array): Record<string, unknown> {
    try {
      return this.type.toObject(this.type.decode(bytes), this.conversion);
    } catch (err) {
      throw new RpcError(Code.Serialization, `cannot decode ${this.name}: ${(err as Error).message}`, { cause: err });
    }
  }
}

/**
 * A descriptor for a protobuf message type:
 *
 * ```ts
 * const root = protobuf.loadSync('echo.proto');
 * const EchoRequest = protobufMessage(root.lookupType('example.EchoRequest'));
 * ```
 */
export function protobufMessage<T = Record<string, unknown>>(type: Type, options: ProtobufMessageOptions = {}): TypeDesc<T> {
  if (!type || typeof type.encode !== 'function' || typeof type.decode !== 'function' || typeof type.fullName !== 'string') {
    throw new RpcError(Code.InvalidArgument, 'protobufMessage() takes a protobufjs Type (root.lookupType(...))');
  }
  const desc = { kind: 'class' as const, javaType: options.javaClass ?? javaClassOf(type), nullable: true, fields: Object.freeze({}) };
  Object.defineProperty(desc, BINDING, { value: new ProtobufBinding(type, options.toObject ?? DEFAULT_TO_OBJECT), enumerable: false });
  return Object.freeze(desc) as TypeDesc<T>;
}

/** The binding of a descriptor made by `protobufMessage`, if it is one. */
export function protobufBindingOf(desc: TypeDesc | undefined): ProtobufBinding | undefined {
  const b = desc === undefined ? undefined : (desc as { [BINDING]?: unknown })[BINDING];
  return b instanceof ProtobufBinding ? b : undefined;
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
  const out: Record<string, MethodSpec> = {};
  const name = service.fullName.replace(/^\./, '');
  for (const m of service.methodsArray) {
    m.resolve();
    if (m.requestStream) {
      throw new RpcError(Code.Unsupported, `${name}.${m.name}: client-streaming rpcs have no RSocket mapping here (request-channel is not supported)`);
    }
    const req = m.resolvedRequestType;
    const res = m.resolvedResponseType;
    if (!req || !res) throw new RpcError(Code.InvalidArgument, `${name}.${m.name}: unresolved message types`);
    out[m.name] = {
      params: [protobufMessage(req, { toObject: options.toObject })],
      returns: protobufMessage(res, { toObject: options.toObject }),
      ...(m.responseStream ? { stream: true } : {}),
    };
  }
  return out;
}

/** The protobuf bindings of a method, or undefined when it travels as JSON. */
export interface ProtobufMethod {
  readonly request: ProtobufBinding;
  /** Undefined for `void` results (empty data). */
  readonly response: ProtobufBinding | undefined;
}

/**
 * Whether a method travels as protobuf: exactly one protobuf parameter and a protobuf (or void)
 * result. Mixing protobuf descriptors with others is refused, as it could go neither way.
 */
export function protobufMethodOf(method: MethodDefinition): ProtobufMethod | undefined {
  const bound = method.params.map(protobufBindingOf);
  const response = protobufBindingOf(method.returns);
  if (!bound.some((b) => b !== undefined) && response === undefined) return undefined;
  const request = bound[0];
  if (bound.length !== 1 || request === undefined || (response === undefined && method.returns.kind !== 'void')) {
    throw new RpcError(Code.InvalidArgument, `method ${method.name}: a protobuf method takes exactly one protobuf message and returns one (or void)`);
  }
  return { request, response };
}

/** `java_package` (else the proto package) + the message's nested name, `$`-separated as `Class.getName()` spells it. */
function javaClassOf(type: Type): string {
  const names: string[] = [type.name];
  let ns = type.parent;
  // Enclosing messages have fields; the first namespace without is the package.
  while (ns && (ns as Type).fieldsArray !== undefined) {
    names.unshift(ns.name);
    ns = ns.parent;
  }
  let javaPackage: string | undefined;
  for (let p = ns; p && javaPackage === undefined; p = p.parent) {
    const opt = p.options?.java_package;
    if (typeof opt === 'string') javaPackage = opt;
  }
  const pkg = javaPackage ?? (ns && ns.fullName ? ns.fullName.replace(/^\./, '') : '');
  return pkg ? `${pkg}.${names.join('$')}` : names.join('$');
}
