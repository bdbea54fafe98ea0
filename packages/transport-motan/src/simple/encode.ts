import { compiledFor, type TypeDesc } from '@meshlet/core';
import { mismatch } from '../wire/errors.js';
import { byteArray, intIn, int64, listItems, mapEntries, objectFields, wrongValue } from '../wire/values.js';
import type { ByteWriter } from '../wire/writer.js';
import { writeAny, writeStringList, writeStringMap } from './any.js';
import { Tag } from './tags.js';

/** Writes one tagged value as the Java type of the descriptor it was compiled from. */
export type Writer = (w: ByteWriter, v: unknown) => void;

const cache = new WeakMap<TypeDesc, Writer>();

/**
 * The simple writer of `desc`, compiled once. Java's SimpleSerialization accepts a tag only for
 * its own type (an `int` parameter takes INT32 and nothing else), so the descriptor, not the JS
 * value, picks the tag.
 */
export function writerFor(desc: TypeDesc): Writer {
  return compiledFor(cache, desc, compile, (real) => (w, v) => real()(w, v));
}

function compile(desc: TypeDesc): Writer {
  if (desc.kind === 'any') return writeAny;
  if (desc.kind === 'void') return (w) => w.u8(Tag.NULL);
  const inner = compileValue(desc);
  if (desc.nullable) {
    return (w, v) => {
      if (v === null || v === undefined) w.u8(Tag.NULL);
      else inner(w, v);
    };
  }
  return (w, v) => {
    if (v === null || v === undefined) throw mismatch(`${String(v)} for Java primitive ${desc.javaType}`);
    inner(w, v);
  };
}

function compileValue(desc: TypeDesc): Writer {
  switch (desc.kind) {
    case 'bool':
      return (w, v) => {
        if (typeof v !== 'boolean') throw wrongValue(desc, v);
        w.u8(Tag.BOOL);
        w.u8(v ? 1 : 0);
      };
    case 'int8':
      return (w, v) => {
        w.u8(Tag.BYTE);
        w.u8(intIn(desc, v, -128, 127) & 0xff);
      };
    case 'int16':
      return (w, v) => {
        w.u8(Tag.INT16);
        w.u16(intIn(desc, v, -32768, 32767));
      };
    case 'int32':
      return (w, v) => {
        w.u8(Tag.INT32);
        w.zigzag32(typeof v === 'number' && (v | 0) === v ? v : intIn(desc, v, -0x80000000, 0x7fffffff));
      };
    case 'int64':
      return (w, v) => {
        w.u8(Tag.INT64);
        w.zigzag64(int64(desc, v));
      };
    case 'float32':
    case 'float64': {
      const tag = desc.kind === 'float32' ? Tag.FLOAT32 : Tag.FLOAT64;
      return (w, v) => {
        if (typeof v !== 'number') throw wrongValue(desc, v);
        w.u8(tag);
        if (tag === Tag.FLOAT32) w.f32(v);
        else w.f64(v);
      };
    }
    case 'char':
      return (w, v) => {
        if (typeof v !== 'string' || v.length !== 1) throw wrongValue(desc, v);
        w.u8(Tag.STRING);
        w.u32String(v);
      };
    case 'string':
    case 'decimal':
    case 'enum': {
      const constants = desc.kind === 'enum' && desc.constants?.length ? new Set(desc.constants) : undefined;
      return (w, v) => {
        const s = desc.kind === 'decimal' && (typeof v === 'bigint' || typeof v === 'number') ? String(v) : v;
        if (typeof s !== 'string' || (constants !== undefined && !constants.has(s))) throw wrongValue(desc, v);
        w.u8(Tag.STRING);
        w.u32String(s);
      };
    }
    case 'bytes':
      return bytes(desc);
    case 'date':
      // simple has no date: milliseconds since the epoch as a long, what Java's Date.getTime() gives.
      return (w, v) => {
        const ms = v instanceof Date ? v.getTime() : v;
        if (typeof ms !== 'number' || !Number.isSafeInteger(ms)) throw wrongValue(desc, v);
        w.u8(Tag.INT64);
        w.zigzag64(BigInt(ms));
      };
    case 'list':
    case 'set':
    case 'array':
      return desc.javaType === '[B' ? bytes(desc) : list(desc);
    case 'map':
      return map(desc);
    case 'class':
      return pojo(desc);
    default:
      throw mismatch(`descriptor kind ${String(desc.kind)} cannot be encoded with simple`);
  }
}

function bytes(desc: TypeDesc): Writer {
  return (w, v) => {
    const b = byteArray(desc, v);
    w.u8(Tag.BYTES);
    w.u32(b.length);
    w.bytes(b);
  };
}

/**
 * Lists of strings go as STRING_ARRAY (Java's receivers accept it for `List`, `Set` and
 * `String[]`, and Go reads it as `[]string`), empty ones too, as Go writes them; a null element
 * cannot be written there, so such a list goes as a tagged ARRAY instead.
 */
function list(desc: TypeDesc): Writer {
  const element = desc.element;
  const stringElements = element !== undefined && element.kind === 'string';
  const write = element === undefined ? writeAny : writerFor(element);
  return (w, v) => {
    const xs = listItems(desc, v);
    if (stringElements && xs.every((x) => typeof x === 'string')) {
      writeStringList(w, xs as string[]);
      return;
    }
    w.u8(Tag.ARRAY);
    const at = w.reserve(4);
    for (let i = 0; i < xs.length; i++) write(w, xs[i]);
    w.patchLength(at);
  };
}

function map(desc: TypeDesc): Writer {
  const stringly = desc.key?.kind === 'string' && desc.value?.kind === 'string';
  const writeKey = desc.key === undefined ? writeAny : writerFor(desc.key);
  const writeValue = desc.value === undefined ? writeAny : writerFor(desc.value);
  return (w, v) => {
    const es = mapEntries(desc, v);
    if (stringly) {
      const list = [...es];
      if (list.every(([k, x]) => typeof k === 'string' && typeof x === 'string')) {
        writeStringMap(w, list as [string, string][]);
        return;
      }
    }
    w.u8(Tag.MAP);
    const at = w.reserve(4);
    for (const [k, x] of es) {
      writeKey(w, k);
      writeValue(w, x);
    }
    w.patchLength(at);
  };
}

/**
 * simple has no classes: a class travels as a `Map<String,Object>` of its fields (what a Java or
 * Go peer declares for it). Null fields are left out, as the Go encoder cannot write a null
 * inside a map; the reader gives missing fields their default.
 */
function pojo(desc: TypeDesc): Writer {
  const fields = Object.entries(desc.fields ?? {});
  const keys = fields.map(([name]) => {
    const b = Buffer.from(name, 'utf8');
    const k = Buffer.allocUnsafe(5 + b.length);
    k[0] = Tag.STRING;
    k.writeUInt32BE(b.length, 1);
    b.copy(k, 5);
    return k;
  });
  let writers: Writer[] | undefined;
  return (w, v) => {
    const o = objectFields(desc, v);
    writers ??= fields.map(([, d]) => writerFor(d));
    w.u8(Tag.MAP);
    const at = w.reserve(4);
    for (let i = 0; i < fields.length; i++) {
      const x = o[fields[i]![0]];
      if (x === null || x === undefined) continue;
      w.bytes(keys[i]!);
      writers[i]!(w, x);
    }
    w.patchLength(at);
  };
}
