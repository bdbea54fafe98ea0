import type { TypeDesc } from '@meshlet/core';
import { asSerializationError } from './errors.js';
import { ValueReader } from './read/values.js';
import * as T from './tags.js';
import { defineTags } from './tags.js';
import { decoderFor } from './typed-decode.js';

export type { ClassDef, HessianReaderOptions } from './read/cursor.js';

/**
 * A Hessian 2.0 (final) reader over one message in a byte buffer. Untyped decoding maps
 * null→null, boolean, int→number, long→bigint (always), double→number, string, binary→Buffer
 * (a copy), date→Date, list→Array, map→Map, object→plain object carrying its Java class
 * (`javaClassOf`). Back-references (including circular ones) resolve to the same JS object.
 *
 * Every malformed input throws `RpcError` with `code === Code.Serialization`. Lengths are checked
 * against the bytes left before anything is allocated, and nesting is bounded by `maxDepth`.
 *
 * Values are dispatched on `this.tags.forms`, what each first byte starts in the dialect
 * (`FINAL` here, `DRAFT` in `DraftHessianReader`), so every form is read by one method for both
 * dialects; the productions whose grammar differs are the protected methods marked "Grammar",
 * which the draft reader overrides. The value families are the classes this one stacks on, a file
 * each under `read/` (cursor, numbers, strings, structure, values); this class adds typed reading.
 */
export class HessianReader extends ValueReader {
  static {
    defineTags(this, T.FINAL);
  }

  /** Reads the next value conforming to `desc` (see the README's mapping table). */
  readTyped<T>(desc: TypeDesc<T>): T {
    try {
      return decoderFor(desc)(this) as T;
    } catch (err) {
      throw asSerializationError(err, `decode ${desc.javaType}`);
    }
  }
}
