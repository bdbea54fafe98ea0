import { serializationError } from './errors.js';
import { HessianReader } from './reader.js';
import * as T from './tags.js';
import { defineTags } from './tags.js';

/**
 * Reader for the Hessian 2.0 draft of Hessian 3.1.3 (sofa-hessian 3.x, SOFARPC's default). Values,
 * scalars, maps, class definitions, instances and references are `HessianReader`'s, dispatched on
 * the draft's forms (`T.DRAFT`); only the productions whose grammar differs are here: `t`/`0x75`
 * type names (optional), class names as counted characters, and the `V`/`v` list headers.
 */
export class DraftHessianReader extends HessianReader {
  static {
    defineTags(this, T.DRAFT);
  }

  /** `t` b1 b0 chars | `0x75`/`T` int; anything else means no type (nothing consumed): null, as is an empty type. */
  protected override readType(): string | null {
    const tag = this.peekTag();
    if (tag === T.TYPE) {
      this.pos++;
      const type = this.utf(this.u16());
      this.types.push(type);
      return type === '' ? null : type;
    }
    if (tag === T.TYPE_REF || tag === T.TYPE_REF_LEGACY) {
      this.pos++;
      const type = this.typeAt(this.strictInt('type reference'));
      return type === '' ? null : type;
    }
    return null;
  }

  /** int(length) chars. */
  protected override readClassName(): string {
    const len = this.strictInt('class name length');
    if (len < 0) throw serializationError(`negative class name length ${len}`);
    return this.utf(len);
  }

  /**
   * `V` [type] [`n` b0 | `l` b3..b0] value* `z` is read up to its `z` (returns -1, as a
   * variable-length list); `v` int(type ref) int(length) value* has no end marker.
   */
  protected override listHeaderAfter(tag: number): number {
    let len: number;
    if (tag === T.DRAFT.LIST_VARIABLE) {
      this.lastType = this.readType();
      let declared = -1;
      if (this.pos < this.end && this.buf[this.pos] === T.LENGTH_BYTE) {
        this.pos++;
        declared = this.u8();
      } else if (this.pos < this.end && this.buf[this.pos] === T.LENGTH) {
        this.pos++;
        declared = this.i32();
      }
      this.checkLength(declared);
      len = -1;
    } else if (tag === T.DRAFT.LIST_FIXED) {
      this.lastType = this.typeAt(this.strictInt('type reference'));
      len = this.strictInt('list length');
      this.checkLength(len, 0);
    } else {
      throw this.unexpected(tag, 'a list');
    }
    this.enter();
    return len;
  }
}
