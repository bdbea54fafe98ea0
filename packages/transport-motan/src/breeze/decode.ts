import { malformed, mismatch } from '../wire/errors.js';
import { compiledFor, javaDefault, setField, type TypeDesc } from '@meshlet/core';
import { newObject } from '../wire/objects.js';
import type { ByteReader } from '../wire/reader.js';
import { readAny, readAnyAfter, readElements, readMapEntries } from './any.js';
import { classLayout, type BreezeFieldIndexes } from './schema.js';
import { BreezeTag as T } from './tags.js';
import { isIntegerTag, readIntegerAfter, readMessageSpan, readStringAfter, readType } from './wire.js';

/** Reads a value after its type byte (given by the stream, or once by a packed container). */
export type After = (r: ByteReader, tag: number) => unknown;
export type Reader = (r: ByteReader) => unknown;

function wrongType(desc: TypeDesc, tag: number): Error {
  return mismatch(`breeze type 0x${tag.toString(16)} cannot be read as ${desc.kind} (${desc.javaType})`);
}

function integer(r: ByteReader, tag: number, desc: TypeDesc, min: number, max: number): number {
  if (!isIntegerTag(tag)) throw wrongType(desc, tag);
  const n = readIntegerAfter(r, tag);
  if (n < BigInt(min) || n > BigInt(max)) throw mismatch(`${n} does not fit ${desc.javaType}`);
  return Number(n);
}

/**
 * Compiles breeze readers from descriptors, once per descriptor. Liberal as breeze Java and Go
 * are: any integer encoding for any integer type when the value fits, numbers for strings,
 * packed or unpacked collections alike, unknown message fields skipped.
 */
export class BreezeReaders {
  private readonly cache = new WeakMap<TypeDesc, After>();

  constructor(private readonly indexes: BreezeFieldIndexes | undefined) {}

  reader(desc: TypeDesc): Reader {
    const after = this.after(desc);
    return (r) => after(r, readType(r));
  }

  after(desc: TypeDesc): After {
    return compiledFor(this.cache, desc, (d) => this.compile(d), (real) => (r, tag) => real()(r, tag));
  }

  private compile(desc: TypeDesc): After {
    if (desc.kind === 'any' || desc.kind === 'void') return readAnyAfter;
    const inner = this.compileValue(desc);
    const { nullable, javaType } = desc;
    return (r, tag) => {
      if (tag === T.NULL) {
        if (nullable) return null;
        throw mismatch(`null for Java primitive ${javaType}`);
      }
      return inner(r, tag);
    };
  }

  private compileValue(desc: TypeDesc): After {
    switch (desc.kind) {
      case 'bool':
        return (_r, tag) => {
          if (tag === T.TRUE) return true;
          if (tag === T.FALSE) return false;
          throw wrongType(desc, tag);
        };
      case 'int8':
        return (r, tag) => (tag === T.BYTE ? r.i8() : integer(r, tag, desc, -128, 127));
      case 'int16':
        return (r, tag) => integer(r, tag, desc, -32768, 32767);
      case 'int32':
        return (r, tag) => (tag === T.INT32 ? r.zigzag32() : integer(r, tag, desc, -0x80000000, 0x7fffffff));
      case 'int64':
        return (r, tag) => {
          if (!isIntegerTag(tag)) throw wrongType(desc, tag);
          return readIntegerAfter(r, tag);
        };
      case 'float32':
      case 'float64':
        return (r, tag) => {
          if (tag === T.FLOAT64) return r.f64();
          if (tag === T.FLOAT32) return r.f32();
          return integer(r, tag, desc, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
        };
      case 'char':
      case 'string':
        return (r, tag) => stringAfter(r, tag, desc);
      case 'bytes':
        return bytes(desc);
      case 'date':
        return this.singleField(desc, (r, tag) => new Date(integer(r, tag, desc, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)));
      case 'decimal':
      case 'enum':
        return this.singleField(desc, (r, tag) => stringAfter(r, tag, desc));
      case 'list':
      case 'set':
      case 'array': {
        if (desc.javaType === '[B') {
          const read = bytes(desc);
          return (r, tag) => Array.from(read(r, tag) as Buffer, (b) => (b > 127 ? b - 256 : b));
        }
        const element = desc.element === undefined ? readAnyAfter : this.after(desc.element);
        return (r, tag) => {
          if (tag !== T.PACKED_ARRAY && tag !== T.ARRAY) throw wrongType(desc, tag);
          const out: unknown[] = [];
          readElements(r, tag === T.PACKED_ARRAY, element, (x) => out.push(x));
          return out;
        };
      }
      case 'map': {
        const key = desc.key === undefined ? readAnyAfter : this.after(desc.key);
        const value = desc.value === undefined ? readAnyAfter : this.after(desc.value);
        return (r, tag) => {
          if (tag !== T.PACKED_MAP && tag !== T.MAP) throw wrongType(desc, tag);
          const m = new Map<unknown, unknown>();
          readMapEntries(r, tag === T.PACKED_MAP, key, value, (k, v) => m.set(k, v));
          return m;
        };
      }
      case 'class':
        return this.message(desc);
      default:
        throw mismatch(`descriptor kind ${String(desc.kind)} cannot be decoded with breeze`);
    }
  }

  /** A message read into a plain object: fields by index, unknown ones skipped, missing ones at their defaults. */
  private message(desc: TypeDesc): After {
    const layout = classLayout(desc, this.indexes);
    const names = layout.fields.map((f) => f.name);
    const defaults = layout.fields.map((f) => javaDefault(f.desc));
    let readers: Reader[] | undefined;
    return (r, tag) => {
      if (tag !== T.MESSAGE) throw wrongType(desc, tag);
      readers ??= layout.fields.map((f) => this.reader(f.desc));
      const end = readMessageSpan(r);
      const o = newObject(names, defaults);
      r.enter();
      while (r.pos < end) {
        const i = layout.byIndex.get(r.varint());
        if (i === undefined) readAny(r);
        else setField(o, names[i]!, readers[i]!(r));
      }
      r.leave();
      if (r.pos !== end) throw malformed(`breeze message ${desc.javaType} overruns its length`);
      return o;
    };
  }

  /** A date, decimal or enum: breeze Java's one-field message, or the bare value from other peers. */
  private singleField(desc: TypeDesc, field: After): After {
    return (r, tag) => {
      if (tag !== T.MESSAGE) return field(r, tag);
      const end = readMessageSpan(r);
      let value: unknown = null;
      r.enter();
      while (r.pos < end) {
        if (r.varint() === 1) value = field(r, readType(r));
        else readAny(r);
      }
      r.leave();
      if (r.pos !== end) throw malformed(`breeze message ${desc.javaType} overruns its length`);
      return value;
    };
  }
}

function stringAfter(r: ByteReader, tag: number, desc: TypeDesc): string {
  if (tag <= T.STRING) return readStringAfter(r, tag);
  if (isIntegerTag(tag)) return String(readIntegerAfter(r, tag));
  if (tag === T.FLOAT64) return String(r.f64());
  if (tag === T.FLOAT32) return String(r.f32());
  throw wrongType(desc, tag);
}

function bytes(desc: TypeDesc): After {
  return (r, tag) => {
    if (tag === T.BYTES) return r.bytes(r.u32());
    if (tag <= T.STRING) return r.bytes(tag === T.STRING ? r.varint() : tag);
    throw wrongType(desc, tag);
  };
}
