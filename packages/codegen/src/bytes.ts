import { Code, RpcError } from '@meshlet/core';

/**
 * A bounds-checked big-endian reader. Class and zip files come from users' disks and may be
 * truncated or corrupt: every read past the end is a typed INVALID_ARGUMENT, never a RangeError.
 */
export class ByteReader {
  pos = 0;
  /** `littleEndian`: zip is little-endian, class files big-endian. */
  constructor(readonly buf: Uint8Array, private readonly what: string, private readonly littleEndian = false) {}

  fail(message: string): never {
    throw new RpcError(Code.InvalidArgument, `${this.what}: ${message} (at byte ${this.pos})`);
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) this.fail(`truncated: needs ${n} more bytes, ${this.buf.length - this.pos} left`);
  }

  u1(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u2(): number {
    this.need(2);
    const [a, b] = [this.buf[this.pos]!, this.buf[this.pos + 1]!];
    const v = this.littleEndian ? (b << 8) | a : (a << 8) | b;
    this.pos += 2;
    return v;
  }

  u4(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    const v = this.littleEndian
      ? ((b[p + 3]! << 24) | (b[p + 2]! << 16) | (b[p + 1]! << 8) | b[p]!) >>> 0
      : ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
    this.pos += 4;
    return v;
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
}
