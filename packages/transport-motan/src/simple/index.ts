import type { MethodDefinition, TypeDesc } from '@meshlet/core';
import { motanParamName } from '../param-desc.js';
import { methodCodec, type MethodCodec, type Serializer } from '../serializer.js';
import type { ByteReader } from '../wire/reader.js';
import type { ByteWriter } from '../wire/writer.js';
import { readerFor } from './decode.js';
import { writerFor } from './encode.js';
import { SIMPLE_ID } from './tags.js';

/** A class travels as a map under simple, so Java peers declare (and overload-match) `java.util.Map`. */
function paramType(d: TypeDesc): string {
  return d.kind === 'class' ? 'java.util.Map' : motanParamName(d.javaType);
}

const nothing = (): void => {};

/** Motan's `simple` serialization (id 6): motan-go's default, and the mesh agent's. */
export class SimpleSerializer implements Serializer {
  readonly id = SIMPLE_ID;
  readonly name = 'simple' as const;
  private readonly methods = new WeakMap<MethodDefinition, MethodCodec>();

  write(w: ByteWriter, value: unknown, desc: TypeDesc): void {
    writerFor(desc)(w, value);
  }

  read(r: ByteReader, desc: TypeDesc): unknown {
    return readerFor(desc)(r);
  }

  method(method: MethodDefinition): MethodCodec {
    let codec = this.methods.get(method);
    if (codec === undefined) {
      codec = methodCodec(method, writerFor, readerFor, paramType, nothing, nothing);
      this.methods.set(method, codec);
    }
    return codec;
  }
}

export { Tag as SimpleTag, SIMPLE_ID } from './tags.js';
export { writeAny as writeSimpleAny, readAny as readSimpleAny } from './any.js';
