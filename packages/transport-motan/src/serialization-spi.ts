import { registerSerialization, type Serialization, type TypeDesc } from '@meshlet/core';
import { BreezeSerializer } from './breeze/index.js';
import type { Serializer } from './serializer.js';
import { SimpleSerializer } from './simple/index.js';
import { malformed, mismatch } from './wire/errors.js';
import { ByteReader } from './wire/reader.js';
import { ByteWriter } from './wire/writer.js';

/**
 * Motan's serializations as core `Serialization`s, found by name (`M_s`) or by Motan2's header id.
 * The transport's own calls go through its compiled per-method codecs; this adapts the same
 * per-value writers and readers, so the bytes are the ones a call's body carries.
 */
function asSerialization(serializer: Serializer): Serialization {
  return {
    name: serializer.name,
    ids: { motan2: serializer.id },
    encode(values: readonly unknown[], types: readonly TypeDesc[]): Uint8Array {
      countsMatch(serializer, values.length, types.length);
      const w = new ByteWriter();
      for (let i = 0; i < values.length; i++) serializer.write(w, values[i], types[i]!);
      return w.finish();
    },
    decode(bytes: Uint8Array, types: readonly TypeDesc[]): unknown[] {
      const r = new ByteReader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, bytes.byteLength);
      const values = types.map((t) => {
        if (r.atEnd) throw malformed(`${serializer.name}: ${types.length} value(s) expected, the body ends first`);
        return serializer.read(r, t);
      });
      if (!r.atEnd) throw malformed(`${serializer.name}: ${r.remaining} byte(s) after ${types.length} value(s)`);
      return values;
    },
  };
}

function countsMatch(serializer: Serializer, values: number, types: number): void {
  if (values !== types) throw mismatch(`${serializer.name}: ${values} value(s) for ${types} type(s)`);
}

/** `simple` (Motan2 id 6): motan-go's default. */
export const simpleSerialization: Serialization = asSerialization(new SimpleSerializer());
/** `breeze` (Motan2 id 8), with Java's default field indexes. */
export const breezeSerialization: Serialization = asSerialization(new BreezeSerializer());

/** Registers simple and breeze with core's serializations (explicitly; importing registers nothing). */
export function registerMotanSerializations(): void {
  registerSerialization(simpleSerialization);
  registerSerialization(breezeSerialization);
}
