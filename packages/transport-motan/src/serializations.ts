import { Code, RpcError } from '@meshlet/core';
import { BreezeSerializer } from './breeze/index.js';
import type { BreezeFieldIndexes } from './breeze/schema.js';
import type { SerializationName, Serializer } from './serializer.js';
import { SimpleSerializer } from './simple/index.js';

/** The serializations one protocol instance speaks, by wire id and by name. */
export class Serializations {
  readonly simple = new SimpleSerializer();
  readonly breeze: BreezeSerializer;

  constructor(breezeFieldIndexes?: BreezeFieldIndexes) {
    this.breeze = new BreezeSerializer(breezeFieldIndexes);
  }

  byId(id: number): Serializer | undefined {
    return id === this.simple.id ? this.simple : id === this.breeze.id ? this.breeze : undefined;
  }

  byName(name: string): Serializer {
    if (name === 'simple') return this.simple;
    if (name === 'breeze') return this.breeze;
    throw new RpcError(Code.InvalidArgument, `motan2: unknown serialization ${JSON.stringify(name)} (Meshlet speaks simple and breeze)`);
  }
}

export function isSerializationName(name: string): name is SerializationName {
  return name === 'simple' || name === 'breeze';
}
