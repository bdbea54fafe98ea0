import { mismatch } from '../wire/errors.js';
import type { ByteReader } from '../wire/reader.js';
import { compiledFor, javaDefault, setField, type TypeDesc } from '@meshlet/core';
import { newObject } from '../wire/objects.js';
import { readAny, readEntries, readStringItems, readStringPairs } from './any.js';
import { Tag } from './tags.js';

/** Reads one tagged value into the JS shape of the descriptor it was compiled from. */
export type Reader = (r: ByteReader) => unknown;
type TagReader = (r: ByteReader, tag: number) => unknown;

const cache = new WeakMap<TypeDesc, Reader>();

/**
 * The simple reader of `desc`, compiled once. Liberal where peers differ: Go and PHP send every
 * integer as INT64, so integer tags are accepted for any integer type when the value fits, and a
 * Go peer may send a string for `byte[]`.
 */
export function readerFor(desc: TypeDesc): Reader {
  return compiledFor(cache, desc, compile, (real) => (r) => real()(r));
}

function compile(desc: TypeDesc): Reader {
  if (desc.kind === 'any' || desc.kind === 'void') return readAny;
  const inner = compileValue(desc);
  const { nullable, javaType } = desc;
  return (r) => {
    const tag = r.u8();
    if (tag === Tag.NULL) {
      if (nullable) return null;
      throw mismatch(`null for Java primitive ${javaType}`);
    }
    return inner(r, tag);
  };
}

function wrongTag(desc: TypeDesc, tag: number): Error {
  return mismatch(`simple tag ${tag} cannot be read as ${desc.kind} (${desc.javaType})`);
}

/** Any integer tag, as a number when it is within [min, max]. */
function integer(r: ByteReader, tag: number, desc: TypeDesc, min: number, max: number): number {
  let n: number;
  switch (tag) {
    case Tag.BYTE: n = r.i8(); break;
    case Tag.INT16: n = r.i16(); break;
    case Tag.INT32: n = r.zigzag32(); break;
    case Tag.INT64: {
      const big = BigInt.asIntN(64, r.zigzag64());
      if (big < BigInt(min) || big > BigInt(max)) throw mismatch(`${big} does not fit ${desc.javaType}`);
      return Number(big);
    }
    default: throw wrongTag(desc, tag);
  }
  if (n < min || n > max) throw mismatch(`${n} does not fit ${desc.javaType}`);
  return n;
}

function compileValue(desc: TypeDesc): TagReader {
  switch (desc.kind) {
    case 'bool':
      return (r, tag) => {
        if (tag !== Tag.BOOL) throw wrongTag(desc, tag);
        return r.u8() === 1;
      };
    case 'int8':
      return (r, tag) => integer(r, tag, desc, -128, 127);
    case 'int16':
      return (r, tag) => integer(r, tag, desc, -32768, 32767);
    case 'int32':
      return (r, tag) => (tag === Tag.INT32 ? r.zigzag32() : integer(r, tag, desc, -0x80000000, 0x7fffffff));
    case 'int64':
      return (r, tag) => {
        if (tag === Tag.INT64) return BigInt.asIntN(64, r.zigzag64());
        return BigInt(integer(r, tag, desc, -0x80000000, 0x7fffffff));
      };
    case 'float32':
    case 'float64':
      return (r, tag) => {
        if (tag === Tag.FLOAT64) return r.f64();
        if (tag === Tag.FLOAT32) return r.f32();
        return integer(r, tag, desc, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      };
    case 'char':
    case 'string':
    case 'decimal':
    case 'enum':
      return (r, tag) => {
        if (tag !== Tag.STRING) throw wrongTag(desc, tag);
        return r.utf8(r.u32());
      };
    case 'bytes':
      return (r, tag) => {
        if (tag === Tag.BYTES) return r.bytes(r.u32());
        if (tag === Tag.STRING) return r.bytes(r.u32()); // Go's compatDecodeString, the other way round
        throw wrongTag(desc, tag);
      };
    case 'date':
      return (r, tag) => {
        const ms = tag === Tag.INT64 ? Number(BigInt.asIntN(64, r.zigzag64())) : integer(r, tag, desc, -0x80000000, 0x7fffffff);
        return new Date(ms);
      };
    case 'list':
    case 'set':
    case 'array':
      if (desc.javaType === '[B') {
        return (r, tag) => {
          if (tag !== Tag.BYTES) throw wrongTag(desc, tag);
          return Array.from(r.bytes(r.u32()), (b) => (b > 127 ? b - 256 : b));
        };
      }
      return list(desc);
    case 'map':
      return map(desc);
    case 'class':
      return pojo(desc);
    default:
      throw mismatch(`descriptor kind ${String(desc.kind)} cannot be decoded with simple`);
  }
}

/** Whether a value of `desc` can come from the untagged strings of tags 2 and 4. */
function takesString(desc: TypeDesc | undefined): boolean {
  return desc === undefined || desc.kind === 'any' || desc.kind === 'string' || desc.kind === 'char' || desc.kind === 'decimal' || desc.kind === 'enum';
}

function list(desc: TypeDesc): TagReader {
  const element = desc.element;
  const read = element === undefined ? readAny : readerFor(element);
  const strings = takesString(element);
  return (r, tag) => {
    const out: unknown[] = [];
    if (tag === Tag.ARRAY) readEntries(r, (rr) => out.push(read(rr)));
    else if (tag === Tag.STRING_ARRAY && strings) readStringItems(r, (s) => out.push(s));
    else throw wrongTag(desc, tag);
    return out;
  };
}

function map(desc: TypeDesc): TagReader {
  const readKey = desc.key === undefined ? readAny : readerFor(desc.key);
  const readValue = desc.value === undefined ? readAny : readerFor(desc.value);
  const strings = takesString(desc.key) && takesString(desc.value);
  return (r, tag) => {
    const m = new Map<unknown, unknown>();
    if (tag === Tag.MAP) readEntries(r, (rr) => m.set(readKey(rr), readValue(rr)));
    else if (tag === Tag.STRING_MAP && strings) readStringPairs(r, (k, v) => m.set(k, v));
    else throw wrongTag(desc, tag);
    return m;
  };
}

/**
 * A class from the map it travels as: fields by name, unknown keys skipped, missing fields at
 * their defaults (null, or 0 / false for Java primitives).
 */
function pojo(desc: TypeDesc): TagReader {
  const fields = desc.fields ?? {};
  const names = Object.keys(fields);
  const index = new Map(names.map((n, i) => [n, i] as const));
  const defaults = names.map((n) => javaDefault(fields[n]!));
  const stringOnly = names.map((n) => takesString(fields[n]));
  let readers: Reader[] | undefined;
  return (r, tag) => {
    readers ??= names.map((n) => readerFor(fields[n]!));
    const o = newObject(names, defaults);
    if (tag === Tag.MAP) {
      readEntries(r, (rr) => {
        const key = readAny(rr);
        const i = typeof key === 'string' ? index.get(key) : undefined;
        if (i === undefined) readAny(rr);
        else setField(o, names[i]!, readers![i]!(rr));
      });
    } else if (tag === Tag.STRING_MAP) {
      readStringPairs(r, (k, v) => {
        const i = index.get(k);
        if (i === undefined) return;
        if (!stringOnly[i]) throw mismatch(`field ${k} of ${desc.javaType} cannot be a string`);
        setField(o, k, v);
      });
    } else {
      throw wrongTag(desc, tag);
    }
    return o;
  };
}
