const INITIAL = 4096;
/** A writer that grew past this for one big frame gives the memory back on the next reset. */
const KEEP = 1024 * 1024;
/** From this size on `finish()` hands the buffer over instead of copying the frame out. */
const TAKE_OVER_BYTES = 64 * 1024;
/** Strings longer than this are written into room for their length, not three times it (see `utf8`). */
const LONG_STRING = 16 * 1024;
const TWO_32 = 2 ** 32;

/**
 * A growable big-endian byte buffer, reused frame after frame by one codec: a frame is written in
 * place (header, meta, body) and copied out once by `finish`. Also carries the per-body table of
 * message names that breeze references by index.
 */
export class ByteWriter {
  buf: Buffer = Buffer.allocUnsafe(INITIAL);
  pos = 0;
  /** Breeze message names written in the current body, by reference index (from 1). */
  names: Map<string, number> | undefined;

  reset(): void {
    this.pos = 0;
    this.names = undefined;
    if (this.buf.length > KEEP) this.buf = Buffer.allocUnsafe(INITIAL);
  }

  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  u16(n: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(n & 0xffff, this.pos);
    this.pos += 2;
  }

  u32(n: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(n >>> 0, this.pos);
    this.pos += 4;
  }

  f32(n: number): void {
    this.ensure(4);
    this.buf.writeFloatBE(n, this.pos);
    this.pos += 4;
  }

  f64(n: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(n, this.pos);
    this.pos += 8;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** UTF-8 of `s` with no length; returns the byte count. */
  utf8(s: string): number {
    if (s.length <= LONG_STRING) {
      this.ensure(s.length * 3);
      const n = this.buf.write(s, this.pos, 'utf8');
      this.pos += n;
      return n;
    }
    // Three bytes per character would grow the buffer to three times a long ASCII string, and
    // measuring it first costs as much as writing it: write it into room for one byte per
    // character (plus 4); if that may have cut it (a cut leaves less than one character's 4
    // bytes unused), measure and write it again.
    this.ensure(s.length + 4);
    const room = this.buf.length - this.pos;
    let n = this.buf.write(s, this.pos, 'utf8');
    if (n > room - 4) {
      this.ensure(Buffer.byteLength(s, 'utf8'));
      n = this.buf.write(s, this.pos, 'utf8');
    }
    this.pos += n;
    return n;
  }

  /** u32 byte length, then the UTF-8 bytes (simple's strings). */
  u32String(s: string): void {
    const at = this.reserve(4);
    const n = this.utf8(s); // may grow (replace) this.buf: patch after
    this.buf.writeUInt32BE(n, at);
  }

  /** Unsigned LEB128 of a non-negative integer below 2^53. */
  varint(n: number): void {
    this.ensure(8);
    while (n > 0x7f) {
      this.buf[this.pos++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }

  /** Unsigned LEB128 of a uint64. */
  varintBig(n: bigint): void {
    if (n < 0x20000000000000n) {
      this.varint(Number(n));
      return;
    }
    this.ensure(10);
    while (n > 0x7fn) {
      this.buf[this.pos++] = Number(n & 0x7fn) | 0x80;
      n >>= 7n;
    }
    this.buf[this.pos++] = Number(n);
  }

  /** ZigZag then varint of an int32: at most 5 bytes (Java may send 10 for the same value; both read). */
  zigzag32(n: number): void {
    this.varint(((n << 1) ^ (n >> 31)) >>> 0);
  }

  /** ZigZag then varint of an int64, on numbers while that is exact. */
  zigzag64(n: bigint): void {
    if (n >= -0x8000000000000n && n < 0x8000000000000n) {
      const x = Number(n);
      this.varint(x >= 0 ? x * 2 : -x * 2 - 1);
      return;
    }
    this.varintBig(BigInt.asUintN(64, (n << 1n) ^ (n >> 63n)));
  }

  /** Skips `n` bytes to fill in later; returns where they start. */
  reserve(n: number): number {
    this.ensure(n);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  /** The u32 written at `at` becomes the number of bytes written after it. */
  patchLength(at: number): void {
    this.buf.writeUInt32BE(this.pos - at - 4, at);
  }

  /**
   * What was written, as a buffer the caller owns: the writer is reused for the next frame. A
   * small frame is copied out (cheaper than a new buffer per frame); a large one is not copied:
   * the writer hands its buffer over and starts the next frame in a fresh small one, so a body
   * written behind its header becomes the frame in place.
   */
  finish(): Buffer {
    if (this.pos >= TAKE_OVER_BYTES) {
      const frame = this.buf.subarray(0, this.pos);
      this.buf = Buffer.allocUnsafe(INITIAL);
      this.pos = 0;
      return frame;
    }
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  /** Writes a 64-bit request id given as its high and low 32-bit halves. */
  id(high: number, low: number): void {
    this.u32(high);
    this.u32(low);
  }
}

/** A request id below 2^53 as the two halves the frame carries. */
export function idHalves(id: number): [number, number] {
  return [Math.floor(id / TWO_32), id % TWO_32];
}
