import { serializationError } from '../errors.js';
import * as T from '../tags.js';
import { ReaderCursor } from './cursor.js';

/** Longs -2048..2047 as bigints, shared (bigints are immutable). */
const SMALL_LONGS: bigint[] = [];
for (let i = -2048; i <= 2047; i++) SMALL_LONGS.push(BigInt(i));

/**
 * The reader's numbers, booleans and dates: every int, long and double form, and the lenient
 * conversions Java's `Hessian2Input` makes between them (an int where a long is asked, a long or
 * double holding an int32, ...). The `*After(tag)` methods read the rest of a value whose tag is
 * already consumed and return undefined (null for dates) when the tag is not of their family.
 */
export abstract class NumberReader extends ReaderCursor {
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
}
