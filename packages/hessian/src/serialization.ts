import { registerSerialization, type Serialization, type TypeDesc } from '@meshlet/core';
import { asSerializationError, serializationError } from './errors.js';
import { HessianReader } from './reader.js';
import { HessianWriter } from './writer.js';

/**
 * Hessian 2 as a core `Serialization`: the ids are the ones each protocol gives it on its wire
 * (Dubbo's header bits 2, Bolt's codec byte 1, Motan2's header bits 0). The transports encode
 * hessian2 with their own writers on the per-call path; this is for finding it by id or name.
 */
export const hessian2Serialization: Serialization = {
  name: 'hessian2',
  ids: { dubbo: 2, bolt: 1, motan2: 0 },
  encode(values: readonly unknown[], types: readonly TypeDesc[]): Uint8Array {
    if (values.length !== types.length) throw serializationError(`${values.length} value(s) for ${types.length} type(s)`);
    const w = new HessianWriter();
    try {
      for (let i = 0; i < values.length; i++) w.writeTyped(values[i], types[i]!);
    } catch (err) {
      throw asSerializationError(err, 'encode');
    }
    return w.finishCopy();
  },
  decode(bytes: Uint8Array, types: readonly TypeDesc[]): unknown[] {
    const r = new HessianReader(bytes, 0, bytes.length);
    const values = types.map((t) => r.readTyped(t));
    if (!r.atEnd) throw serializationError(`${r.remaining} trailing bytes after ${types.length} value(s)`);
    return values;
  },
};

/** Registers hessian2 with core's serializations (explicitly; importing this package registers nothing). */
export function registerHessianSerialization(): void {
  registerSerialization(hessian2Serialization);
}
