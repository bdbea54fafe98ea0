import { javaDefault, setField, type TypeDesc } from '@meshlet/core';
import { serializationError } from './errors.js';
import type { ClassDef } from './read/cursor.js';
import type { ValueReader } from './read/values.js';
import { tagName } from './tags.js';

/** Reads one value conforming to the descriptor it was compiled from. */
export type Decoder = (r: ValueReader) => unknown;

const cache = new WeakMap<TypeDesc, Decoder>();

/** The compiled decoder of `desc` (compiled once per descriptor object, then cached). */
export function decoderFor(desc: TypeDesc): Decoder {
  let dec = cache.get(desc);
  if (dec !== undefined) return dec;
  let real: Decoder | undefined;
  cache.set(desc, (r) => real!(r));
  real = compile(desc);
  cache.set(desc, real);
  return real;
}


function mismatch(r: ValueReader, desc: TypeDesc, what?: string): Error {
  const found = what ?? `tag ${tagName(r.peekTag())}`;
  return serializationError(`expected ${desc.kind} (${desc.javaType}) but found ${found} at offset ${r.position}`);
}

function compile(desc: TypeDesc): Decoder {
  const dflt = javaDefault(desc);
  switch (desc.kind) {
    case 'any':
      return (r) => r.value();
    case 'void':
      return (r) => {
        r.value();
        return undefined;
      };
    case 'bool':
      return (r) => (r.readNullTag() ? dflt : r.readBool());
    case 'int8':
      return intRange(desc, dflt, -128, 127);
    case 'int16':
      return intRange(desc, dflt, -32768, 32767);
    case 'int32':
      return (r) => (r.readNullTag() ? dflt : r.readInt());
    case 'int64':
      return (r) => (r.readNullTag() ? dflt : r.readLong());
    case 'float32':
    case 'float64':
      return (r) => (r.readNullTag() ? dflt : r.readDouble());
    case 'char':
    case 'string':
      return (r) => (r.readNullTag() ? dflt : r.readString());
    case 'bytes':
      return (r) => (r.readNullTag() ? null : r.readBytes());
    case 'date':
      return (r) => (r.readNullTag() ? null : r.readDate());
    case 'decimal':
      return decimal(desc);
    case 'enum':
      return enumeration(desc);
    case 'list':
    case 'set':
    case 'array':
      return list(desc);
    case 'map':
      return map(desc);
    case 'class':
      return pojo(desc);
    default:
      throw serializationError(`descriptor kind ${String(desc.kind)} cannot be decoded`);
  }
}

function intRange(desc: TypeDesc, dflt: unknown, min: number, max: number): Decoder {
  return (r) => {
    if (r.readNullTag()) return dflt;
    const n = r.readInt();
    if (n < min || n > max) throw serializationError(`${n} does not fit ${desc.javaType}`);
    return n;
  };
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * An object of one string field (`value` for BigDecimal as hessian-lite writes it, `name` for an
 * enum constant), or a bare string; decoded to that string.
 */
function stringValued(desc: TypeDesc, field: string, valid: (s: string) => boolean): Decoder {
  return (r) => {
    if (r.readNullTag()) return null;
    const tag = r.peekTag();
    if (r.isObjectTag(tag)) {
      const def = r.beginObject();
      const ref = r.addRef(null);
      let s: unknown;
      for (let i = 0; i < def.fields.length; i++) {
        if (def.fields[i] === field) s = r.value();
        else r.value();
      }
      r.endObject();
      if (typeof s !== 'string' || !valid(s)) throw mismatch(r, desc, `a ${def.name} without a valid '${field}' field`);
      r.setRef(ref, s);
      return s;
    }
    const v = r.value();
    const s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : null;
    if (s === null || !valid(s)) throw mismatch(r, desc, typeof v === 'string' ? JSON.stringify(v) : `a ${typeof v}`);
    return s;
  };
}

function decimal(desc: TypeDesc): Decoder {
  return stringValued(desc, 'value', (s) => DECIMAL.test(s));
}

function enumeration(desc: TypeDesc): Decoder {
  // Unknown constants are kept (a newer Java enum may have more), so any non-empty name is accepted.
  return stringValued(desc, 'name', (s) => s.length > 0);
}

function list(desc: TypeDesc): Decoder {
  const elementDesc = desc.element;
  let elem: Decoder | undefined;
  const isByteArray = desc.javaType === '[B';
  const isCharArray = desc.javaType === '[C';
  return (r) => {
    if (r.readNullTag()) return null;
    const tag = r.peekTag();
    if (r.isListTag(tag)) {
      elem ??= elementDesc === undefined ? (rr: ValueReader) => rr.value() : decoderFor(elementDesc);
      const len = r.beginList();
      const arr: unknown[] = [];
      r.addRef(arr);
      if (len >= 0) {
        for (let i = 0; i < len; i++) arr.push(elem(r));
      } else {
        while (r.hasMore()) arr.push(elem(r));
      }
      r.endList(len);
      return arr;
    }
    if (r.isRefTag(tag)) {
      const v = r.value();
      if (!Array.isArray(v)) throw mismatch(r, desc, 'a back-reference to a non-list');
      return v;
    }
    if (isByteArray) {
      const bytes = r.readBytes();
      const out: number[] = [];
      for (let i = 0; i < bytes.length; i++) out.push((bytes[i]! << 24) >> 24);
      return out;
    }
    if (isCharArray) return r.readString().split(''); // UTF-16 units, as Java's char[]
    throw mismatch(r, desc);
  };
}

function map(desc: TypeDesc): Decoder {
  let key: Decoder | undefined;
  let value: Decoder | undefined;
  return (r) => {
    if (r.readNullTag()) return null;
    const tag = r.peekTag();
    key ??= desc.key === undefined ? (rr: ValueReader) => rr.value() : decoderFor(desc.key);
    value ??= desc.value === undefined ? (rr: ValueReader) => rr.value() : decoderFor(desc.value);
    if (r.isMapTag(tag)) {
      r.beginMap();
      const m = new Map<unknown, unknown>();
      r.addRef(m);
      while (r.hasMore()) {
        const k = key(r);
        m.set(k, value(r));
      }
      r.endMap();
      return m;
    }
    if (r.isObjectTag(tag)) {
      // A Java object where a map was declared: its fields as entries.
      const def = r.beginObject();
      const m = new Map<unknown, unknown>();
      r.addRef(m);
      for (let i = 0; i < def.fields.length; i++) m.set(def.fields[i], value(r));
      r.endObject();
      return m;
    }
    if (r.isRefTag(tag)) {
      const v = r.value();
      if (!(v instanceof Map)) throw mismatch(r, desc, 'a back-reference to a non-map');
      return v;
    }
    throw mismatch(r, desc);
  };
}

interface Plan {
  /** Decoder per wire field (null = not declared: read and dropped). */
  readonly decoders: (Decoder | null)[];
  /** Declared fields absent from the wire, filled with their defaults. */
  readonly missing: readonly number[];
}

function pojo(desc: TypeDesc): Decoder {
  const fieldDescs = desc.fields ?? {};
  const names = Object.keys(fieldDescs);
  const defaults = names.map((n) => javaDefault(fieldDescs[n]!));
  const index = new Map(names.map((n, i) => [n, i] as const));
  let decoders: Decoder[] | undefined;

  const planFor = (def: ClassDef): Plan => {
    if (def.matched === desc) return def.plan as Plan;
    decoders ??= names.map((n) => decoderFor(fieldDescs[n]!));
    const seen = new Array<boolean>(names.length).fill(false);
    const wire = def.fields.map((f) => {
      const i = index.get(f);
      if (i === undefined || seen[i]) return null;
      seen[i] = true;
      return decoders![i]!;
    });
    const missing: number[] = [];
    for (let i = 0; i < names.length; i++) if (!seen[i]) missing.push(i);
    const plan: Plan = { decoders: wire, missing };
    def.matched = desc;
    def.plan = plan;
    return plan;
  };

  const fillMissing = (obj: Record<string, unknown>, missing: readonly number[]): void => {
    for (let i = 0; i < missing.length; i++) {
      const k = missing[i]!;
      setField(obj, names[k]!, defaults[k]);
    }
  };

  return (r) => {
    if (r.readNullTag()) return null;
    const tag = r.peekTag();
    if (r.isObjectTag(tag)) {
      const def = r.beginObject();
      const plan = planFor(def);
      const obj: Record<string, unknown> = {};
      r.addRef(obj);
      const fields = def.fields;
      const ds = plan.decoders;
      for (let i = 0; i < ds.length; i++) {
        const d = ds[i];
        if (d === null) r.value();
        else setField(obj, fields[i]!, d!(r));
      }
      if (plan.missing.length !== 0) fillMissing(obj, plan.missing);
      r.endObject();
      return obj;
    }
    if (r.isMapTag(tag)) {
      // A map where a class was declared (hessian-lite turns an `H` map into the declared class too).
      r.beginMap();
      const obj: Record<string, unknown> = {};
      r.addRef(obj);
      decoders ??= names.map((n) => decoderFor(fieldDescs[n]!));
      const seen = new Array<boolean>(names.length).fill(false);
      while (r.hasMore()) {
        const k = r.value();
        const i = typeof k === 'string' ? index.get(k) : undefined;
        if (i === undefined) {
          r.value();
        } else {
          seen[i] = true;
          setField(obj, k as string, decoders[i]!(r));
        }
      }
      r.endMap();
      const missing: number[] = [];
      for (let i = 0; i < names.length; i++) if (!seen[i]) missing.push(i);
      fillMissing(obj, missing);
      return obj;
    }
    if (r.isRefTag(tag)) {
      const v = r.value();
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw mismatch(r, desc, 'a back-reference to a non-object');
      return v;
    }
    throw mismatch(r, desc);
  };
}
