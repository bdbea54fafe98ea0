import { serializationError } from './errors.js';
import * as D from './draft-tags.js';
import { HessianReader, type ClassDef } from './reader.js';
import * as T from './tags.js';

/**
 * Reader for the Hessian 2.0 draft of Hessian 3.1.3 (sofa-hessian 3.x, SOFARPC's default). Same
 * value model, limits and typed decoding as `HessianReader`; only the grammar differs (see
 * `draft-tags.ts`).
 */
export class DraftHessianReader extends HessianReader {
  override value(): unknown {
    let tag = this.tag();
    if (tag <= T.STRING_DIRECT_MAX) return this.utf(tag);
    if (tag >= 0x80) {
      if (tag <= 0xd7) return this.intAfter(tag);
      return this.longAfter(tag);
    }
    while (tag === D.OBJECT_DEF) {
      this.readClassDef();
      tag = this.tag();
    }
    switch (tag) {
      case T.NULL:
        return null;
      case T.TRUE:
        return true;
      case T.FALSE:
        return false;
      case 0x00: case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: case 0x06: case 0x07:
      case 0x08: case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0d: case 0x0e: case 0x0f:
      case 0x10: case 0x11: case 0x12: case 0x13: case 0x14: case 0x15: case 0x16: case 0x17:
      case 0x18: case 0x19: case 0x1a: case 0x1b: case 0x1c: case 0x1d: case 0x1e: case 0x1f:
      case T.STRING: case D.STRING_CHUNK:
        return this.stringAfter(tag);
      case T.INT:
        return this.i32();
      case 0x38: case 0x39: case 0x3a: case 0x3b: case 0x3c: case 0x3d: case 0x3e: case 0x3f:
      case D.LONG_INT: case T.LONG:
        return this.longAfter(tag);
      case D.DOUBLE_ZERO: case D.DOUBLE_ONE: case D.DOUBLE_BYTE: case D.DOUBLE_SHORT: case D.DOUBLE_FLOAT: case T.DOUBLE:
        return this.doubleAfter(tag);
      case D.DATE:
        return this.dateAfter(tag);
      case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25: case 0x26: case 0x27:
      case 0x28: case 0x29: case 0x2a: case 0x2b: case 0x2c: case 0x2d: case 0x2e: case 0x2f:
      case T.BINARY: case D.BINARY_CHUNK:
        return this.bytesAfter(tag);
      case D.LIST: case D.LIST_FIXED:
        return this.untypedList(this.listHeaderAfter(tag));
      case D.MAP:
        this.pos--;
        return this.untypedMap();
      case D.OBJECT:
        return this.untypedObject(this.classDefAt(this.strictInt('class index')));
      case D.REF: case D.REF_BYTE: case D.REF_SHORT:
        this.pos--;
        return this.readRef();
      default:
        if (tag >= 0x80) {
          this.pos--;
          return this.value();
        }
        throw serializationError(`unknown tag ${T.tagName(tag)} at offset ${this.pos - 1} (Hessian 3.1.3 draft)`);
    }
  }

  private readRef(): unknown {
    const tag = this.tag();
    if (tag === D.REF_BYTE) return this.refAt(this.u8());
    if (tag === D.REF_SHORT) return this.refAt(this.u16());
    return this.refAt(this.i32());
  }

  protected override stringAfter(tag: number): string | null {
    if (tag <= T.STRING_DIRECT_MAX) return this.utf(tag);
    if (tag === T.STRING) return this.utf(this.u16());
    if (tag !== D.STRING_CHUNK) return null;
    let s = this.utf(this.u16());
    for (;;) {
      const next = this.tag();
      if (next === D.STRING_CHUNK) {
        s += this.utf(this.u16());
        continue;
      }
      if (next <= T.STRING_DIRECT_MAX) return s + this.utf(next);
      if (next === T.STRING) return s + this.utf(this.u16());
      throw this.unexpected(next, 'a string chunk');
    }
  }

  protected override bytesAfter(tag: number): Buffer | null {
    if (tag >= T.BINARY_DIRECT && tag <= 0x2f) return this.slice(tag - T.BINARY_DIRECT);
    if (tag === T.BINARY) return this.slice(this.u16());
    if (tag !== D.BINARY_CHUNK) return null;
    const parts: Buffer[] = [this.slice(this.u16())];
    for (;;) {
      const next = this.tag();
      if (next === D.BINARY_CHUNK) {
        parts.push(this.slice(this.u16()));
        continue;
      }
      if (next >= T.BINARY_DIRECT && next <= 0x2f) parts.push(this.slice(next - T.BINARY_DIRECT));
      else if (next === T.BINARY) parts.push(this.slice(this.u16()));
      else throw this.unexpected(next, 'a binary chunk');
      return Buffer.concat(parts);
    }
  }

  private slice(len: number): Buffer {
    if (len > this.end - this.pos) throw this.eof(`${len} bytes of binary`);
    const out = Buffer.allocUnsafe(len);
    this.buf.copy(out, 0, this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  protected override longAsNumberAfter(tag: number): number | undefined {
    if (tag === D.LONG_INT) return this.i32();
    if (tag === T.LONG_INT) return undefined;
    return super.longAsNumberAfter(tag);
  }

  protected override longAfter(tag: number): bigint | undefined {
    if (tag === D.LONG_INT) return BigInt(this.i32());
    if (tag === T.LONG_INT) return undefined;
    return super.longAfter(tag);
  }

  protected override doubleAfter(tag: number): number | undefined {
    switch (tag) {
      case D.DOUBLE_ZERO:
        return 0;
      case D.DOUBLE_ONE:
        return 1;
      case D.DOUBLE_BYTE:
        return (this.u8() << 24) >> 24;
      case D.DOUBLE_SHORT:
        return (this.u16() << 16) >> 16;
      case D.DOUBLE_FLOAT: {
        if (this.pos + 4 > this.end) throw this.eof('a float');
        const f = this.buf.readFloatBE(this.pos);
        this.pos += 4;
        return f;
      }
      case T.DOUBLE:
        return super.doubleAfter(tag);
      default:
        return undefined;
    }
  }

  protected override dateAfter(tag: number): Date | null {
    if (tag !== D.DATE) return null;
    const ms = this.i64Number();
    if (!(ms >= -8.64e15 && ms <= 8.64e15)) throw serializationError(`date beyond the range of a JS Date at offset ${this.pos}`);
    return new Date(ms);
  }

  /** `t` b1 b0 chars | `0x75`/`T` int; anything else means no type (nothing consumed), returned as ''. */
  protected override readType(): string {
    const tag = this.peekTag();
    if (tag === D.TYPE) {
      this.pos++;
      const type = this.utf(this.u16());
      this.types.push(type);
      return type;
    }
    if (tag === D.TYPE_REF || tag === D.TYPE_REF_LEGACY) {
      this.pos++;
      const i = this.strictInt('type reference');
      if (i < 0 || i >= this.types.length) throw serializationError(`type reference ${i} out of range (${this.types.length} defined)`);
      return this.types[i]!;
    }
    return '';
  }

  /** `O` int(length) chars int(count) string*. */
  protected override readClassDef(): void {
    const len = this.strictInt('class name length');
    if (len < 0) throw serializationError(`negative class name length ${len}`);
    const name = this.utf(len);
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

  override isListTag(tag: number): boolean {
    return tag === D.LIST || tag === D.LIST_FIXED;
  }

  override isMapTag(tag: number): boolean {
    return tag === D.MAP;
  }

  override isObjectTag(tag: number): boolean {
    return tag === D.OBJECT_DEF || tag === D.OBJECT;
  }

  override isRefTag(tag: number): boolean {
    return tag === D.REF || tag === D.REF_BYTE || tag === D.REF_SHORT;
  }

  /**
   * `V` [type] [`n` b0 | `l` b3..b0] value* `z` is read up to its `z` (returns -1, as a
   * variable-length list); `v` int(type ref) int(length) value* has no end marker.
   */
  protected override listHeaderAfter(tag: number): number {
    let len: number;
    if (tag === D.LIST) {
      const type = this.readType();
      this.lastType = type === '' ? null : type;
      let declared = -1;
      if (this.pos < this.end && this.buf[this.pos] === D.LENGTH_BYTE) {
        this.pos++;
        declared = this.u8();
      } else if (this.pos < this.end && this.buf[this.pos] === D.LENGTH) {
        this.pos++;
        declared = this.i32();
      }
      if (declared < -1 || declared > this.end - this.pos) throw serializationError(`list length ${declared} exceeds the ${this.end - this.pos} bytes left`);
      len = -1;
    } else if (tag === D.LIST_FIXED) {
      const i = this.strictInt('type reference');
      if (i < 0 || i >= this.types.length) throw serializationError(`type reference ${i} out of range (${this.types.length} defined)`);
      this.lastType = this.types[i]!;
      len = this.strictInt('list length');
      if (len < 0 || len > this.end - this.pos) throw serializationError(`list length ${len} exceeds the ${this.end - this.pos} bytes left`);
    } else {
      throw this.unexpected(tag, 'a list');
    }
    this.enter();
    return len;
  }

  override hasMore(): boolean {
    return this.peekTag() !== D.END;
  }

  override beginMap(): void {
    const tag = this.tag();
    if (tag !== D.MAP) throw this.unexpected(tag, 'a map');
    const type = this.readType();
    this.lastType = type === '' ? null : type;
    this.enter();
  }

  override beginObject(): ClassDef {
    let tag = this.tag();
    while (tag === D.OBJECT_DEF) {
      this.readClassDef();
      tag = this.tag();
    }
    if (tag !== D.OBJECT) throw this.unexpected(tag, 'an object');
    const def = this.classDefAt(this.strictInt('class index'));
    this.enter();
    return def;
  }
}
