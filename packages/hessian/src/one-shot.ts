import type { TypeDesc } from '@meshlet/core';
import { serializationError } from './errors.js';
import { HessianReader, type HessianReaderOptions } from './reader.js';
import { HessianWriter } from './writer.js';

let shared: HessianWriter | undefined;

/** Encodes one value (typed when `desc` is given) into a fresh Buffer. For hot paths keep a `HessianWriter`. */
export function encode(value: unknown, desc?: TypeDesc): Buffer {
  const w = (shared ??= new HessianWriter());
  w.reset();
  try {
    if (desc === undefined) w.writeValue(value);
    else w.writeTyped(value, desc);
    return w.finishCopy();
  } finally {
    w.reset();
  }
}

/** Decodes one value (typed when `desc` is given) from `bytes`; throws unless exactly the whole input is consumed. */
export function decode(bytes: Uint8Array, desc?: TypeDesc, options?: HessianReaderOptions): unknown {
  const r = new HessianReader(bytes, 0, bytes.length, options);
  const v = desc === undefined ? r.readValue() : r.readTyped(desc);
  if (!r.atEnd) throw serializationError(`${r.remaining} trailing bytes after the value`);
  return v;
}
