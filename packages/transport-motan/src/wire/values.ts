import type { TypeDesc } from '@meshlet/core';
import { mismatch, shown } from './errors.js';

/**
 * The JS values a descriptor accepts, checked the same way by the breeze and simple writers: the
 * two formats put different bytes on the wire, but what counts as a valid `int`, `long`, `byte[]`
 * or collection for a Java type is one rule.
 */

/** The SERIALIZATION error for a value its descriptor does not take. */
export function wrongValue(desc: TypeDesc, v: unknown): Error {
  return mismatch(`${shown(v)} is not a valid ${desc.kind} (${desc.javaType})`);
}

/** An integer in [min, max], from a number or a bigint in range. */
export function intIn(desc: TypeDesc, v: unknown, min: number, max: number): number {
  const n = typeof v === 'bigint' && v >= BigInt(min) && v <= BigInt(max) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw wrongValue(desc, v);
  return n;
}

/** A Java `long`: a bigint in range, or a safe-integer number (a larger one may have lost precision). */
export function int64(desc: TypeDesc, v: unknown): bigint {
  if (typeof v === 'bigint' && v >= -(2n ** 63n) && v < 2n ** 63n) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'number' && Number.isInteger(v)) {
    throw mismatch(`${v} is beyond 2^53 and may have lost precision: pass int64 (${desc.javaType}) values as bigint`);
  }
  throw wrongValue(desc, v);
}

/** A `byte[]`: a Uint8Array, or an array of byte values (signed or unsigned). */
export function byteArray(desc: TypeDesc, v: unknown): Uint8Array {
  let b = v;
  if (Array.isArray(v) && v.every((n) => Number.isInteger(n) && n >= -128 && n <= 255)) b = Uint8Array.from(v as number[], (n) => n & 0xff);
  if (!(b instanceof Uint8Array)) throw wrongValue(desc, v);
  return b;
}

/** A list, set or array: a JS array or Set. */
export function listItems(desc: TypeDesc, v: unknown): readonly unknown[] {
  if (Array.isArray(v)) return v;
  if (v instanceof Set) return [...v];
  throw wrongValue(desc, v);
}

/** A map: a JS Map, or a plain object for string-keyed maps. */
export function mapEntries(desc: TypeDesc, v: unknown): Map<unknown, unknown> | [string, unknown][] {
  if (v instanceof Map) return v;
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) return Object.entries(v);
  }
  throw wrongValue(desc, v);
}

/** A class's fields: a plain object (not an array or Map). */
export function objectFields(desc: TypeDesc, v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Map) throw wrongValue(desc, v);
  return v as Record<string, unknown>;
}
