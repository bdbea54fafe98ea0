import { serializationError } from '../errors.js';
import * as T from '../tags.js';
import { WriterBuffer } from './buffer.js';

const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;
const TWO_32 = 4294967296;
const TWO_63 = 2 ** 63;

/**
 * The writer's null, booleans, numbers and dates, each in the shortest form Caucho / hessian-lite
 * would choose in the dialect (its codes from `this.tags`). `putDouble32` is "Grammar": the draft
 * writer overrides it (float32 instead of 2.0's thousandths).
 */
export abstract class NumberWriter extends WriterBuffer {
  writeNull(): void {
    this.ensure(1);
    this.buf[this.pos++] = T.NULL;
  }

  writeBool(b: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = b ? T.TRUE : T.FALSE;
  }

  /** A Java int. Throws unless `n` is an integer in int32 range. */
  writeInt(n: number): void {
    if ((n | 0) !== n) throw serializationError(`${describe(n)} is not an int32`);
    this.putInt(n);
  }

  /** writeInt without the range check. */
  protected putInt(n: number): void {
    this.ensure(5);
    if (n >= -16 && n <= 47) this.buf[this.pos++] = T.INT_ZERO + n;
    else this.pos = putWideInt(this.buf, this.pos, n, T.INT_BYTE_ZERO, T.INT_SHORT_ZERO, T.INT);
  }

  /** A Java long: a bigint in int64 range, or an integral number (exact as given). */
  writeLong(v: bigint | number): void {
    let n: number;
    if (typeof v === 'bigint') {
      if (v >= -0x80000000n && v <= 0x7fffffffn) {
        n = Number(v);
      } else {
        if (v < MIN_INT64 || v > MAX_INT64) throw serializationError(`${v} does not fit int64`);
        this.ensure(9);
        this.buf[this.pos] = T.LONG;
        this.buf.writeBigInt64BE(v, this.pos + 1);
        this.pos += 9;
        return;
      }
    } else {
      if (!Number.isInteger(v) || v >= TWO_63 || v < -TWO_63) throw serializationError(`${describe(v)} is not an int64`);
      n = v;
      if ((n | 0) !== n) {
        this.ensure(9);
        const hi = Math.floor(n / TWO_32);
        const lo = n - hi * TWO_32;
        const b = this.buf;
        const p = this.pos;
        b[p] = T.LONG;
        b.writeInt32BE(hi, p + 1);
        b.writeUInt32BE(lo, p + 5);
        this.pos = p + 9;
        return;
      }
    }
    this.putLong32(n);
  }

  /** A long whose value fits int32, in the shortest form. */
  protected putLong32(n: number): void {
    this.ensure(5);
    if (n >= -8 && n <= 15) this.buf[this.pos++] = T.LONG_ZERO + n;
    else this.pos = putWideInt(this.buf, this.pos, n, T.LONG_BYTE_ZERO, T.LONG_SHORT_ZERO, this.tags.LONG_INT);
  }

  /**
   * A Java double, in the shortest form Caucho/hessian-lite would choose (0.0, 1.0, int8, int16,
   * the dialect's 32-bit form, else IEEE). One deliberate difference: -0 is never written as 0.0
   * (Java does), so its sign survives.
   */
  writeDouble(v: number): void {
    this.ensure(9);
    const k = this.tags;
    const b = this.buf;
    const p = this.pos;
    const i = v | 0;
    if (i === v && (i !== 0 || 1 / v > 0)) {
      if (i === 0) {
        b[p] = k.DOUBLE_ZERO;
        this.pos = p + 1;
        return;
      }
      if (i === 1) {
        b[p] = k.DOUBLE_ONE;
        this.pos = p + 1;
        return;
      }
      if (i >= -0x80 && i < 0x80) {
        b[p] = k.DOUBLE_BYTE;
        b[p + 1] = i & 0xff;
        this.pos = p + 2;
        return;
      }
      if (i >= -0x8000 && i < 0x8000) {
        b[p] = k.DOUBLE_SHORT;
        b[p + 1] = (i >> 8) & 0xff;
        b[p + 2] = i & 0xff;
        this.pos = p + 3;
        return;
      }
    }
    if (this.putDouble32(v, p)) return;
    b[p] = T.DOUBLE;
    b.writeDoubleBE(v, p + 1);
    this.pos = p + 9;
  }

  /**
   * Grammar: writes the dialect's double with a 32-bit payload at `p` (room ensured) if that holds
   * `v` exactly, else returns false. 2.0: thousandths as int32, tested as Java does
   * (`(int) (v * 1000)`, then `0.001 * mills == v`), and never for -0, whose sign it would lose.
   */
  protected putDouble32(v: number, p: number): boolean {
    const m = v * 1000;
    const mills = m >= 2147483647 ? 2147483647 : m <= -2147483648 ? -2147483648 : Math.trunc(m);
    if (0.001 * mills !== v || (mills === 0 && 1 / v < 0)) return false;
    const b = this.buf;
    b[p] = T.FINAL.DOUBLE_MILL;
    b[p + 1] = mills >>> 24;
    b[p + 2] = (mills >> 16) & 0xff;
    b[p + 3] = (mills >> 8) & 0xff;
    b[p + 4] = mills & 0xff;
    this.pos = p + 5;
    return true;
  }

  /**
   * A `java.util.Date` (milliseconds since the epoch, UTC); minute-exact dates use the 5-byte form
   * as Java does where the dialect has one (2.0).
   */
  writeDate(d: Date | number): void {
    const ms = typeof d === 'number' ? d : d.getTime();
    if (!Number.isInteger(ms) || ms > 8.64e15 || ms < -8.64e15) throw serializationError(`invalid date ${String(d)}`);
    this.ensure(9);
    const k = this.tags;
    const b = this.buf;
    const p = this.pos;
    if (ms % 60000 === 0 && k.DATE_MINUTE !== T.NONE) {
      const minutes = ms / 60000;
      if (minutes >= -2147483648 && minutes <= 2147483647) {
        b[p] = k.DATE_MINUTE;
        b.writeInt32BE(minutes, p + 1);
        this.pos = p + 5;
        return;
      }
    }
    const hi = Math.floor(ms / TWO_32);
    b[p] = k.DATE;
    b.writeInt32BE(hi, p + 1);
    b.writeUInt32BE(ms - hi * TWO_32, p + 5);
    this.pos = p + 9;
  }
}

/**
 * The 2-, 3- and 5-byte forms ints and longs share (Hessian spells both the same way from their own
 * codes: `byteZero` + b0 for -2048..2047, `shortZero` + b1 b0 for -262144..262143, else `wide`
 * b3..b0); the one-byte forms, whose ranges differ, are the callers'. Room for 5 bytes is ensured;
 * returns the position after the value.
 */
function putWideInt(b: Buffer, p: number, n: number, byteZero: number, shortZero: number, wide: number): number {
  if (n >= -2048 && n <= 2047) {
    b[p] = byteZero + (n >> 8);
    b[p + 1] = n & 0xff;
    return p + 2;
  }
  if (n >= -262144 && n <= 262143) {
    b[p] = shortZero + (n >> 16);
    b[p + 1] = (n >> 8) & 0xff;
    b[p + 2] = n & 0xff;
    return p + 3;
  }
  b[p] = wide;
  b[p + 1] = n >>> 24;
  b[p + 2] = (n >> 16) & 0xff;
  b[p + 3] = (n >> 8) & 0xff;
  b[p + 4] = n & 0xff;
  return p + 5;
}

/** A number as shown in an error (`-0` is not `0`). */
function describe(v: unknown): string {
  return typeof v === 'number' && Object.is(v, -0) ? '-0' : String(v);
}
