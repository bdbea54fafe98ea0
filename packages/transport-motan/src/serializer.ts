import type { MethodDefinition, TypeDesc } from '@meshlet/core';
import type { ByteReader } from './wire/reader.js';
import type { ByteWriter } from './wire/writer.js';
import { malformed } from './wire/errors.js';

/** The serializations Meshlet speaks on Motan2, by the name Motan configs use. */
export type SerializationName = 'simple' | 'breeze';

/**
 * Values ↔ bytes under a type descriptor: one serialization (simple or breeze). Stateless apart
 * from its compiled codecs, which are built once per descriptor and per method.
 */
export interface Serializer {
  /** The id in the upper 5 bits of header byte 4. */
  readonly id: number;
  readonly name: SerializationName;
  /** One value as `desc` says (a response body, or one argument). */
  write(w: ByteWriter, value: unknown, desc: TypeDesc): void;
  read(r: ByteReader, desc: TypeDesc): unknown;
  /** The per-method codec, compiled on first use and cached. */
  method(method: MethodDefinition): MethodCodec;
}

/** Everything a transport needs per method and serialization, precomputed from its descriptors. */
export interface MethodCodec {
  /** The request body: the arguments one after another, no count. */
  writeArgs(w: ByteWriter, args: readonly unknown[]): void;
  /** Exactly as many arguments as the method declares, and nothing after them. */
  readArgs(r: ByteReader): unknown[];
  /** The response body: one value; void and null are the serialization's null. */
  writeResult(w: ByteWriter, value: unknown): void;
  readResult(r: ByteReader): unknown;
  /**
   * `M_md` as Java's ReflectUtil spells it: parameter class names joined by `,`, `void` when there
   * are none. Java providers pick the overload by it, so it names the type that travels.
   */
  readonly paramDesc: string;
}

/** Compiles a MethodCodec from per-descriptor writers and readers (shared by both serializations). */
export function methodCodec(
  method: MethodDefinition,
  writerFor: (d: TypeDesc) => (w: ByteWriter, v: unknown) => void,
  readerFor: (d: TypeDesc) => (r: ByteReader) => unknown,
  paramType: (d: TypeDesc) => string,
  begin: (w: ByteWriter) => void,
  beginRead: (r: ByteReader) => void,
): MethodCodec {
  const writers = method.params.map(writerFor);
  const readers = method.params.map(readerFor);
  const isVoid = method.returns.kind === 'void';
  const writeReturn = writerFor(method.returns);
  const readReturn = readerFor(method.returns);
  const arity = writers.length;
  const name = method.name;
  return {
    writeArgs(w, args) {
      begin(w);
      for (let i = 0; i < arity; i++) writers[i]!(w, args[i]);
    },
    readArgs(r) {
      beginRead(r);
      const args = new Array<unknown>(arity);
      for (let i = 0; i < arity; i++) {
        if (r.atEnd) throw malformed(`${name} takes ${arity} argument(s), the request carries ${i}`);
        args[i] = readers[i]!(r);
      }
      if (!r.atEnd) throw malformed(`${r.remaining} byte(s) after the ${arity} argument(s) of ${name}`);
      return args;
    },
    writeResult(w, value) {
      begin(w);
      writeReturn(w, isVoid ? null : value);
    },
    readResult(r) {
      beginRead(r);
      // Java answers void with a null value; some peers send no body at all.
      if (r.atEnd) return isVoid ? undefined : null;
      const v = readReturn(r);
      return isVoid ? undefined : v;
    },
    paramDesc: method.params.length === 0 ? 'void' : method.params.map(paramType).join(','),
  };
}
