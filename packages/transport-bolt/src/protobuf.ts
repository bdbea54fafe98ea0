import { Code, RpcError, type MethodDefinition, type MethodSpec, type TypeDesc } from '@meshlet/core';
import type { IConversionOptions, Message, Service, Type } from 'protobufjs';

/**
 * Protobuf methods (Bolt codec 11). A method is sent as protobuf when its one parameter and its
 * result are protobuf message descriptors, made with `protobufMessage(Type)` from a protobufjs
 * `Type` (or all at once for a proto `service` with `protobufMethods`). The descriptor is an
 * ordinary core `TypeDesc` (kind `class`, `javaType` the generated Java class), so `MethodSpec`,
 * decorators and overload matching need nothing new; the protobufjs type rides on a symbol.
 *
 * On the wire the content is the bare message; the method and the service travel only in the
 * header (`sofa_head_method_name`, `sofa_head_target_service`), and an error is the text of its
 * message as the content with header `sofa_head_response_error=true` (SOFARPC `ProtobufSerializer`).
 */

const BINDING = Symbol.for('meshlet.bolt.protobuf');

/** Decoded messages: plain objects, int64 fields as decimal strings, enums by name, defaults filled in. */
const DEFAULT_TO_OBJECT: IConversionOptions = Object.freeze({ longs: String, enums: String, defaults: true });

export interface ProtobufMessageOptions {
  /**
   * The generated Java class (`Class.getName()`), which Java overload matching and Meshlet's
   * `paramTypes` use. Default: `java_package` (or the proto package) + `.` + the message name.
   */
  readonly javaClass?: string;
  /** How decoded messages become JS objects (protobufjs `toObject` options). */
  readonly toObject?: IConversionOptions;
}

/** What a protobuf descriptor carries: the message type and how to turn values into it and back. */
export class ProtobufBinding {
  constructor(readonly type: Type, private readonly conversion: IConversionOptions) {}

  /** Encodes a message object (or an instance of the type) to bytes; bigint int64 values are accepted. */
  encode(value: unknown): Uint8Array {
    if (value === null || value === undefined || typeof value !== 'object') {
      throw new RpcError(Code.Serialization, `${this.type.fullName.slice(1)}: expected a message object, got ${value === null ? 'null' : typeof value}`);
    }
    try {
      const message = value instanceof this.type.ctor ? (value as Message) : this.type.fromObject(withoutBigints(value, 0) as Record<string, unknown>);
      return this.type.encode(message).finish();
    } catch (err) {
      throw new RpcError(Code.Serialization, `${this.type.fullName.slice(1)}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Decodes bytes to a plain object; malformed input is a Serialization RpcError. */
  decode(bytes: Uint8Array): Record<string, unknown> {
    try {
      return this.type.toObject(this.type.decode(bytes), this.conversion);
    } catch (err) {
      throw new RpcError(Code.Serialization, `cannot decode ${this.type.fullName.slice(1)}: ${(err as Error).message}`, { cause: err });
    }
  }
}

/**
 * protobufjs' `fromObject` takes int64 values as numbers, strings or Long objects, and silently
 * reads a bigint as 0: turn bigints (at any depth, bounded) into their decimal strings.
 */
function withoutBigints(value: unknown, depth: number): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (depth >= 32 || typeof value !== 'object' || value === null || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const next = withoutBigints(value[i], depth + 1);
      if (next !== value[i]) (copy ??= [...value])[i] = next;
    }
    return copy ?? value;
  }
  const o = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const k of Object.keys(o)) {
    const next = withoutBigints(o[k], depth + 1);
    if (next !== o[k]) (copy ??= { ...o })[k] = next;
  }
  return copy ?? value;
}

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
  if (!type || typeof type.encode !== 'function' || typeof type.decode !== 'function' || typeof type.fullName !== 'string') {
    throw new RpcError(Code.InvalidArgument, 'protobufMessage() takes a protobufjs Type (root.lookupType(...))');
  }
  const desc = {
    kind: 'class' as const,
    javaType: options.javaClass ?? javaClassOf(type),
    nullable: true,
    fields: Object.freeze({}),
  };
  Object.defineProperty(desc, BINDING, { value: new ProtobufBinding(type, options.toObject ?? DEFAULT_TO_OBJECT), enumerable: false });
  return Object.freeze(desc) as TypeDesc<T>;
}

/** The protobuf binding of a descriptor made by `protobufMessage`, if it is one. */
export function protobufBindingOf(desc: TypeDesc | undefined): ProtobufBinding | undefined {
  const b = desc === undefined ? undefined : (desc as { [BINDING]?: unknown })[BINDING];
  return b instanceof ProtobufBinding ? b : undefined;
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

/** The protobuf request and response bindings of a method, or undefined for a Hessian method. */
export interface ProtobufMethod {
  readonly request: ProtobufBinding;
  /** Undefined for `void` results (empty content). */
  readonly response: ProtobufBinding | undefined;
}

/**
 * Whether a method travels as protobuf: its one parameter is a protobuf descriptor and its result
 * is one (or void). A method that mixes protobuf descriptors with others cannot be sent either way.
 */
export function protobufMethodOf(method: MethodDefinition): ProtobufMethod | undefined {
  const bound = method.params.map(protobufBindingOf);
  const response = protobufBindingOf(method.returns);
  const anyProtobuf = bound.some((b) => b !== undefined) || response !== undefined;
  if (!anyProtobuf) return undefined;
  const request = bound[0];
  if (bound.length !== 1 || request === undefined || (response === undefined && method.returns.kind !== 'void')) {
    throw new RpcError(Code.InvalidArgument, `method ${method.name}: a protobuf method takes exactly one protobuf message and returns one (or void)`);
  }
  return { request, response };
}

/** `java_package` (else the proto package) + the message's nested name, `$`-separated as `Class.getName()` spells it. */
function javaClassOf(type: Type): string {
  const names: string[] = [type.name];
  let javaPackage: string | undefined;
  let ns = type.parent;
  // Walk up through enclosing messages to the package namespace.
  while (ns && (ns as Type).fieldsArray !== undefined) {
    names.unshift(ns.name);
    ns = ns.parent;
  }
  for (let p = ns; p && javaPackage === undefined; p = p.parent) {
    const opt = p.options?.java_package;
    if (typeof opt === 'string') javaPackage = opt;
  }
  const protoPackage = ns && ns.fullName ? ns.fullName.slice(1) : '';
  const pkg = javaPackage ?? protoPackage;
  return pkg ? `${pkg}.${names.join('$')}` : names.join('$');
}
