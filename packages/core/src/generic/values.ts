import { Code, RpcError } from '../errors.js';
import type { TypeDesc } from '../types.js';

/**
 * Generic calls take and give plain JS: a POJO is an object whose `class` key names its Java class
 * (Dubbo's GenericService convention), a long is a bigint. Serializers speak a slightly different
 * JS: Hessian marks an object's Java class with a symbol and decodes untyped maps as `Map`s. These
 * two functions translate at the boundary.
 */

/** The symbol Hessian reads and writes Java class names under (`Symbol.for`, so no import is needed). */
const JAVA_CLASS = Symbol.for('meshlet.hessian.javaClass');

/**
 * An argument of declared type `desc`, in the form the serializers encode: integral numbers (or
 * digit strings) for longs become bigints, `{ class, ...fields }` objects become Java objects of
 * that class. `classKey: 'keep'` leaves `class` keys in place, for Dubbo's `$invoke`, whose
 * provider rebuilds POJOs from maps with a `class` key.
 */
export function toWire(value: unknown, desc: TypeDesc, classKey: 'object' | 'keep' = 'object'): unknown {
  if (value === null || value === undefined) return value;
  switch (desc.kind) {
    case 'int64':
      return toBigInt(value);
    case 'date':
      return typeof value === 'string' || typeof value === 'number' ? new Date(value) : value;
    case 'bytes':
      return Array.isArray(value) ? Uint8Array.from(value as number[]) : typeof value === 'string' ? Buffer.from(value, 'base64') : value;
    case 'list':
    case 'set':
    case 'array':
      if (!Array.isArray(value)) return value; // the serializer refuses it with its own message
      return value.map((v) => toWire(v, desc.element!, classKey));
    case 'class': {
      if (typeof value !== 'object' || Array.isArray(value)) return value;
      if (classKey === 'keep') return anyToWire(value, classKey);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) if (k !== 'class') out[k] = anyToWire(v, classKey);
      return out;
    }
    case 'map':
    case 'any':
      return anyToWire(value, classKey);
    default:
      return value;
  }
}

function anyToWire(value: unknown, classKey: 'object' | 'keep'): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Date || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map((v) => anyToWire(v, classKey));
  const cls = (value as { class?: unknown }).class;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'class' && typeof cls === 'string' && classKey === 'object') continue;
    out[k] = anyToWire(v, classKey);
  }
  if (typeof cls === 'string' && classKey === 'object') {
    Object.defineProperty(out, JAVA_CLASS, { value: cls, enumerable: false, writable: true, configurable: true });
  }
  return out;
}

function toBigInt(value: unknown): unknown {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  if (typeof value === 'bigint') return value;
  throw new RpcError(Code.Serialization, `a long must be an integer, got ${JSON.stringify(value)}`);
}

/**
 * A result as plain JS: Java objects become `{ class, ...fields }`, `Map`s with string (or number)
 * keys become objects, Sets become arrays. Longs stay bigints; dates and byte arrays stay as they are.
 */
export function fromWire(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Date || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(fromWire);
  if (value instanceof Set) return [...value].map(fromWire);
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) {
      if (typeof k !== 'string' && typeof k !== 'number' && typeof k !== 'bigint' && typeof k !== 'boolean') {
        // An object key has no faithful plain-object form: keep the Map's entries as pairs.
        return [...value].map(([a, b]) => [fromWire(a), fromWire(b)]);
      }
      out[String(k)] = fromWire(v);
    }
    return out;
  }
  const cls = (value as { [JAVA_CLASS]?: unknown })[JAVA_CLASS];
  const out: Record<string, unknown> = typeof cls === 'string' ? { class: cls } : {};
  for (const [k, v] of Object.entries(value)) out[k] = fromWire(v);
  return out;
}
