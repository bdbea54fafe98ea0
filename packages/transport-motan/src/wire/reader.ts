import { isAscii } from 'node:buffer';
import { malformed } from './errors.js';

/** From this many bytes a string is checked for ASCII first (see `utf8`). */
const ASCII_CHECK_BYTES = 1024;

/** Containers nested deeper than this are refused before the JS stack is. */
export const MAX_DEPTH = 64;

/**
 * A bounds-checked big-endian reader over `buf[start, end)`. Every length read from the wire is
 * checked against the bytes that remain before anything is allocated for it.
 */
export class ByteReader {
  pos: number;
  /** Container nesting of the value being read; guarded by `enter`. */
  depth = 0;
  /** Breeze message names met in the current body, by reference index (from 1). */
  names: string[] | undefined;
  /** The name of the breeze message type read last. */
  messageName = '';

  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  need(n: number, what: string): void {
    if (n > this.end - this.pos) throw malformed(`truncated ${what}: ${n} bytes needed, ${this.end - this.pos} left`);
  }

  enter(): void {
    if (++this.depth > MAX_DEPTH) throw malformed(`values nested deeper than ${MAX_DEPTH}`);
  }

  leave(): void {
    this.depth--;
  }

  u8(): number {
    if (this.pos >= this.end) throw malformed('truncated value: 1 byte needed, 0 left');
    return this.buf[this.pos++]!;
  }

  i8(): number {
    const b = this.u8();
    return b > 127 ? b - 256 : b;
  }

  i16(): number {
    this.need(2, 'int16');
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4, 'length');
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  f32(): number {
    this.need(4, 'float32');
    const v = this.buf.readFloatBE(this.pos);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8, 'float64');
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A copy: frames are views into socket chunks that are reused after the callback. */
  bytes(n: number): Buffer {
    this.need(n, 'bytes');
    const out = Buffer.allocUnsafe(n);
    this.buf.copy(out, 0, this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  utf8(n: number): string {
    this.need(n, 'string');
    // Node's UTF-8 decoder runs at ~1 GB/s; ASCII bytes decode the same as 'ascii', which is a
    // copy (~6x faster at 8 MB), and checking for ASCII is ~100x faster than either.
    const s = n >= ASCII_CHECK_BYTES && isAscii(this.buf.subarray(this.pos, this.pos + n))
      ? this.buf.toString('ascii', this.pos, this.pos + n)
      : this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** A u32 length that must fit in what remains; returns where the counted bytes end. */
  u32Span(what: string): number {
    const n = this.u32();
    this.need(n, what);
    return this.pos + n;
  }

  /**
   * An unsigned varint as a number: lengths, counts and field indexes. Up to 10 bytes as Java and
   * Go write them; values past 2^53 cannot be a length of anything in a frame and are refused.
   */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.u8();
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (result > Number.MAX_SAFE_INTEGER) throw malformed('varint too large');
        return result;
      }
      scale *= 128;
    }
    throw malformed('varint longer than 10 bytes');
  }

  /** The low 32 bits of a varint of up to 10 bytes (Java writes large int32s sign-extended). */
  varint32(): number {
    let result = 0;
    for (let i = 0; i < 10; i++) {
      const b = this.u8();
      if (i < 5) result |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) === 0) return result >>> 0;
    }
    throw malformed('varint longer than 10 bytes');
  }

  /** A varint of up to 10 bytes as a uint64. */
  varint64(): bigint {
    const start = this.pos;
    let small = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.u8();
      if ((b & 0x80) === 0) {
        if (i < 7) return BigInt(small + b * scale);
        break;
      }
      small += (b & 0x7f) * scale;
      scale *= 128;
      if (i === 9) throw malformed('varint longer than 10 bytes');
    }
    // Past 7 bytes (2^49) numbers stop being exact: redo it in bigint.
    let result = 0n;
    let shift = 0n;
    for (let p = start; p < this.pos; p++) {
      result |= BigInt(this.buf[p]! & 0x7f) << shift;
      shift += 7n;
    }
    return BigInt.asUintN(64, result);
  }

  zigzag32(): number {
    const v = this.varint32();
    return (v >>> 1) ^ -(v & 1);
  }

  zigzag64(): bigint {
    const v = this.varint64();
    return (v >> 1n) ^ -(v & 1n);
  }
}
