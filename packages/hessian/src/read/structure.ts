import { serializationError } from '../errors.js';
import type { ClassDef } from './cursor.js';
import * as T from '../tags.js';
import { StringReader } from './strings.js';

/**
 * The reader's structure: type names, class definitions and instance headers, list and map
 * headers and their ends, and back-references. These are the low-level calls the typed decoders
 * make (`beginList`/`endList`, `beginMap`/`endMap`, `beginObject`/`endObject`, `addRef`/`setRef`);
 * the contents between them are values. The productions whose grammar differs between the
 * dialects are the protected methods marked "Grammar", which `DraftHessianReader` overrides.
 */
export abstract class StructureReader extends StringReader {
  /**
   * Grammar: a type name, a string (added to the type table) or an int index into that table.
   * Null only where the dialect's type is optional and absent (the draft).
   */
  protected readType(): string | null {
    const tag = this.tag();
    const s = this.stringAfter(tag);
    if (s !== null) {
      this.types.push(s);
      return s;
    }
    const i = this.intAfter(tag);
    if (i === undefined) throw this.unexpected(tag, 'a type name');
    return this.typeAt(i);
  }

  /** Entry `i` of the type table. */
  protected typeAt(i: number): string {
    if (i < 0 || i >= this.types.length) throw serializationError(`type reference ${i} out of range (${this.types.length} defined)`);
    return this.types[i]!;
  }

  /** A class definition past its code (`C`, draft `O`): the class name, the field count and the field names. */
  protected readClassDef(): void {
    const name = this.readClassName();
    const count = this.strictInt('field count');
    if (count < 0 || count > this.end - this.pos) throw serializationError(`class ${name}: field count ${count} exceeds the input`);
    const fields: string[] = [];
    let unsafeField = false;
    for (let i = 0; i < count; i++) {
      const f = this.readString();
      if (f === '__proto__') unsafeField = true;
      fields.push(f);
    }
    this.defs.push({ name, fields, unsafeField });
  }

  /** Grammar: the class name of a class definition (2.0: a string). */
  protected readClassName(): string {
    return this.readString();
  }

  protected classDefAt(index: number): ClassDef {
    const def = this.defs[index];
    if (def === undefined || index < 0) throw serializationError(`object refers to class definition ${index} but ${this.defs.length} are defined`);
    return def;
  }

  /** The class of an instance whose header starts with `tag` (`x60`+index or `O`/`o` index), or null if `tag` starts no instance. */
  protected instanceAfter(tag: number): ClassDef | null {
    const form = this.tags.forms[tag];
    if (form === T.F_OBJECT_DIRECT) return this.classDefAt(tag - this.tags.OBJECT_DIRECT);
    if (form === T.F_OBJECT) return this.classDefAt(this.strictInt('class index'));
    return null;
  }

  isListTag(tag: number): boolean {
    return this.tags.forms[tag] === T.F_LIST;
  }

  isMapTag(tag: number): boolean {
    const form = this.tags.forms[tag];
    return form === T.F_MAP || form === T.F_MAP_UNTYPED;
  }

  isObjectTag(tag: number): boolean {
    const form = this.tags.forms[tag];
    return form === T.F_CLASS_DEF || form === T.F_OBJECT || form === T.F_OBJECT_DIRECT;
  }

  isRefTag(tag: number): boolean {
    const form = this.tags.forms[tag];
    return form === T.F_REF || form === T.F_REF_BYTE || form === T.F_REF_SHORT || form === T.F_REF_INT32;
  }

  /**
   * Consumes a list header (any list form) and enters it: returns its fixed length (checked
   * against the input left) or -1 for a list read up to its end marker; the type is in `lastType`.
   * Read the items, then call `endList(length)`.
   */
  beginList(): number {
    const tag = this.tag();
    return this.listHeaderAfter(tag);
  }

  /** Grammar: the rest of a list header (2.0: the typed and untyped, fixed, variable and compact forms). */
  protected listHeaderAfter(tag: number): number {
    const k = T.FINAL;
    let len: number;
    let type: string | null = null;
    if (tag >= k.LIST_DIRECT_UNTYPED && tag <= k.LIST_DIRECT_UNTYPED + T.LIST_DIRECT_MAX) {
      len = tag - k.LIST_DIRECT_UNTYPED;
    } else if (tag >= k.LIST_DIRECT && tag <= k.LIST_DIRECT + T.LIST_DIRECT_MAX) {
      type = this.readType();
      len = tag - k.LIST_DIRECT;
    } else if (tag === k.LIST_FIXED) {
      type = this.readType();
      len = this.strictInt('list length');
    } else if (tag === k.LIST_FIXED_UNTYPED) {
      len = this.strictInt('list length');
    } else if (tag === k.LIST_VARIABLE) {
      type = this.readType();
      len = -1;
    } else if (tag === k.LIST_VARIABLE_UNTYPED) {
      len = -1;
    } else {
      throw this.unexpected(tag, 'a list');
    }
    this.checkLength(len);
    this.lastType = type;
    this.enter();
    return len;
  }

  /** Refuses a list length below `min` (-1: variable) or beyond the bytes left (each item takes at least one). */
  protected checkLength(len: number, min = -1): void {
    if (len < min || len > this.end - this.pos) throw serializationError(`list length ${len} exceeds the ${this.end - this.pos} bytes left`);
  }

  /** True while a variable-length list or a map has more entries (false at its end marker). */
  hasMore(): boolean {
    return this.peekTag() !== this.tags.END;
  }

  endList(length: number): void {
    if (length < 0) this.pos++; // the end marker hasMore() saw
    this.depth--;
  }

  /** Consumes a map header (`H`, or `M` type) and enters it; the type is in `lastType`. Read pairs while `hasMore()`, then `endMap()`. */
  beginMap(): void {
    const tag = this.tag();
    const form = this.tags.forms[tag];
    if (form === T.F_MAP_UNTYPED) this.lastType = null;
    else if (form === T.F_MAP) this.lastType = this.readType();
    else throw this.unexpected(tag, 'a map');
    this.enter();
  }

  endMap(): void {
    this.pos++; // the end marker hasMore() saw
    this.depth--;
  }

  /** Consumes any class definitions and an instance header, enters the object and returns its class. Read the fields, then `endObject()`. */
  beginObject(): ClassDef {
    const tag = this.tagAfterClassDefs();
    const def = this.instanceAfter(tag);
    if (def === null) throw this.unexpected(tag, 'an object');
    this.enter();
    return def;
  }

  endObject(): void {
    this.depth--;
  }

  /** The next tag, after reading the class definitions before it (iteratively: chains of them cost no stack). */
  protected tagAfterClassDefs(): number {
    let tag = this.tag();
    while (tag === this.tags.CLASS_DEF) {
      this.readClassDef();
      tag = this.tag();
    }
    return tag;
  }

  /** Registers a list/map/object as the next back-reference target (before reading its contents). */
  addRef(value: unknown): number {
    return this.refs.push(value) - 1;
  }

  /** A back-reference past its tag (`Q` int; draft `J` b0, `K` b1 b0, `R` b3..b0). */
  protected refAfter(tag: number): unknown {
    switch (this.tags.forms[tag]) {
      case T.F_REF:
        return this.refAt(this.strictInt('reference'));
      case T.F_REF_BYTE:
        return this.refAt(this.u8());
      case T.F_REF_SHORT:
        return this.refAt(this.u16());
      default:
        return this.refAt(this.i32());
    }
  }

  protected refAt(i: number): unknown {
    if (i < 0 || i >= this.refs.length) throw serializationError(`back-reference ${i} out of range (${this.refs.length} defined)`);
    return this.refs[i];
  }

  /** Replaces the value registered at reference `index` (for decoders that build the value after reading it). */
  setRef(index: number, value: unknown): void {
    this.refs[index] = value;
  }
}
