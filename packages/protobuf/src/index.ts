import { Code, RpcError, type MethodDefinition, type TypeDesc } from '@meshlet/core';
import type { IConversionOptions, Message, Type } from 'protobufjs';

/**
 * Protobuf message descriptors, shared by the transports that carry protobuf (Bolt codec 11,
 * RSocket). A descriptor is an ordinary core `TypeDesc` (kind `class`, `javaType` the generated
 * Java class), so `MethodSpec`, decorators and overload matching need nothing new; the protobufjs
 * type rides on a symbol. Each transport wraps `describeProtobufMessage` in its own
 * `protobufMessage` with its defaults, and keeps its wire mapping.
 */

// One symbol for every transport: a descriptor made by one transport's `protobufMessage` is a
// protobuf message to the others too (a service may be exported on several protocols).
const BINDING = Symbol.for('meshlet.protobuf');

export interface ProtobufMessageOptions {
  /**
   * The generated Java class (`Class.getName()`), which Java overload matching and Meshlet's
   * `paramTypes` use. Default: `java_package` (or the proto package) + `.` + the message name.
   */
  readonly javaClass?: string;
  /** How decoded messages become JS objects (protobufjs `toObject` options). */
  readonly toObject?: IConversionOptions;
}

/** What a transport fixes for the descriptors its `protobufMessage` makes. */
export interface ProtobufDefaults {
  /** `toObject` options when the caller gives none. */
  readonly toObject: IConversionOptions;
  /**
   * Turn bigint values into decimal strings before protobufjs' `fromObject`, which reads a bigint
   * int64 as 0 where `long` is not loaded (Bolt does this; RSocket hands bigints over as they are).
   */
  readonly bigintsAsStrings?: boolean;
}

/** What a protobuf descriptor carries: the message type and how to turn values into it and back. */
export class ProtobufBinding {
  private readonly name: string;

  constructor(
    readonly type: Type,
    private readonly conversion: IConversionOptions,
    private readonly bigintsAsStrings = false,
  ) {
    this.name = type.fullName.replace(/^\./, '');
  }

  /** Encodes a message object (or an instance of the type) to bytes. */
  encode(value: unknown): Uint8Array {
    if (value === null || value === undefined || typeof value !== 'object') {
      throw new RpcError(Code.Serialization, `${this.name}: expected a message object, got ${value === null ? 'null' : typeof value}`);
    }
    try {
      const message = value instanceof this.type.ctor
        ? (value as Message)
        : this.type.fromObject((this.bigintsAsStrings ? withoutBigints(value, 0) : value) as Record<string, unknown>);
      return this.type.encode(message).finish();
    } catch (err) {
      throw new RpcError(Code.Serialization, `${this.name}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Decodes bytes to a plain object; malformed input is a SERIALIZATION RpcError. */
  decode(bytes: Uint8Array): Record<string, unknown> {
    try {
      return this.type.toObject(this.type.decode(bytes), this.conversion);
    } catch (err) {
      throw new RpcError(Code.Serialization, `cannot decode ${this.name}: ${(err as Error).message}`, { cause: err });
    }
  }
}

/** Bigints (at any depth, bounded) to their decimal strings, copying only what changes. */
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

/** A descriptor for a protobuf message type; transports expose it as `protobufMessage(type, options)`. */
export function describeProtobufMessage<T = Record<string, unknown>>(type: Type, options: ProtobufMessageOptions, defaults: ProtobufDefaults): TypeDesc<T> {
  if (!type || typeof type.encode !== 'function' || typeof type.decode !== 'function' || typeof type.fullName !== 'string') {
    throw new RpcError(Code.InvalidArgument, 'protobufMessage() takes a protobufjs Type (root.lookupType(...))');
  }
  const desc = { kind: 'class' as const, javaType: options.javaClass ?? javaClassOf(type), nullable: true, fields: Object.freeze({}) };
  const binding = new ProtobufBinding(type, options.toObject ?? defaults.toObject, defaults.bigintsAsStrings);
  Object.defineProperty(desc, BINDING, { value: binding, enumerable: false });
  return Object.freeze(desc) as TypeDesc<T>;
}

/** The protobuf binding of a descriptor made by `protobufMessage`, if it is one. */
export function protobufBindingOf(desc: TypeDesc | undefined): ProtobufBinding | undefined {
  const b = desc === undefined ? undefined : (desc as { [BINDING]?: unknown })[BINDING];
  return b instanceof ProtobufBinding ? b : undefined;
}

/** The protobuf request and response bindings of a method. */
export interface ProtobufMethod {
  readonly request: ProtobufBinding;
  /** Undefined for `void` results (empty content). */
  readonly response: ProtobufBinding | undefined;
}

/**
 * Whether a method travels as protobuf: its one parameter is a protobuf descriptor and its result
 * is one (or void); undefined when it has none (it travels the transport's other way). A method
 * that mixes protobuf descriptors with others is refused, as it could go neither way.
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

export { BIGINT_DEFAULTS, describeProtobufService, type ProtobufServiceMapping } from './service.js';
