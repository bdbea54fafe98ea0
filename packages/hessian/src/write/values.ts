import type { TypeDesc } from '@meshlet/core';
import { serializationError } from '../errors.js';
import { JAVA_CLASS, javaClassOf } from '../java-object.js';
import { TypedValue } from '../typed-value.js';
import { StructureWriter } from './structure.js';

/** Typed arrays written untyped, as the Java primitive array they match (Uint32 values need Java long). */
const TYPED_ARRAY_TYPES = new Map<unknown, string>([
  [Int16Array, '[short'],
  [Uint16Array, '[int'],
  [Int32Array, '[int'],
  [Uint32Array, '[long'],
  [Float32Array, '[float'],
  [Float64Array, '[double'],
  [BigInt64Array, '[long'],
]);

/**
 * The writer's untyped values: the JS runtime type picks the family that writes it. This is the
 * writer the typed encoders (`../typed-encode.ts`) are written against; a `TypedValue` met here
 * goes to `writeTyped`, which `HessianWriter` implements with them, so the typed layer depends on
 * the writer and never the other way.
 */
export abstract class ValueWriter extends StructureWriter {
  /**
   * Untyped: the JS runtime type picks the Hessian type. number → int when an int32 integer, else
   * double; bigint → long; string; boolean; null/undefined → null; Uint8Array/Buffer → binary;
   * Date; Array → untyped list (typed if it carries a Java class); Map and plain objects → untyped
   * map (typed `M` if it carries a Java class); objects carrying a Java class (`javaObject`, or as
   * decoded) → class definition + instance; Set → `java.util.HashSet`; `TypedValue` → its
   * descriptor; Error → `java.lang.RuntimeException` (or its carried class) with the message;
   * Int32Array/Float64Array/BigInt64Array/… → `[int`/`[double`/`[long`/….
   */
  writeValue(v: unknown): void {
    switch (typeof v) {
      case 'string':
        this.writeString(v);
        return;
      case 'number':
        if ((v | 0) === v && (v !== 0 || 1 / v > 0)) this.putInt(v);
        else this.writeDouble(v);
        return;
      case 'boolean':
        this.writeBool(v);
        return;
      case 'bigint':
        this.writeLong(v);
        return;
      case 'undefined':
        this.writeNull();
        return;
      case 'object':
        if (v === null) this.writeNull();
        else this.writeObjectValue(v);
        return;
      default:
        throw serializationError(`cannot encode a ${typeof v}`);
    }
  }

  private writeObjectValue(v: object): void {
    if (Array.isArray(v)) {
      if (this.refOrRemember(v)) return;
      const type = (v as { [JAVA_CLASS]?: string })[JAVA_CLASS];
      this.listBegin(v.length, typeof type === 'string' ? type : null);
      for (let i = 0; i < v.length; i++) this.writeValue(v[i]);
      this.listEnd();
      return;
    }
    if (v instanceof Uint8Array) {
      this.writeBytes(v);
      return;
    }
    if (v instanceof Date) {
      this.writeDate(v);
      return;
    }
    if (v instanceof Map) {
      if (this.refOrRemember(v)) return;
      const type = javaClassOf(v);
      this.mapBegin(type === undefined || type === 'java.util.HashMap' ? null : type);
      for (const [k, val] of v) {
        this.writeValue(k);
        this.writeValue(val);
      }
      this.mapEnd();
      return;
    }
    if (v instanceof TypedValue) {
      this.writeTyped(v.value, v.desc);
      return;
    }
    if (v instanceof Set) {
      if (this.refOrRemember(v)) return;
      this.listBegin(v.size, javaClassOf(v) ?? 'java.util.HashSet');
      for (const item of v) this.writeValue(item);
      this.listEnd();
      return;
    }
    if (ArrayBuffer.isView(v)) {
      this.writeTypedArray(v);
      return;
    }
    if (v instanceof Error) {
      this.writeThrowable(javaClassOf(v) ?? 'java.lang.RuntimeException', v.message);
      return;
    }
    if (this.refOrRemember(v)) return;
    const cls = (v as { [JAVA_CLASS]?: string })[JAVA_CLASS];
    const keys = Object.keys(v);
    const o = v as Record<string, unknown>;
    if (typeof cls === 'string') {
      this.objectBegin(cls, keys);
      for (let i = 0; i < keys.length; i++) this.writeValue(o[keys[i]!]);
      this.objectEnd();
      return;
    }
    this.mapBegin(null);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      this.writeString(k);
      this.writeValue(o[k]);
    }
    this.mapEnd();
  }

  private writeTypedArray(v: ArrayBufferView): void {
    if (v instanceof Int8Array || v instanceof Uint8ClampedArray) {
      this.writeBytes(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      return;
    }
    const type = TYPED_ARRAY_TYPES.get(v.constructor);
    if (type === undefined) throw serializationError(`cannot encode a ${v.constructor.name}`);
    if (this.refOrRemember(v)) return;
    const arr = v as unknown as ArrayLike<number | bigint>;
    this.listBegin(arr.length, type);
    if (type === '[long') for (let i = 0; i < arr.length; i++) this.writeLong(arr[i]!);
    else if (type === '[double' || type === '[float') for (let i = 0; i < arr.length; i++) this.writeDouble(arr[i] as number);
    else for (let i = 0; i < arr.length; i++) this.putInt(arr[i] as number);
    this.listEnd();
  }

  /** Descriptor-driven: writes `v` as the Java type `desc` names (see the README's mapping table). */
  abstract writeTyped(v: unknown, desc: TypeDesc): void;
}
