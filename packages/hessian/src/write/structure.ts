import * as T from '../tags.js';
import { StringWriter } from './strings.js';

const THROWABLE_FIELDS: readonly string[] = Object.freeze(['detailMessage']);

/**
 * The writer's structure: back-references, list and map headers and ends, class definitions and
 * instance headers, and type names. These are the low-level calls the typed encoders make
 * (`refOrRemember`, `listBegin`/`listEnd`, `mapBegin`/`mapEnd`, `objectBegin`/`objectEnd`); the
 * contents between them are values. The productions whose grammar differs between the dialects
 * are the protected methods marked "Grammar", which `DraftHessianWriter` overrides.
 */
export abstract class StructureWriter extends StringWriter {
  /** Grammar: a back-reference to the `index`-th list/map/object of this message (2.0: `Q` int). */
  writeRef(index: number): void {
    this.ensure(1);
    this.buf[this.pos++] = T.FINAL.REF;
    this.putInt(index);
  }

  /**
   * If `obj` was written before in this message, writes a back-reference and returns true.
   * Otherwise remembers it as the next list/map/object (the caller must then begin exactly one).
   */
  refOrRemember(obj: object): boolean {
    const ref = this.refs.get(obj);
    if (ref !== undefined) {
      this.writeRef(ref);
      return true;
    }
    this.refs.set(obj, this.refCount);
    return false;
  }

  /** Begins a list of `length` items; `type` null = untyped (Java reads an ArrayList). Items follow; then `listEnd()`. */
  listBegin(length: number, type: string | null): void {
    this.enter();
    this.refCount++;
    this.writeListHeader(length, type);
  }

  /** Ends a list begun with `listBegin`. */
  listEnd(): void {
    this.depth--;
    this.writeListEnd();
  }

  /** Begins a map; `type` null = untyped (Java reads a HashMap), else typed with that class. Pairs follow; then `mapEnd()`. */
  mapBegin(type: string | null): void {
    this.enter();
    this.refCount++;
    this.writeMapHeader(type);
  }

  mapEnd(): void {
    this.depth--;
    this.writeEnd();
  }

  /** Grammar: a fixed-length list header (compact `x70`–`x7f` forms up to 7 items, else `V`/`X` with an int length). */
  protected writeListHeader(length: number, type: string | null): void {
    this.ensure(1);
    const k = T.FINAL;
    if (type === null) {
      if (length <= T.LIST_DIRECT_MAX) {
        this.buf[this.pos++] = k.LIST_DIRECT_UNTYPED + length;
      } else {
        this.buf[this.pos++] = k.LIST_FIXED_UNTYPED;
        this.putInt(length);
      }
    } else if (length <= T.LIST_DIRECT_MAX) {
      this.buf[this.pos++] = k.LIST_DIRECT + length;
      this.writeType(type);
    } else {
      this.buf[this.pos++] = k.LIST_FIXED;
      this.writeType(type);
      this.putInt(length);
    }
  }

  /** Grammar: fixed-length lists have no end marker in 2.0. */
  protected writeListEnd(): void {}

  /** Grammar: `H`, or `M` type. */
  protected writeMapHeader(type: string | null): void {
    this.ensure(1);
    if (type === null) {
      this.buf[this.pos++] = T.FINAL.MAP_UNTYPED;
    } else {
      this.buf[this.pos++] = T.MAP;
      this.writeType(type);
    }
  }

  /** The end marker of maps (and of the draft's lists). */
  protected writeEnd(): void {
    this.ensure(1);
    this.buf[this.pos++] = this.tags.END;
  }

  /**
   * Begins an instance of Java class `className` with `fields` (in order): writes the class
   * definition the first time this class (with these fields) appears in the message, then the
   * instance header. The field values follow in the same order; then `objectEnd()`.
   */
  objectBegin(className: string, fields: readonly string[]): void {
    let def = this.classDefs.get(className);
    if (def === undefined || (def.fields !== fields && !sameFields(def.fields, fields))) {
      def = { index: this.classCount++, fields };
      this.classDefs.set(className, def);
      // A frozen field list (compiled descriptors) has stable identity: reuse its encoded definition.
      const cached = this.defBytes.get(fields);
      if (cached !== undefined && cached.name === className) {
        this.writeRaw(cached.bytes);
      } else {
        const start = this.pos;
        this.writeClassDef(className, fields);
        if (Object.isFrozen(fields)) this.defBytes.set(fields, { name: className, bytes: Buffer.from(this.buf.subarray(start, this.pos)) });
      }
    }
    this.enter();
    this.refCount++;
    this.writeInstanceHeader(def.index);
  }

  objectEnd(): void {
    this.depth--;
  }

  /** The instance header: `x60`+index for the first 16 classes where the dialect has that form (2.0), else `O`/`o` index. */
  protected writeInstanceHeader(index: number): void {
    this.ensure(1);
    const k = this.tags;
    if (index <= T.OBJECT_DIRECT_MAX && k.OBJECT_DIRECT !== T.NONE) {
      this.buf[this.pos++] = k.OBJECT_DIRECT + index;
    } else {
      this.buf[this.pos++] = k.OBJECT;
      this.putInt(index);
    }
  }

  /** A class definition: its code (`C`, draft `O`), the class name, the field count and the field names. */
  protected writeClassDef(className: string, fields: readonly string[]): void {
    this.ensure(1);
    this.buf[this.pos++] = this.tags.CLASS_DEF;
    this.writeClassName(className);
    this.putInt(fields.length);
    for (let i = 0; i < fields.length; i++) this.writeString(fields[i]!);
  }

  /** Grammar: the class name of a class definition (2.0: a string). */
  protected writeClassName(className: string): void {
    this.writeString(className);
  }

  /** Grammar: a type name (of a typed list or map): the string the first time in a message, then its index. */
  protected writeType(type: string): void {
    const ref = this.typeRefs.get(type);
    if (ref !== undefined) {
      this.putInt(ref);
    } else {
      this.typeRefs.set(type, this.typeRefs.size);
      this.writeString(type);
    }
  }

  /**
   * A Java Throwable that Java's `readThrowable` accepts: an instance of `className` (default
   * `java.lang.RuntimeException`) with its `detailMessage` field.
   */
  writeThrowable(className = 'java.lang.RuntimeException', message: string | null = null): void {
    this.objectBegin(className, THROWABLE_FIELDS);
    if (message === null) this.writeNull();
    else this.writeString(message);
    this.objectEnd();
  }
}

function sameFields(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
