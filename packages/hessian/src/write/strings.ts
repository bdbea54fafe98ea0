import * as T from '../tags.js';
import { NumberWriter } from './numbers.js';

const SURROGATE = /[\ud800-\udfff]/;

/**
 * The writer's strings and binaries, the two chunked families: strings encoded straight into the
 * buffer with Java's semantics (length in UTF-16 units, surrogates as 3-byte sequences, chunks
 * that never end in a high surrogate), binaries in 32 KiB chunks.
 */
export abstract class StringWriter extends NumberWriter {
  /**
   * A string: length in UTF-16 units, each unit as 1–3 bytes (a surrogate pair is two 3-byte
   * sequences, as Java writes it), chunked every 32768 units without splitting a pair; the last
   * chunk up to 31 units direct, up to 1023 in the short form where the dialect has it (2.0), else `S`.
   */
  writeString(s: string): void {
    let len = s.length;
    let off = 0;
    // A long string: room for it all at one byte per unit (plus the chunk headers, plus the 3 bytes
    // per unit each chunk's own check asks for), made once. Growing chunk by chunk doubled the
    // buffer a dozen times for 8 MB, each time copying what was written.
    if (len > 0x8000) this.ensure(len + 3 * ((len >>> 15) + 1) + 2 * 0x8000 + 3);
    while (len > 0x8000) {
      let sub = 0x8000;
      const tail = s.charCodeAt(off + sub - 1);
      if (tail >= 0xd800 && tail <= 0xdbff) sub--;
      this.ensure(3 + sub * 3);
      const b = this.buf;
      b[this.pos] = this.tags.STRING_CHUNK;
      b[this.pos + 1] = sub >> 8;
      b[this.pos + 2] = sub & 0xff;
      this.pos += 3;
      this.putUtf(s, off, off + sub);
      len -= sub;
      off += sub;
    }
    this.ensure(3 + len * 3);
    const b = this.buf;
    if (len <= T.STRING_DIRECT_MAX) b[this.pos++] = len;
    else this.pos = putLastLength(b, this.pos, len, T.STRING_SHORT_MAX, this.tags.STRING_SHORT, T.STRING);
    this.putUtf(s, off, off + len);
  }

  /** Encodes UTF-16 units [from, to) of `s` Java-style; the caller has ensured 3 bytes per unit. */
  protected putUtf(s: string, from: number, to: number): void {
    if (to - from > 64) {
      const part = from === 0 && to === s.length ? s : s.slice(from, to);
      if (!SURROGATE.test(part)) {
        // Without surrogates, standard UTF-8 is exactly Java's encoding.
        this.pos += (this.buf as unknown as Utf8Write).utf8Write(part, this.pos);
        return;
      }
    }
    const b = this.buf;
    let p = this.pos;
    for (let i = from; i < to; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        b[p++] = c;
      } else if (c < 0x800) {
        b[p++] = 0xc0 | (c >> 6);
        b[p++] = 0x80 | (c & 0x3f);
      } else {
        b[p++] = 0xe0 | (c >> 12);
        b[p++] = 0x80 | ((c >> 6) & 0x3f);
        b[p++] = 0x80 | (c & 0x3f);
      }
    }
    this.pos = p;
  }

  /** A `byte[]`: 32 KiB chunks, the last up to 15 bytes direct, up to 1023 in the short form where the dialect has it (2.0), else `B`. */
  writeBytes(bytes: Uint8Array): void {
    let len = bytes.length;
    let off = 0;
    while (len > 0x8000) {
      this.ensure(3 + 0x8000);
      const b = this.buf;
      b[this.pos] = this.tags.BINARY_CHUNK;
      b[this.pos + 1] = 0x80;
      b[this.pos + 2] = 0x00;
      b.set(bytes.subarray(off, off + 0x8000), this.pos + 3);
      this.pos += 3 + 0x8000;
      len -= 0x8000;
      off += 0x8000;
    }
    this.ensure(3 + len);
    const b = this.buf;
    if (len <= T.BINARY_DIRECT_MAX) b[this.pos++] = T.BINARY_DIRECT + len;
    else this.pos = putLastLength(b, this.pos, len, T.BINARY_SHORT_MAX, this.tags.BINARY_SHORT, T.BINARY);
    if (len < 32) {
      let p = this.pos;
      for (let i = off; i < off + len; i++) b[p++] = bytes[i]!;
      this.pos = p;
    } else {
      b.set(off === 0 && len === bytes.length ? bytes : bytes.subarray(off, off + len), this.pos);
      this.pos += len;
    }
  }
}

/**
 * The header of a string's or binary's last chunk when it is too long for the one-byte direct
 * form, the same layout for both: the dialect's short form (`short` + b0, up to `shortMax`) where
 * it has one, else `long` b1 b0. Room is ensured; returns the position after the header.
 */
function putLastLength(b: Buffer, p: number, len: number, shortMax: number, short: number, long: number): number {
  if (len <= shortMax && short !== T.NONE) {
    b[p] = short + (len >> 8);
    b[p + 1] = len & 0xff;
    return p + 2;
  }
  b[p] = long;
  b[p + 1] = len >> 8;
  b[p + 2] = len & 0xff;
  return p + 3;
}

/** Node's internal fast path behind `buf.write(s, offset, 'utf8')` (without its argument parsing); the caller has ensured room. */
interface Utf8Write {
  utf8Write(s: string, offset: number): number;
}
