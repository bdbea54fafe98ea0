import type { MethodDefinition, TypeDesc } from '@meshlet/core';
import { motanParamName } from '../param-desc.js';
import { methodCodec, type MethodCodec, type Serializer } from '../serializer.js';
import type { ByteReader } from '../wire/reader.js';
import type { ByteWriter } from '../wire/writer.js';
import { BreezeReaders } from './decode.js';
import { BreezeWriters } from './encode.js';
import type { BreezeFieldIndexes } from './schema.js';
import { BREEZE_ID } from './tags.js';

/** Message names are referenced by index within one body: every body starts a fresh table. */
function beginWrite(w: ByteWriter): void {
  w.names = undefined;
}

function beginRead(r: ByteReader): void {
  r.names = undefined;
}

const paramType = (d: TypeDesc): string => motanParamName(d.javaType);

/**
 * Motan's `breeze` serialization (id 8): classes travel as typed messages, so Java and Go peers
 * get their objects rather than maps.
 */
export class BreezeSerializer implements Serializer {
  readonly id = BREEZE_ID;
  readonly name = 'breeze' as const;
  private readonly writers: BreezeWriters;
  private readonly readers: BreezeReaders;
  private readonly methods = new WeakMap<MethodDefinition, MethodCodec>();

  constructor(fieldIndexes?: BreezeFieldIndexes) {
    this.writers = new BreezeWriters(fieldIndexes);
    this.readers = new BreezeReaders(fieldIndexes);
  }

  write(w: ByteWriter, value: unknown, desc: TypeDesc): void {
    this.writers.writer(desc)(w, value);
  }

  read(r: ByteReader, desc: TypeDesc): unknown {
    return this.readers.reader(desc)(r);
  }

  method(method: MethodDefinition): MethodCodec {
    let codec = this.methods.get(method);
    if (codec === undefined) {
      codec = methodCodec(method, (d) => this.writers.writer(d), (d) => this.readers.reader(d), paramType, beginWrite, beginRead);
      this.methods.set(method, codec);
    }
    return codec;
  }
}

export { BreezeTag, BREEZE_ID } from './tags.js';
export { BreezeMessage } from './message.js';
export { javaFieldIndex } from './hash.js';
export type { BreezeFieldIndexes } from './schema.js';
export { writeAny as writeBreezeAny, readAny as readBreezeAny } from './any.js';
