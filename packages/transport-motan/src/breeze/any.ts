import { malformed, mismatch, shown } from '../wire/errors.js';
import type { ByteReader } from '../wire/reader.js';
import type { ByteWriter } from '../wire/writer.js';
import { BreezeMessage } from './message.js';
import { BreezeTag as T } from './tags.js';
import {
  readCount, readIntegerAfter, readMessageSpan, readStringAfter, readType,
  writeInt32, writeInt64, writeMessageType, writeString, writeStringBody,
} from './wire.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
export const DATE_MESSAGE = 'java.util.Date';

/**
 * `java.lang.Object`: the JS value's own type picks the encoding, as breeze Java's `writeObject`
 * does from the runtime class. Non-empty string lists and string maps are packed, other
 * collections carry a type per element.
 */
export function writeAny(w: ByteWriter, v: unknown): void {
  switch (typeof v) {
    case 'string':
      writeString(w, v);
      return;
    case 'boolean':
      w.u8(v ? T.TRUE : T.FALSE);
      return;
    case 'number':
      if ((v | 0) === v && !Object.is(v, -0)) {
        writeInt32(w, v);
      } else {
        w.u8(T.FLOAT64);
        w.f64(v);
      }
      return;
    case 'bigint':
      if (v < INT64_MIN || v > INT64_MAX) throw mismatch(`${v}n does not fit an int64`);
      writeInt64(w, v);
      return;
    case 'undefined':
      w.u8(T.NULL);
      return;
    case 'object':
      if (v === null) w.u8(T.NULL);
      else writeObject(w, v);
      return;
    default:
      throw mismatch(`cannot encode ${typeof v} with breeze`);
  }
}

function writeObject(w: ByteWriter, v: object): void {
  if (v instanceof Uint8Array) {
    w.u8(T.BYTES);
    w.u32(v.length);
    w.bytes(v);
    return;
  }
  if (v instanceof Date) {
    writeDate(w, v.getTime());
    return;
  }
  if (v instanceof BreezeMessage) {
    writeMessageType(w, v.name);
    const at = w.reserve(4);
    for (const [index, x] of v.fields) {
      if (x === null || x === undefined) continue;
      w.varint(index);
      writeAny(w, x);
    }
    w.patchLength(at);
    return;
  }
  if (Array.isArray(v) || v instanceof Set) {
    const items = Array.isArray(v) ? v : [...v];
    if (items.length > 0 && items.every((x) => typeof x === 'string')) {
      w.u8(T.PACKED_ARRAY);
      w.varint(items.length);
      w.u8(T.STRING);
      for (let i = 0; i < items.length; i++) writeStringBody(w, items[i] as string);
      return;
    }
    w.u8(T.ARRAY);
    w.varint(items.length);
    for (let i = 0; i < items.length; i++) writeAny(w, items[i]);
    return;
  }
  let entries: [unknown, unknown][];
  if (v instanceof Map) {
    entries = [...v];
  } else {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) throw mismatch(`cannot encode ${shown(v)} with breeze`);
    entries = Object.entries(v);
  }
  if (entries.length > 0 && entries.every(([k, x]) => typeof k === 'string' && typeof x === 'string')) {
    w.u8(T.PACKED_MAP);
    w.varint(entries.length);
    w.u8(T.STRING);
    w.u8(T.STRING);
    for (const [k, x] of entries) {
      writeStringBody(w, k as string);
      writeStringBody(w, x as string);
    }
    return;
  }
  w.u8(T.MAP);
  w.varint(entries.length);
  for (const [k, x] of entries) {
    writeAny(w, k);
    writeAny(w, x);
  }
}

/** breeze Java's DateSerializer: a `java.util.Date` message whose field 1 is the epoch millis. */
export function writeDate(w: ByteWriter, ms: number): void {
  writeMessageType(w, DATE_MESSAGE);
  const at = w.reserve(4);
  w.varint(1);
  writeInt64(w, BigInt(ms));
  w.patchLength(at);
}

export function readAny(r: ByteReader): unknown {
  return readAnyAfter(r, readType(r));
}

/** A value after its type byte. */
export function readAnyAfter(r: ByteReader, tag: number): unknown {
  if (tag <= T.STRING) return readStringAfter(r, tag);
  if (tag <= T.INT32) return Number(readIntegerAfter(r, tag));
  if (tag <= T.INT64) return readIntegerAfter(r, tag);
  switch (tag) {
    case T.NULL:
      return null;
    case T.TRUE:
      return true;
    case T.FALSE:
      return false;
    case T.BYTE:
      return r.i8();
    case T.BYTES:
      return r.bytes(r.u32());
    case T.INT16:
      return r.i16();
    case T.FLOAT32:
      return r.f32();
    case T.FLOAT64:
      return r.f64();
    case T.MAP:
    case T.PACKED_MAP: {
      const m = new Map<unknown, unknown>();
      readMapEntries(r, tag === T.PACKED_MAP, readAnyAfter, readAnyAfter, (k, x) => m.set(k, x));
      return m;
    }
    case T.ARRAY:
    case T.PACKED_ARRAY: {
      const out: unknown[] = [];
      readElements(r, tag === T.PACKED_ARRAY, readAnyAfter, (x) => out.push(x));
      return out;
    }
    case T.MESSAGE:
      return readAnyMessage(r, r.messageName);
    default:
      throw malformed(`unsupported breeze type 0x${tag.toString(16)}`);
  }
}

function readAnyMessage(r: ByteReader, name: string): unknown {
  const end = readMessageSpan(r);
  const m = new BreezeMessage(name);
  r.enter();
  while (r.pos < end) {
    const index = r.varint();
    m.fields.set(index, readAny(r));
  }
  r.leave();
  if (r.pos !== end) throw malformed(`breeze message ${name} overruns its length`);
  if (name === DATE_MESSAGE && typeof m.fields.get(1) === 'bigint') return new Date(Number(m.fields.get(1)));
  return m;
}

/** Reads a value of the type a packed container declared: bools keep their own byte each. */
type After = (r: ByteReader, tag: number) => unknown;

function packedElement(r: ByteReader, type: number, name: string, read: After): unknown {
  if (type === T.TRUE || type === T.FALSE) return read(r, r.u8());
  r.messageName = name;
  return read(r, type);
}

/** The elements of ARRAY (typed each) or PACKED_ARRAY (one type, then untyped elements). */
export function readElements(r: ByteReader, packed: boolean, read: After, each: (v: unknown) => void): void {
  const n = readCount(r);
  if (n === 0) return;
  r.enter();
  if (packed) {
    const type = readType(r);
    const name = r.messageName;
    for (let i = 0; i < n; i++) each(packedElement(r, type, name, read));
  } else {
    for (let i = 0; i < n; i++) each(read(r, readType(r)));
  }
  r.leave();
}

/** The entries of MAP (typed each) or PACKED_MAP (key type, value type, then untyped entries). */
export function readMapEntries(r: ByteReader, packed: boolean, readKey: After, readValue: After, each: (k: unknown, v: unknown) => void): void {
  const n = readCount(r);
  if (n === 0) return;
  r.enter();
  if (packed) {
    const kt = readType(r);
    const kn = r.messageName;
    const vt = readType(r);
    const vn = r.messageName;
    for (let i = 0; i < n; i++) {
      const k = packedElement(r, kt, kn, readKey);
      each(k, packedElement(r, vt, vn, readValue));
    }
  } else {
    for (let i = 0; i < n; i++) {
      const k = readKey(r, readType(r));
      each(k, readValue(r, readType(r)));
    }
  }
  r.leave();
}

