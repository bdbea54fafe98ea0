import { isAscii } from 'node:buffer';
import type { TypeDesc } from '@meshlet/core';
import { Code, RpcError } from '@meshlet/core';
import { asSerializationError, serializationError } from './errors.js';
import { setField } from '@meshlet/core';
import { tagClass } from './java-object.js';
import * as T from './tags.js';
import { defineTags } from './tags.js';
import { decoderFor } from './typed-decode.js';

export interface HessianReaderOptions {
  /** Deepest nesting of lists, maps and objects accepted (default 256); deeper input is a Serialization error. */
  maxDepth?: number;
}

/** A class definition read from the stream (`C name count field*`). */
export interface ClassDef {
  readonly name: string;
  readonly fields: readonly string[];
  /** True when a field is named `__proto__` (such fields are defined, never assigned). */
  readonly unsafeField: boolean;
  /** Cache for typed decoding: the descriptor this definition was last matched against, and the plan. */
  matched?: TypeDesc | undefined;
  plan?: unknown;
}

/** Longs -2048..2047 as bigints, shared (bigints are immutable). */
const SMALL_LONGS: bigint[] = [];
for (let i = -2048; i <= 2047; i++) SMALL_LONGS.push(BigInt(i));

const TWO_32 = 4294967296;
/** Interning of short ASCII strings: a direct-mapped cache shared by all readers (strings are immutable). */
const INTERN_MAX_UNITS = 48;
const INTERN_MASK = 4095;
const internTable: string[] = new Array<string>(INTERN_MASK + 1).fill('');
/** Longer than this, a string's ASCII check is Node's native (SIMD) `isAscii`; up to it, a byte loop is cheaper than the call. */
const ASCII_LOOP_MAX_UNITS = 96;
/** UTF-16 units of the non-ASCII string being decoded, and the same memory as bytes (read as UTF-16LE). */
let scratch = new Uint16Array(256);
let scratchBytes = Buffer.from(scratch.buffer);
const BIG_ENDIAN = new Uint8Array(new Uint16Array([0x0102]).buffer)[0] === 0x01;

/**
 * A Hessian 2.0 (final) reader over one message in a byte buffer. Untyped decoding maps
 * null→null, boolean, int→number, long→bigint (always), double→number, string, binary→Buffer
 * (a copy), date→Date, list→Array, map→Map, object→plain object carrying its Java class
 * (`javaClassOf`). Back-references (including circular ones) resolve to the same JS object.
 *
 * Every malformed input throws `RpcError` with `code === Code.Serialization`. Lengths are checked
 * against the bytes left before anything is allocated, and nesting is bounded by `maxDepth`.
 *
 * Values are dispatched on `this.tags.forms`, what each first byte starts in the dialect
 * (`FINAL` here, `DRAFT` in `DraftHessianReader`), so every form is read by one method for both
 * dialects; the productions whose grammar differs are the protected methods marked "Grammar",
 * which the draft reader overrides.
 */
export class HessianReader {
  static {
    defineTags(this, T.FINAL);
  }

  /** This dialect's byte codes and forms (a prototype property, so each dialect's is a constant to the JIT). */
  declare protected readonly tags: T.DialectTags;
  protected buf: Buffer;
  protected pos: number;
  protected end: number;
  readonly maxDepth: number;
  protected depth = 0;
  protected readonly refs: unknown[] = [];
  protected readonly defs: ClassDef[] = [];
  protected readonly types: string[] = [];
  /** Type of the list or map most recently begun (null = untyped). */
  lastType: string | null = null;

  constructor(buf: Uint8Array, offset = 0, end = buf.length, options: HessianReaderOptions = {}) {
    this.buf = toBuffer(buf);
    this.pos = 0;
    this.end = 0;
    this.maxDepth = options.maxDepth ?? 256;
    this.setRange(offset, end);
  }

  /** Starts reading another message (clears the reference, class and type tables). */
  reset(buf: Uint8Array, offset = 0, end = buf.length): this {
    this.buf = toBuffer(buf);
    this.setRange(offset, end);
    this.depth = 0;
    this.refs.length = 0;
    this.defs.length = 0;
    this.types.length = 0;
    return this;
  }

  private setRange(offset: number, end: number): void {
    if (!Number.isInteger(offset) || !Number.isInteger(end) || offset < 0 || end < offset || end > this.buf.length) {
      throw new RpcError(Code.InvalidArgument, `hessian: bad range [${offset}, ${end}) of a ${this.buf.length}-byte buffer`);
    }
    this.pos = offset;
    this.end = end;
  }

  /** Offset of the next unread byte in the buffer. */
  get position(): number {
    return this.pos;
  }

  /** True when every byte up to `end` has been read. */
  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  /** Bytes left before `end`. */
  get remaining(): number {
    return this.end - this.pos;
  }

  // ------------------------------------------------------------------ public entry points

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

  /** Reads the next value conforming to `desc` (see the README's mapping table). */
  readTyped<T>(desc: TypeDesc<T>): T {
    try {
      return decoderFor(desc)(this) as T;
    } catch (err) {
      throw asSerializationError(err, `decode ${desc.javaType}`);
    }
  }

  // ------------------------------------------------------------------ bytes

  protected eof(what: string): RpcError {
    return serializationError(`truncated input: ${what} needs more bytes than the ${this.end - this.pos} left at offset ${this.pos}`);
  }

  /** The next tag byte, consumed. */
  protected tag(): number {
    if (this.pos >= this.end) throw this.eof('a value');
    return this.buf[this.pos++]!;
  }

  /** The next tag byte, not consumed. */
  peekTag(): number {
    if (this.pos >= this.end) throw this.eof('a value');
    return this.buf[this.pos]!;
  }

  /** Consumes a null tag if one is next. */
  readNullTag(): boolean {
    if (this.pos < this.end && this.buf[this.pos] === T.NULL) {
      this.pos++;
      return true;
    }
    return false;
  }

  protected u8(): number {
    if (this.pos >= this.end) throw this.eof('a byte');
    return this.buf[this.pos++]!;
  }

  protected u16(): number {
    const p = this.pos;
    if (p + 2 > this.end) throw this.eof('2 bytes');
    this.pos = p + 2;
    return (this.buf[p]! << 8) | this.buf[p + 1]!;
  }

  protected i32(): number {
    const p = this.pos;
    if (p + 4 > this.end) throw this.eof('4 bytes');
    this.pos = p + 4;
    const b = this.buf;
    return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
  }

  /** 8 bytes as an exact JS number, or NaN when beyond ±2^53. */
  protected i64Number(): number {
    const hi = this.i32();
    const lo = this.i32() >>> 0;
    const n = hi * TWO_32 + lo;
    return Number.isSafeInteger(n) ? n : NaN;
  }

  protected i64(): bigint {
    const p = this.pos;
    if (p + 8 > this.end) throw this.eof('8 bytes');
    this.pos = p + 8;
    return this.buf.readBigInt64BE(p);
  }

  protected enter(): void {
    if (++this.depth > this.maxDepth) throw serializationError(`nesting deeper than maxDepth ${this.maxDepth}`);
  }

  protected unexpected(tag: number, expected: string): RpcError {
    return serializationError(`expected ${expected} but found tag ${T.tagName(tag)} at offset ${this.pos - 1}`);
  }

  // ------------------------------------------------------------------ strings

  /** `units` UTF-16 units of Java-style UTF-8 (surrogates as 3-byte sequences; 4-byte UTF-8 accepted as 2 units). */
  protected utf(units: number): string {
    const b = this.buf;
    const start = this.pos;
    if (units > this.end - start) throw this.eof(`a ${units}-unit string`);
    const stop = start + units;
    if (units <= INTERN_MAX_UNITS) {
      // Short ASCII strings (names, keys, versions) repeat across messages: intern them.
      let h = units;
      let i = start;
      for (; i < stop; i++) {
        const c = b[i]!;
        if (c >= 0x80) break;
        h = (Math.imul(h, 31) + c) | 0;
      }
      if (i === stop) {
        this.pos = stop;
        const slot = (h ^ (h >>> 15)) & INTERN_MASK;
        const cached = internTable[slot]!;
        if (cached.length === units) {
          let k = 0;
          while (k < units && cached.charCodeAt(k) === b[start + k]) k++;
          if (k === units) return cached;
        }
        const str = (b as unknown as Latin1).latin1Slice(start, stop);
        internTable[slot] = str;
        return str;
      }
      return this.utfSlow(units);
    }
    let ascii: boolean;
    if (units <= ASCII_LOOP_MAX_UNITS) {
      let i = start;
      while (i < stop && b[i]! < 0x80) i++;
      ascii = i === stop;
    } else {
      ascii = isAscii(new Uint8Array(b.buffer, b.byteOffset + start, units));
    }
    if (ascii) {
      // All `units` bytes are ASCII, so they are exactly the string's `units` units.
      this.pos = stop;
      return (b as unknown as Latin1).latin1Slice(start, stop);
    }
    return this.utfSlow(units);
  }

  private utfSlow(units: number): string {
    if (scratch.length < units) {
      scratch = new Uint16Array(Math.max(units, scratch.length * 2));
      scratchBytes = Buffer.from(scratch.buffer);
    }
    const out = scratch;
    const b = this.buf;
    const end = this.end;
    let p = this.pos;
    let n = 0;
    while (n < units) {
      if (p >= end) throw this.eof('a string');
      let c = b[p++]!;
      if (c < 0x80) {
        out[n++] = c;
        // The rest of an ASCII run (one unit per byte, nothing to validate) in a tight loop.
        const stop = Math.min(end, p + units - n);
        while (p < stop && (c = b[p]!) < 0x80) {
          out[n++] = c;
          p++;
        }
      } else if ((c & 0xe0) === 0xc0) {
        if (p >= end) throw this.eof('a string');
        const c1 = b[p++]!;
        if ((c1 & 0xc0) !== 0x80) throw this.badUtf8(p - 1);
        out[n++] = ((c & 0x1f) << 6) | (c1 & 0x3f);
      } else if ((c & 0xf0) === 0xe0) {
        if (p + 2 > end) throw this.eof('a string');
        const c1 = b[p++]!;
        const c2 = b[p++]!;
        if ((c1 & 0xc0) !== 0x80 || (c2 & 0xc0) !== 0x80) throw this.badUtf8(p - 2);
        out[n++] = ((c & 0x0f) << 12) | ((c1 & 0x3f) << 6) | (c2 & 0x3f);
      } else if ((c & 0xf8) === 0xf0 && n + 1 < units) {
        // Standard UTF-8 for a supplementary character (not what Java writes, but harmless to accept).
        if (p + 3 > end) throw this.eof('a string');
        const c1 = b[p++]!;
        const c2 = b[p++]!;
        const c3 = b[p++]!;
        if ((c1 & 0xc0) !== 0x80 || (c2 & 0xc0) !== 0x80 || (c3 & 0xc0) !== 0x80) throw this.badUtf8(p - 3);
        const cp = (((c & 0x07) << 18) | ((c1 & 0x3f) << 12) | ((c2 & 0x3f) << 6) | (c3 & 0x3f)) - 0x10000;
        if (cp < 0 || cp > 0xfffff) throw this.badUtf8(p - 4);
        out[n++] = 0xd800 | (cp >> 10);
        out[n++] = 0xdc00 | (cp & 0x3ff);
      } else {
        throw this.badUtf8(p - 1);
      }
    }
    this.pos = p;
    // The units as one native UTF-16LE decode (no per-unit JS calls); on a big-endian host, swap first.
    if (BIG_ENDIAN) scratchBytes.subarray(0, n * 2).swap16();
    return (scratchBytes as unknown as Ucs2).ucs2Slice(0, n * 2);
  }

  private badUtf8(at: number): RpcError {
    return serializationError(`invalid UTF-8 byte 0x${this.buf[at]!.toString(16)} at offset ${at}`);
  }

  /** The rest of a string whose first tag was `tag` (any string form), or null if `tag` is not a string tag. */
  protected stringAfter(tag: number): string | null {
    if (tag <= T.STRING_DIRECT_MAX) return this.utf(tag);
    if (tag === T.STRING) return this.utf(this.u16());
    switch (this.tags.forms[tag]) {
      case T.F_STRING_SHORT:
        return this.utf(((tag - this.tags.STRING_SHORT) << 8) | this.u8());
      case T.F_STRING_CHUNK:
        return this.chunkedString();
      default:
        return null;
    }
  }

  /**
   * A string sent in chunks (32768 units each from Java), appended chunk by chunk. V8 keeps that
   * as a rope and flattens it (one copy) the first time it is written or searched. Gathering the
   * ASCII chunks into one buffer and decoding it once was tried (issue 14): it trades the rope's
   * young-generation pieces for external memory (the gathered bytes and an external string), whose
   * mark-compacts made Bolt's 8 MB echo ~20 % slower in the bench, so the rope stays.
   */
  private chunkedString(): string {
    let s = this.utf(this.u16());
    for (;;) {
      const tag = this.tag();
      if (tag === this.tags.STRING_CHUNK) {
        s += this.utf(this.u16());
        continue;
      }
      const last = this.stringAfter(tag);
      if (last === null) throw this.unexpected(tag, 'a string chunk');
      return s + last;
    }
  }

  /** A string (any string form); throws on null or another type. */
  readString(): string {
    const tag = this.tag();
    const s = this.stringAfter(tag);
    if (s === null) throw this.unexpected(tag, 'a string');
    return s;
  }

  /** A string or null. */
  readNullableString(): string | null {
    if (this.readNullTag()) return null;
    return this.readString();
  }

  // ------------------------------------------------------------------ numbers

  /** An int tag's value, or undefined when `tag` is not an int tag. */
  protected intAfter(tag: number): number | undefined {
    if (tag >= 0x80 && tag <= 0xbf) return tag - T.INT_ZERO;
    if (tag >= 0xc0 && tag <= 0xcf) return ((tag - T.INT_BYTE_ZERO) << 8) | this.u8();
    if (tag >= 0xd0 && tag <= 0xd7) return ((tag - T.INT_SHORT_ZERO) << 16) | this.u16();
    if (tag === T.INT) return this.i32();
    return undefined;
  }

  /** A long tag's value as a number if it fits int32 or is a safe integer, NaN otherwise; undefined when not a long tag. */
  protected longAsNumberAfter(tag: number): number | undefined {
    if (tag >= 0xd8 && tag <= 0xef) return tag - T.LONG_ZERO;
    if (tag >= 0xf0) return ((tag - T.LONG_BYTE_ZERO) << 8) | this.u8();
    if (tag >= 0x38 && tag <= 0x3f) return ((tag - T.LONG_SHORT_ZERO) << 16) | this.u16();
    if (tag === this.tags.LONG_INT) return this.i32();
    if (tag === T.LONG) return this.i64Number();
    return undefined;
  }

  /** A long tag's value as a bigint, or undefined when not a long tag. */
  protected longAfter(tag: number): bigint | undefined {
    if (tag >= 0xd8 && tag <= 0xef) return SMALL_LONGS[tag - T.LONG_ZERO + 2048]!;
    if (tag >= 0xf0) return SMALL_LONGS[(((tag - T.LONG_BYTE_ZERO) << 8) | this.u8()) + 2048]!;
    if (tag >= 0x38 && tag <= 0x3f) return BigInt(((tag - T.LONG_SHORT_ZERO) << 16) | this.u16());
    if (tag === this.tags.LONG_INT) return BigInt(this.i32());
    if (tag === T.LONG) return this.i64();
    return undefined;
  }

  /** A double tag's value, or undefined when not a double tag. */
  protected doubleAfter(tag: number): number | undefined {
    // Compares with this dialect's codes (constants to the JIT): cheaper than a forms lookup on this hot path.
    const k = this.tags;
    if (tag === T.DOUBLE) {
      const p = this.pos;
      if (p + 8 > this.end) throw this.eof('a double');
      this.pos = p + 8;
      return this.buf.readDoubleBE(p);
    }
    if (tag === k.DOUBLE_ZERO) return 0;
    if (tag === k.DOUBLE_ONE) return 1;
    if (tag === k.DOUBLE_BYTE) return (this.u8() << 24) >> 24;
    if (tag === k.DOUBLE_SHORT) return (this.u16() << 16) >> 16;
    if (tag === k.DOUBLE_MILL) return 0.001 * this.i32();
    if (tag === k.DOUBLE_FLOAT) {
      const p = this.pos;
      if (p + 4 > this.end) throw this.eof('a float');
      this.pos = p + 4;
      return this.buf.readFloatBE(p);
    }
    return undefined;
  }

  /** An int written as any int form only (list lengths, class indexes, references). */
  protected strictInt(what: string): number {
    const tag = this.tag();
    const n = this.intAfter(tag);
    if (n === undefined) throw this.unexpected(tag, `an int (${what})`);
    return n;
  }

  /** A Java int: any int form, or a long/double holding an int32 integer. */
  readInt(): number {
    const tag = this.tag();
    let n = this.intAfter(tag);
    if (n !== undefined) return n;
    n = this.longAsNumberAfter(tag) ?? this.doubleAfter(tag);
    if (n === undefined) throw this.unexpected(tag, 'an int');
    if ((n | 0) !== n) throw serializationError(`${n} does not fit int32`);
    return n;
  }

  /** A Java long, always a bigint: any long or int form, or a double holding an integer. */
  readLong(): bigint {
    const tag = this.tag();
    const l = this.longAfter(tag);
    if (l !== undefined) return l;
    const n = this.intAfter(tag) ?? this.doubleAfter(tag);
    if (n === undefined) throw this.unexpected(tag, 'a long');
    if (!Number.isInteger(n)) throw serializationError(`${n} is not an integer`);
    return BigInt(n);
  }

  /** A Java double: any double, int or long form (a long beyond ±2^53 is rounded, as Java's `(double)` would). */
  readDouble(): number {
    const tag = this.tag();
    const d = this.doubleAfter(tag) ?? this.intAfter(tag);
    if (d !== undefined) return d;
    const l = this.longAfter(tag);
    if (l === undefined) throw this.unexpected(tag, 'a double');
    return Number(l);
  }

  /** A Java boolean: T or F (or an int, non-zero = true, as Java accepts). */
  readBool(): boolean {
    const tag = this.tag();
    if (tag === T.TRUE) return true;
    if (tag === T.FALSE) return false;
    const n = this.intAfter(tag);
    if (n === undefined) throw this.unexpected(tag, 'a boolean');
    return n !== 0;
  }

  /** A `byte[]` as a Buffer that owns its memory (a copy of the input). */
  readBytes(): Buffer {
    const tag = this.tag();
    const b = this.bytesAfter(tag);
    if (b === null) throw this.unexpected(tag, 'binary');
    return b;
  }

  protected bytesAfter(tag: number): Buffer | null {
    switch (this.tags.forms[tag]) {
      case T.F_BINARY_DIRECT:
        return this.copyBytes(tag - T.BINARY_DIRECT);
      case T.F_BINARY_SHORT:
        return this.copyBytes(((tag - this.tags.BINARY_SHORT) << 8) | this.u8());
      case T.F_BINARY:
        return this.copyBytes(this.u16());
      case T.F_BINARY_CHUNK:
        return this.chunkedBytes();
      default:
        return null;
    }
  }

  private chunkedBytes(): Buffer {
    const parts: Buffer[] = [this.copyBytes(this.u16())];
    for (;;) {
      const tag = this.tag();
      if (tag === this.tags.BINARY_CHUNK) {
        parts.push(this.copyBytes(this.u16()));
        continue;
      }
      const last = this.bytesAfter(tag);
      if (last === null) throw this.unexpected(tag, 'a binary chunk');
      parts.push(last);
      return Buffer.concat(parts);
    }
  }

  private copyBytes(len: number): Buffer {
    const p = this.pos;
    if (len > this.end - p) throw this.eof(`${len} bytes of binary`);
    this.pos = p + len;
    const out = Buffer.allocUnsafe(len);
    this.buf.copy(out, 0, p, p + len);
    return out;
  }

  /** A `java.util.Date` (either form), or a long taken as epoch milliseconds. */
  readDate(): Date {
    const tag = this.tag();
    const d = this.dateAfter(tag);
    if (d !== null) return d;
    const ms = this.longAsNumberAfter(tag);
    if (ms === undefined) throw this.unexpected(tag, 'a date');
    return this.toDate(ms);
  }

  protected dateAfter(tag: number): Date | null {
    if (tag === this.tags.DATE) return this.toDate(this.i64Number());
    if (tag === this.tags.DATE_MINUTE) return new Date(this.i32() * 60000);
    return null;
  }

  private toDate(ms: number): Date {
    if (!(ms >= -8.64e15 && ms <= 8.64e15)) throw serializationError(`date beyond the range of a JS Date at offset ${this.pos}`);
    return new Date(ms);
  }

  // ------------------------------------------------------------------ structure

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
  private tagAfterClassDefs(): number {
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

  // ------------------------------------------------------------------ untyped values

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

function toBuffer(buf: Uint8Array): Buffer {
  return Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Node's internal fast path behind `buf.toString('latin1', start, end)`. */
interface Latin1 {
  latin1Slice(start: number, end: number): string;
}

/** Node's internal fast path behind `buf.toString('utf16le', start, end)`. */
interface Ucs2 {
  ucs2Slice(start: number, end: number): string;
}
