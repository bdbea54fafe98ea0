import type { TypeDesc } from '../types.js';
import { NamedTable, type RegisterOptions } from './table.js';

/**
 * A body format: values ↔ bytes under Java type descriptors. Protocols that carry more than one
 * (Dubbo's serialization id in the header, Bolt's codec byte, Motan2's header bits and `M_s`, Dubbo
 * 3 and Triple) find theirs here by wire id or by name. A transport keeps its own fast path for its
 * default serialization; this is how it finds the others, and how a new one is added.
 */
export interface Serialization {
  /** The name configs use (`hessian2`, `simple`, `breeze`, `protobuf`); lower case. */
  readonly name: string;
  /**
   * Its number on the wire of each protocol that numbers serializations, by protocol name:
   * hessian2 is `{ dubbo: 2, bolt: 1, motan2: 0 }`. A protocol absent here does not carry it by id.
   */
  readonly ids: Readonly<Record<string, number>>;
  /** The values one after another, each as its descriptor says (a call's arguments, or one result). */
  encode(values: readonly unknown[], types: readonly TypeDesc[]): Uint8Array;
  /**
   * Exactly `types.length` values and nothing after them; RpcError SERIALIZATION (or PROTOCOL) on
   * bytes that do not fit.
   */
  decode(bytes: Uint8Array, types: readonly TypeDesc[]): unknown[];
}

// Registered as objects, not factories: a serialization is a stateless codec, and finding one by
// wire id must not build every registered one to ask it its id.
const serializations = new NamedTable<Serialization>('serialization');

/** Registers `serialization` under its name (replacing one must be asked for). */
export function registerSerialization(serialization: Serialization, options?: RegisterOptions): void {
  serializations.register(serialization.name, serialization, options);
}

/** The serialization registered as `name`; RpcError INVALID_ARGUMENT if there is none. */
export function serializationByName(name: string): Serialization {
  return serializations.get(name);
}

/** The serialization `protocol` numbers `id` on its wire, or undefined (the caller reports it in its protocol's terms). */
export function serializationById(protocol: string, id: number): Serialization | undefined {
  for (const s of serializations.values()) {
    if (s.ids[protocol] === id) return s;
  }
  return undefined;
}

/** The registered serialization names, sorted. */
export function serializationNames(): string[] {
  return serializations.names();
}
