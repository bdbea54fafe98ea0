import { malformed, mismatch, shown } from '../wire/errors.js';
import type { ByteReader } from '../wire/reader.js';
import type { ByteWriter } from '../wire/writer.js';
import { Tag } from './tags.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * `java.lang.Object`: the JS value's own type picks the tag. Integers that fit an int32 are
 * INT32, other numbers FLOAT64, bigints INT64; string-only lists and maps use the compact
 * string tags (2, 4) as Java and Go do for non-empty ones.
 */
export function writeAny(w: ByteWriter, v: unknown): void {
  switch (typeof v) {
    case 'string':
      w.u8(Tag.STRING);
      w.u32String(v);
      return;
    case 'boolean':
      w.u8(Tag.BOOL);
      w.u8(v ? 1 : 0);
      return;
    case 'number':
      if ((v | 0) === v && !Object.is(v, -0)) {
        w.u8(Tag.INT32);
        w.zigzag32(v);
      } else {
        w.u8(Tag.FLOAT64);
        w.f64(v);
      }
      return;
    case 'bigint':
      if (v < INT64_MIN || v > INT64_MAX) throw mismatch(`${v}n does not fit an int64`);
      w.u8(Tag.INT64);
      w.zigzag64(v);
      return;
    case 'undefined':
      w.u8(Tag.NULL);
      return;
    case 'object':
      if (v === null) w.u8(Tag.NULL);
      else writeObject(w, v);
      return;
    default:
      throw mismatch(`cannot encode ${typeof v} with simple`);
  }
}

function writeObject(w: ByteWriter, v: object): void {
  if (v instanceof Uint8Array) {
    w.u8(Tag.BYTES);
    w.u32(v.length);
    w.bytes(v);
    return;
  }
  if (v instanceof Date) {
    w.u8(Tag.INT64);
    w.zigzag64(BigInt(v.getTime()));
    return;
  }
  if (Array.isArray(v) || v instanceof Set) {
    const items = Array.isArray(v) ? v : [...v];
    if (items.length > 0 && items.every((x) => typeof x === 'string')) {
      writeStringList(w, items as string[]);
      return;
    }
    w.u8(Tag.ARRAY);
    const at = w.reserve(4);
    for (let i = 0; i < items.length; i++) writeAny(w, items[i]);
    w.patchLength(at);
    return;
  }
  const entries = v instanceof Map ? [...v] : plainEntries(v);
  if (entries.length > 0 && entries.every(([k, x]) => typeof k === 'string' && typeof x === 'string')) {
    writeStringMap(w, entries as [string, string][]);
    return;
  }
  w.u8(Tag.MAP);
  const at = w.reserve(4);
  for (const [k, x] of entries) {
    writeAny(w, k);
    writeAny(w, x);
  }
  w.patchLength(at);
}

function plainEntries(v: object): [string, unknown][] {
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) throw mismatch(`cannot encode ${shown(v)} with simple`);
  return Object.entries(v);
}

/** Tag 4: string elements only (the caller checked). */
export function writeStringList(w: ByteWriter, items: readonly string[]): void {
  w.u8(Tag.STRING_ARRAY);
  const at = w.reserve(4);
  for (let i = 0; i < items.length; i++) w.u32String(items[i]!);
  w.patchLength(at);
}

/** Tag 2: string keys and values only (the caller checked). */
export function writeStringMap(w: ByteWriter, entries: Iterable<readonly [string, string]>): void {
  w.u8(Tag.STRING_MAP);
  const at = w.reserve(4);
  for (const [k, x] of entries) {
    w.u32String(k);
    w.u32String(x);
  }
  w.patchLength(at);
}

/** One tagged value as the JS value closest to what was sent. */
export function readAny(r: ByteReader): unknown {
  return readTagged(r, r.u8());
}

export function readTagged(r: ByteReader, tag: number): unknown {
  switch (tag) {
    case Tag.NULL:
      return null;
    case Tag.STRING:
      return r.utf8(r.u32());
    case Tag.STRING_MAP: {
      const m = new Map<string, string>();
      readStringPairs(r, (k, x) => m.set(k, x));
      return m;
    }
    case Tag.BYTES:
      return r.bytes(r.u32());
    case Tag.STRING_ARRAY: {
      const out: string[] = [];
      readStringItems(r, (s) => out.push(s));
      return out;
    }
    case Tag.BOOL:
      return r.u8() === 1;
    case Tag.BYTE:
      return r.i8();
    case Tag.INT16:
      return r.i16();
    case Tag.INT32:
      return r.zigzag32();
    case Tag.INT64:
      return BigInt.asIntN(64, r.zigzag64());
    case Tag.FLOAT32:
      return r.f32();
    case Tag.FLOAT64:
      return r.f64();
    case Tag.MAP: {
      const m = new Map<unknown, unknown>();
      readEntries(r, (rr) => m.set(readAny(rr), readAny(rr)));
      return m;
    }
    case Tag.ARRAY: {
      const out: unknown[] = [];
      readEntries(r, (rr) => out.push(readAny(rr)));
      return out;
    }
    default:
      throw malformed(`unknown simple tag ${tag}`);
  }
}

/** Runs `each` until the container's byte length is used up; overshooting it is an error. */
export function readEntries(r: ByteReader, each: (r: ByteReader) => void): void {
  const end = r.u32Span('container');
  r.enter();
  while (r.pos < end) each(r);
  r.leave();
  if (r.pos !== end) throw malformed('container content overruns its byte length');
}

export function readStringItems(r: ByteReader, each: (s: string) => void): void {
  const end = r.u32Span('string[]');
  while (r.pos < end) each(r.utf8(r.u32()));
  if (r.pos !== end) throw malformed('string[] content overruns its byte length');
}

export function readStringPairs(r: ByteReader, each: (k: string, v: string) => void): void {
  const end = r.u32Span('map<string,string>');
  while (r.pos < end) {
    const k = r.utf8(r.u32());
    each(k, r.utf8(r.u32()));
  }
  if (r.pos !== end) throw malformed('map<string,string> content overruns its byte length');
}
