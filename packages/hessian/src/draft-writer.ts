import { serializationError } from './errors.js';
import * as T from './tags.js';
import { defineTags } from './tags.js';
import { HessianWriter } from './writer.js';

/**
 * Writer for the Hessian 2.0 draft of Hessian 3.1.3 (sofa-hessian 3.x, SOFARPC's default). The
 * scalars, strings, binaries, maps' ends, class definitions and instances are `HessianWriter`'s
 * with the draft's codes (`T.DRAFT`: `d` dates, `s`/`b` chunks, `0x67`–`0x6b` compact doubles,
 * `0x77` int-sized longs, `O`/`o` objects); only the productions whose grammar differs are here:
 * float32 doubles, `J`/`K`/`R` refs, `V` lists with a length and a `z` end, `M` maps with an
 * optional type, `t` type names and class names as counted characters.
 */
export class DraftHessianWriter extends HessianWriter {
  static {
    defineTags(this, T.DRAFT);
  }

  /** The float32 form (`0x6b` b3..b0) when it holds `v` exactly (-0 and ±Infinity included). */
  protected override putDouble32(v: number, p: number): boolean {
    if (Math.fround(v) !== v) return false;
    this.buf[p] = T.DRAFT.DOUBLE_FLOAT;
    this.buf.writeFloatBE(v, p + 1);
    this.pos = p + 5;
    return true;
  }

  /** `0x4a` b0, `0x4b` b1 b0, or `R` b3..b0. */
  override writeRef(index: number): void {
    this.ensure(5);
    const k = T.DRAFT;
    const b = this.buf;
    if (index < 0x100) {
      b[this.pos] = k.REF_BYTE;
      b[this.pos + 1] = index;
      this.pos += 2;
    } else if (index < 0x10000) {
      b[this.pos] = k.REF_SHORT;
      b[this.pos + 1] = index >> 8;
      b[this.pos + 2] = index & 0xff;
      this.pos += 3;
    } else {
      b[this.pos] = k.REF_INT32;
      b.writeInt32BE(index, this.pos + 1);
      this.pos += 5;
    }
  }

  /** `V` [type] `n` b0 | `l` b3..b0; items and `z` follow. */
  protected override writeListHeader(length: number, type: string | null): void {
    this.ensure(1);
    this.buf[this.pos++] = T.DRAFT.LIST_VARIABLE;
    if (type !== null && type !== '') this.writeType(type);
    this.ensure(5);
    if (length < 0x100) {
      this.buf[this.pos] = T.LENGTH_BYTE;
      this.buf[this.pos + 1] = length;
      this.pos += 2;
    } else {
      this.buf[this.pos] = T.LENGTH;
      this.buf.writeInt32BE(length, this.pos + 1);
      this.pos += 5;
    }
  }

  protected override writeListEnd(): void {
    this.writeEnd();
  }

  /** `M` [type]; an untyped map is `M` with no type. */
  protected override writeMapHeader(type: string | null): void {
    this.ensure(1);
    this.buf[this.pos++] = T.MAP;
    if (type !== null && type !== '') this.writeType(type);
  }

  /** int(name length) name-chars. */
  protected override writeClassName(className: string): void {
    this.putInt(className.length);
    this.ensure(className.length * 3);
    this.putUtf(className, 0, className.length);
  }

  /** `t` b1 b0 type-chars the first time in a message, then `0x75` int(index). */
  protected override writeType(type: string): void {
    const ref = this.typeRefs.get(type);
    if (ref !== undefined) {
      this.ensure(1);
      this.buf[this.pos++] = T.TYPE_REF;
      this.putInt(ref);
      return;
    }
    if (type.length > 0xffff) throw serializationError(`type name longer than 65535 units`);
    this.typeRefs.set(type, this.typeRefs.size);
    this.ensure(3 + type.length * 3);
    this.buf[this.pos] = T.TYPE;
    this.buf[this.pos + 1] = type.length >> 8;
    this.buf[this.pos + 2] = type.length & 0xff;
    this.pos += 3;
    this.putUtf(type, 0, type.length);
  }
}
