import { DraftHessianReader } from './draft-reader.js';
import { DraftHessianWriter } from './draft-writer.js';
import { HessianReader, type HessianReaderOptions } from './reader.js';
import { HessianWriter, type HessianWriterOptions } from './writer.js';

/**
 * A Hessian flavour: how to make its writer and reader. The flavours share the value model, the
 * typed codecs, the buffer handling and the code of every form they both have; they differ in byte
 * codes (a column of the table in `tags.ts`, which the shared code reads through `this.tags`) and
 * in the framing of a few productions (lists, the untyped map, type names, class names,
 * back-references, the 32-bit double), the "Grammar" methods a flavour's subclasses override.
 *
 * - `hessian2`: Hessian 2.0 final (Caucho 4.x, Dubbo's hessian-lite, sofa-hessian 4.x).
 * - `hessian2Draft`: the Hessian 2.0 draft that Hessian 3.1.3 writes (sofa-hessian 3.x, SOFARPC's
 *   default): `O`/`o` objects, `V`/`M` with `t` types and `z` ends, `d` dates, other compact codes.
 */
export interface HessianDialect {
  /** Stable name: `hessian2` for 2.0 final. */
  readonly name: string;
  createWriter(options?: HessianWriterOptions): HessianWriter;
  createReader(buf: Uint8Array, offset?: number, end?: number, options?: HessianReaderOptions): HessianReader;
}

/** Hessian 2.0 final: what Dubbo (hessian-lite) and Caucho Hessian 4 speak. */
export const hessian2: HessianDialect = Object.freeze({
  name: 'hessian2',
  createWriter: (options?: HessianWriterOptions) => new HessianWriter(options),
  createReader: (buf: Uint8Array, offset?: number, end?: number, options?: HessianReaderOptions) =>
    new HessianReader(buf, offset, end, options),
});

/** The Hessian 2.0 draft of Hessian 3.1.3: what SOFARPC (sofa-hessian 3.x) speaks by default. */
export const hessian2Draft: HessianDialect = Object.freeze({
  name: 'hessian2-draft',
  createWriter: (options?: HessianWriterOptions) => new DraftHessianWriter(options),
  createReader: (buf: Uint8Array, offset?: number, end?: number, options?: HessianReaderOptions) =>
    new DraftHessianReader(buf, offset, end, options),
});
