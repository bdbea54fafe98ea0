import type { TypeDesc } from '@meshlet/core';
import * as T from './tags.js';
import { defineTags } from './tags.js';
import { encoderFor } from './typed-encode.js';
import { ValueWriter } from './write/values.js';

export type { HessianWriterOptions } from './write/buffer.js';

/**
 * A Hessian 2.0 (final, Caucho 4 / Dubbo hessian-lite) writer over one growable buffer reused
 * across messages. `reset()` starts a message and clears the reference, class-definition and type
 * tables (Dubbo scopes them to one message); `finish()` returns the message bytes.
 *
 * The byte codes the dialects spell differently come from `this.tags` (`FINAL` here, `DRAFT` in
 * `DraftHessianWriter`); the productions whose grammar differs are the protected methods marked
 * "Grammar", which the draft writer overrides. The value families are the classes this one stacks
 * on, a file each under `write/` (buffer, numbers, strings, structure, values); this class adds
 * typed writing.
 */
export class HessianWriter extends ValueWriter {
  static {
    defineTags(this, T.FINAL);
  }

  /** Descriptor-driven: writes `v` as the Java type `desc` names (see the README's mapping table). */
  writeTyped(v: unknown, desc: TypeDesc): void {
    encoderFor(desc)(this, v);
  }
}
