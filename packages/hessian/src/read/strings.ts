import { isAscii } from 'node:buffer';
import type { RpcError } from '@meshlet/core';
import { serializationError } from '../errors.js';
import * as T from '../tags.js';
import { NumberReader } from './numbers.js';

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
 * The reader's strings and binaries, the two chunked families: Java-style UTF-8 (lengths in
 * UTF-16 units, surrogates as 3-byte sequences) decoded without a per-unit JS call where it can
 * be, and `byte[]` copied out of the input. `stringAfter`/`bytesAfter` read the rest of a value
 * whose tag is consumed and return null when the tag is not of their family.
 */
export abstract class StringReader extends NumberReader {
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
}

/** Node's internal fast path behind `buf.toString('latin1', start, end)`. */
interface Latin1 {
  latin1Slice(start: number, end: number): string;
}

/** Node's internal fast path behind `buf.toString('utf16le', start, end)`. */
interface Ucs2 {
  ucs2Slice(start: number, end: number): string;
}
