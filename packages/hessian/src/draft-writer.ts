import { serializationError } from './errors.js';
import * as D from './draft-tags.js';
import * as T from './tags.js';
import { HessianWriter } from './writer.js';

/**
 * Writer for the Hessian 2.0 draft of Hessian 3.1.3 (sofa-hessian 3.x, SOFARPC's default):
 * `O`/`o` class definitions and instances, `V`/`M` with `t` type names and a `z` end, `d` dates,
 * `s`/`b` chunks, `0x67`–`0x6b` compact doubles, `0x77` int-sized longs, `0x4a`/`0x4b`/`R` refs.
 * Everything else (the value model, typed codecs, tables, buffer) is `HessianWriter`'s.
 */
export class DraftHessianWriter extends HessianWriter {
  protected override putLong32(n: number): void {
    if (n >= -262144 && n <= 262143) {
      super.putLong32(n);
      return;
    }
    this.ensure(5);
    this.buf[this.pos] = D.LONG_INT;
    this.buf.writeInt32BE(n, this.pos + 1);
    this.pos += 5;
  }

  /** Shortest draft form: 0.0, 1.0, int8, int16, a float32 that is exact, else IEEE `D` (-0 keeps its sign). */
  override writeDouble(v: number): void {
    this.ensure(9);
    const b = this.buf;
    const p = this.pos;
    const i = v | 0;
    if (i === v && (i !== 0 || 1 / v > 0)) {
      if (i === 0) {
        b[p] = D.DOUBLE_ZERO;
        this.pos = p + 1;
        return;
      }
      if (i === 1) {
        b[p] = D.DOUBLE_ONE;
        this.pos = p + 1;
        return;
      }
      if (i >= -0x80 && i < 0x80) {
        b[p] = D.DOUBLE_BYTE;
        b[p + 1] = i & 0xff;
        this.pos = p + 2;
        return;
      }
      if (i >= -0x8000 && i < 0x8000) {
        b[p] = D.DOUBLE_SHORT;
        b[p + 1] = (i >> 8) & 0xff;
        b[p + 2] = i & 0xff;
        this.pos = p + 3;
        return;
      }
    }
    if (Math.fround(v) === v) {
      b[p] = D.DOUBLE_FLOAT;
      b.writeFloatBE(v, p + 1);
      this.pos = p + 5;
      return;
    }
    b[p] = T.DOUBLE;
    b.writeDoubleBE(v, p + 1);
    this.pos = p + 9;
  }

  override writeDate(d: Date | number): void {
    const ms = typeof d === 'number' ? d : d.getTime();
    if (!Number.isInteger(ms) || ms > 8.64e15 || ms < -8.64e15) throw serializationError(`invalid date ${String(d)}`);
    this.ensure(9);
    const hi = Math.floor(ms / 4294967296);
    this.buf[this.pos] = D.DATE;
    this.buf.writeInt32BE(hi, this.pos + 1);
    this.buf.writeUInt32BE(ms - hi * 4294967296, this.pos + 5);
    this.pos += 9;
  }

  /** `s` chunks of 32768 units (never ending in a high surrogate), then up to 31 units direct or `S`. */
  override writeString(s: string): void {
    let len = s.length;
    let off = 0;
    while (len > 0x8000) {
      let sub = 0x8000;
      const tail = s.charCodeAt(off + sub - 1);
      if (tail >= 0xd800 && tail <= 0xdbff) sub--;
      this.ensure(3 + sub * 3);
      this.buf[this.pos] = D.STRING_CHUNK;
      this.buf[this.pos + 1] = sub >> 8;
      this.buf[this.pos + 2] = sub & 0xff;
      this.pos += 3;
      this.putUtf(s, off, off + sub);
      len -= sub;
      off += sub;
    }
    this.ensure(3 + len * 3);
    if (len <= T.STRING_DIRECT_MAX) {
      this.buf[this.pos++] = len;
    } else {
      this.buf[this.pos] = T.STRING;
      this.buf[this.pos + 1] = len >> 8;
      this.buf[this.pos + 2] = len & 0xff;
      this.pos += 3;
    }
    this.putUtf(s, off, off + len);
  }

  /** `b` chunks of 32 KiB, then up to 15 bytes direct or `B`. */
  override writeBytes(bytes: Uint8Array): void {
    let len = bytes.length;
    let off = 0;
    while (len > 0x8000) {
      this.ensure(3 + 0x8000);
      this.buf[this.pos] = D.BINARY_CHUNK;
      this.buf[this.pos + 1] = 0x80;
      this.buf[this.pos + 2] = 0;
      this.buf.set(bytes.subarray(off, off + 0x8000), this.pos + 3);
      this.pos += 3 + 0x8000;
      len -= 0x8000;
      off += 0x8000;
    }
    this.ensure(3 + len);
    if (len <= T.BINARY_DIRECT_MAX) {
      this.buf[this.pos++] = T.BINARY_DIRECT + len;
    } else {
      this.buf[this.pos] = T.BINARY;
      this.buf[this.pos + 1] = len >> 8;
      this.buf[this.pos + 2] = len & 0xff;
      this.pos += 3;
    }
    this.buf.set(off === 0 && len === bytes.length ? bytes : bytes.subarray(off, off + len), this.pos);
    this.pos += len;
  }

  override writeRef(index: number): void {
    this.ensure(5);
    const b = this.buf;
    if (index < 0x100) {
      b[this.pos] = D.REF_BYTE;
      b[this.pos + 1] = index;
      this.pos += 2;
    } else if (index < 0x10000) {
      b[this.pos] = D.REF_SHORT;
      b[this.pos + 1] = index >> 8;
      b[this.pos + 2] = index & 0xff;
      this.pos += 3;
    } else {
      b[this.pos] = D.REF;
      b.writeInt32BE(index, this.pos + 1);
      this.pos += 5;
    }
  }

  /** `V` [type] `n` b0 | `l` b3..b0; items and `z` follow. */
  protected override writeListHeader(length: number, type: string | null): void {
    this.ensure(1);
    this.buf[this.pos++] = D.LIST;
    if (type !== null && type !== '') this.writeType(type);
    this.ensure(5);
    if (length < 0x100) {
      this.buf[this.pos] = D.LENGTH_BYTE;
      this.buf[this.pos + 1] = length;
      this.pos += 2;
    } else {
      this.buf[this.pos] = D.LENGTH;
      this.buf.writeInt32BE(length, this.pos + 1);
      this.pos += 5;
    }
  }

  protected override writeListEnd(): void {
    this.ensure(1);
    this.buf[this.pos++] = D.END;
  }

  /** `M` [type]; an untyped map is `M` with no type. */
  protected override writeMapHeader(type: string | null): void {
    this.ensure(1);
    this.buf[this.pos++] = D.MAP;
    if (type !== null && type !== '') this.writeType(type);
  }

  protected override writeMapEnd(): void {
    this.ensure(1);
    this.buf[this.pos++] = D.END;
  }

  /** `O` int(name length) name-chars int(count) field-name*. */
  protected override writeClassDef(className: string, fields: readonly string[]): void {
    this.ensure(1);
    this.buf[this.pos++] = D.OBJECT_DEF;
    this.putInt(className.length);
    this.ensure(className.length * 3);
    this.putUtf(className, 0, className.length);
    this.putInt(fields.length);
    for (let i = 0; i < fields.length; i++) this.writeString(fields[i]!);
  }

  /** `o` int(definition index). */
  protected override writeInstanceHeader(index: number): void {
    this.ensure(1);
    this.buf[this.pos++] = D.OBJECT;
    this.putInt(index);
  }

  /** `t` b1 b0 type-chars the first time in a message, then `0x75` int(index). */
  protected override writeType(type: string): void {
    const ref = this.typeRefs.get(type);
    if (ref !== undefined) {
      this.ensure(1);
      this.buf[this.pos++] = D.TYPE_REF;
      this.putInt(ref);
      return;
    }
    if (type.length > 0xffff) throw serializationError(`type name longer than 65535 units`);
    this.typeRefs.set(type, this.typeRefs.size);
    this.ensure(3 + type.length * 3);
    this.buf[this.pos] = D.TYPE;
    this.buf[this.pos + 1] = type.length >> 8;
    this.buf[this.pos + 2] = type.length & 0xff;
    this.pos += 3;
    this.putUtf(type, 0, type.length);
  }
}
