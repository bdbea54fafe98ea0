import { setField } from '@meshlet/core';
import type { ClassDef } from './cursor.js';
import { asSerializationError, serializationError } from '../errors.js';
import { tagClass } from '../java-object.js';
import * as T from '../tags.js';
import { StructureReader } from './structure.js';

/**
 * The reader's untyped values: one dispatch on what the first byte starts in the dialect
 * (`this.tags.forms`) to the family that reads it, lists, maps and objects built from untyped
 * values, and the entry points that turn anything thrown into a Serialization error. This is the
 * reader the typed decoders (`../typed-decode.ts`) are written against; `HessianReader` adds
 * `readTyped` on top, so the typed layer depends on the reader and never the other way.
 */
export abstract class ValueReader extends StructureReader {
  /** Reads the next value, untyped. */
  readValue(): unknown {
    try {
      return this.value();
    } catch (err) {
      throw asSerializationError(err, 'decode');
    }
  }

  /**
   * Reads a map straight into a null-prototype record of strings, as `String()` of each key and
   * non-null value read untyped; null values are left out (Dubbo attachments: Java's
   * `getAttachment(String)` sees strings only). No `Map` is built on the way: every request carries
   * one. Throws SERIALIZATION when the next value is not a map.
   */
  readStringRecord(): Record<string, string> {
    try {
      this.beginMap();
      const out: Record<string, string> = Object.create(null);
      this.refs.push(out); // the map's own reference slot, as `readValue()` would take
      while (this.hasMore()) {
        const k = this.value();
        const v = this.value();
        if (v !== null && v !== undefined) out[String(k)] = String(v);
      }
      this.endMap();
      return out;
    } catch (err) {
      throw asSerializationError(err, 'decode');
    }
  }

  /** The next value, untyped (no error wrapping: codecs call this; users call `readValue`). */
  value(): unknown {
    let tag = this.tag();
    if (tag <= T.STRING_DIRECT_MAX) return this.utf(tag);
    if (tag >= 0x80) return tag < 0xd8 ? this.intAfter(tag) : this.longAfter(tag);
    if (tag === this.tags.CLASS_DEF) {
      this.pos--;
      tag = this.tagAfterClassDefs();
    }
    switch (this.tags.forms[tag]) {
      case T.F_NULL:
        return null;
      case T.F_TRUE:
        return true;
      case T.F_FALSE:
        return false;
      case T.F_STRING_DIRECT: case T.F_STRING_SHORT: case T.F_STRING: case T.F_STRING_CHUNK:
        return this.stringAfter(tag);
      case T.F_INT:
        return this.intAfter(tag);
      case T.F_LONG:
        return this.longAfter(tag);
      case T.F_DOUBLE_ZERO: case T.F_DOUBLE_ONE: case T.F_DOUBLE_BYTE: case T.F_DOUBLE_SHORT:
      case T.F_DOUBLE_MILL: case T.F_DOUBLE_FLOAT: case T.F_DOUBLE:
        return this.doubleAfter(tag);
      case T.F_DATE: case T.F_DATE_MINUTE:
        return this.dateAfter(tag);
      case T.F_BINARY_DIRECT: case T.F_BINARY_SHORT: case T.F_BINARY: case T.F_BINARY_CHUNK:
        return this.bytesAfter(tag);
      case T.F_LIST:
        return this.untypedList(this.listHeaderAfter(tag));
      case T.F_MAP_UNTYPED: case T.F_MAP:
        this.pos--;
        return this.untypedMap();
      case T.F_OBJECT: case T.F_OBJECT_DIRECT:
        return this.untypedObject(this.instanceAfter(tag)!);
      case T.F_REF: case T.F_REF_BYTE: case T.F_REF_SHORT: case T.F_REF_INT32:
        return this.refAfter(tag);
      default:
        throw serializationError(`unknown tag ${T.tagName(tag)} at offset ${this.pos - 1} (${this.tags.name})`);
    }
  }

  protected untypedList(len: number): unknown[] {
    const arr: unknown[] = [];
    if (this.lastType !== null) tagClass(arr, this.lastType);
    this.refs.push(arr);
    if (len >= 0) {
      for (let i = 0; i < len; i++) arr.push(this.value());
    } else {
      while (this.hasMore()) arr.push(this.value());
    }
    this.endList(len);
    return arr;
  }

  protected untypedMap(): Map<unknown, unknown> {
    this.beginMap();
    const m = new Map<unknown, unknown>();
    if (this.lastType !== null && this.lastType !== '') tagClass(m, this.lastType);
    this.refs.push(m);
    while (this.hasMore()) {
      const k = this.value();
      m.set(k, this.value());
    }
    this.endMap();
    return m;
  }

  protected untypedObject(def: ClassDef): Record<string, unknown> {
    this.enter();
    const obj: Record<string, unknown> = {};
    tagClass(obj, def.name);
    this.refs.push(obj);
    const fields = def.fields;
    if (def.unsafeField) {
      for (let i = 0; i < fields.length; i++) setField(obj, fields[i]!, this.value());
    } else {
      for (let i = 0; i < fields.length; i++) obj[fields[i]!] = this.value();
    }
    this.depth--;
    return obj;
  }
}
