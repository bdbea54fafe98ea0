import type { TypeDesc } from '@meshlet/core';
import { serializationError } from './errors.js';
import { hessianArrayType, listTypeName, mapTypeName, setTypeName } from './type-names.js';
import type { ValueWriter } from './write/values.js';

/** Writes one value as the Java type of the descriptor it was compiled from. */
export type Encoder = (w: ValueWriter, v: unknown) => void;

const cache = new WeakMap<TypeDesc, Encoder>();

/** The compiled encoder of `desc` (compiled once per descriptor object, then cached). */
export function encoderFor(desc: TypeDesc): Encoder {
  let enc = cache.get(desc);
  if (enc !== undefined) return enc;
  // A placeholder first, so a descriptor that (indirectly) contains itself compiles.
  let real: Encoder | undefined;
  cache.set(desc, (w, v) => real!(w, v));
  real = compile(desc);
  cache.set(desc, real);
  return real;
}

function compile(desc: TypeDesc): Encoder {
  if (desc.kind === 'any') return (w, v) => w.writeValue(v);
  if (desc.kind === 'void') return (w) => w.writeNull();
  const inner = compileNonNull(desc);
  if (desc.nullable) {
    return (w, v) => {
      if (v === null || v === undefined) w.writeNull();
      else inner(w, v);
    };
  }
  const javaType = desc.javaType;
  return (w, v) => {
    if (v === null || v === undefined) throw serializationError(`${String(v)} for Java primitive ${javaType}`);
    inner(w, v);
  };
}

function mismatch(desc: TypeDesc, v: unknown): Error {
  const shown = typeof v === 'string' ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)
    : typeof v === 'bigint' ? `${v}n`
    : typeof v === 'object' ? (Array.isArray(v) ? 'an array' : `a ${(v as object).constructor?.name ?? 'null-prototype object'}`)
    : Object.is(v, -0) ? '-0' : String(v);
  return serializationError(`${shown} is not a valid ${desc.kind} (${desc.javaType})`);
}

function intRange(desc: TypeDesc, min: number, max: number): Encoder {
  return (w, v) => {
    let n = v;
    if (typeof n === 'bigint' && n >= BigInt(min) && n <= BigInt(max)) n = Number(n);
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw mismatch(desc, v);
    w.writeInt(n);
  };
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const DECIMAL_FIELDS: readonly string[] = Object.freeze(['value']);
const ENUM_FIELDS: readonly string[] = Object.freeze(['name']);

function compileNonNull(desc: TypeDesc): Encoder {
  switch (desc.kind) {
    case 'bool':
      return (w, v) => {
        if (typeof v !== 'boolean') throw mismatch(desc, v);
        w.writeBool(v);
      };
    case 'int8':
      return intRange(desc, -128, 127);
    case 'int16':
      return intRange(desc, -32768, 32767);
    case 'int32':
      return (w, v) => {
        if (typeof v === 'number' && (v | 0) === v) w.writeInt(v);
        else if (typeof v === 'bigint' && v >= -0x80000000n && v <= 0x7fffffffn) w.writeInt(Number(v));
        else throw mismatch(desc, v);
      };
    case 'int64':
      return (w, v) => {
        if (typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v))) {
          w.writeLong(v);
        } else if (typeof v === 'number' && Number.isInteger(v)) {
          throw serializationError(`${v} is beyond 2^53 and may have lost precision: pass int64 (${desc.javaType}) values as bigint`);
        } else {
          throw mismatch(desc, v);
        }
      };
    case 'float32':
    case 'float64':
      return (w, v) => {
        if (typeof v !== 'number') throw mismatch(desc, v);
        w.writeDouble(v);
      };
    case 'char':
      return (w, v) => {
        if (typeof v !== 'string' || v.length !== 1) throw mismatch(desc, v);
        w.writeString(v);
      };
    case 'string':
      return (w, v) => {
        if (typeof v !== 'string') throw mismatch(desc, v);
        w.writeString(v);
      };
    case 'bytes':
      return (w, v) => {
        if (!(v instanceof Uint8Array)) throw mismatch(desc, v);
        w.writeBytes(v);
      };
    case 'date':
      return (w, v) => {
        if (v instanceof Date || typeof v === 'number') w.writeDate(v);
        else throw mismatch(desc, v);
      };
    case 'decimal': {
      const javaType = desc.javaType;
      return (w, v) => {
        const s = typeof v === 'string' ? v : typeof v === 'bigint' || (typeof v === 'number' && Number.isFinite(v)) ? String(v) : null;
        if (s === null || !DECIMAL.test(s)) throw mismatch(desc, v);
        w.objectBegin(javaType, DECIMAL_FIELDS);
        w.writeString(s);
        w.objectEnd();
      };
    }
    case 'enum': {
      const javaType = desc.javaType;
      const constants = desc.constants !== undefined && desc.constants.length > 0 ? new Set(desc.constants) : null;
      return (w, v) => {
        const name = typeof v === 'string' ? v : typeof v === 'object' && v !== null && typeof (v as { name?: unknown }).name === 'string' ? (v as { name: string }).name : null;
        if (name === null || (constants !== null && !constants.has(name))) throw mismatch(desc, v);
        w.objectBegin(javaType, ENUM_FIELDS);
        w.writeString(name);
        w.objectEnd();
      };
    }
    case 'list':
    case 'set':
      return collection(desc, desc.kind === 'list' ? listTypeName(desc.javaType) : setTypeName(desc.javaType));
    case 'array':
      return array(desc);
    case 'map':
      return map(desc);
    case 'class':
      return pojo(desc);
    default:
      throw serializationError(`descriptor kind ${String(desc.kind)} cannot be encoded`);
  }
}

function elementEncoder(desc: TypeDesc): Encoder {
  return desc.element === undefined ? (w, v) => w.writeValue(v) : encoderFor(desc.element);
}

function collection(desc: TypeDesc, type: string | null): Encoder {
  const elem = elementEncoder(desc);
  return (w, v) => {
    if (Array.isArray(v)) {
      if (w.refOrRemember(v)) return;
      w.listBegin(v.length, type);
      for (let i = 0; i < v.length; i++) elem(w, v[i]);
      w.listEnd();
    } else if (v instanceof Set) {
      if (w.refOrRemember(v)) return;
      w.listBegin(v.size, type);
      for (const item of v) elem(w, item);
      w.listEnd();
    } else {
      throw mismatch(desc, v);
    }
  };
}

function array(desc: TypeDesc): Encoder {
  if (desc.javaType === '[B') {
    // byte[] is binary in Hessian.
    return (w, v) => {
      if (v instanceof Uint8Array) return w.writeBytes(v);
      if (!Array.isArray(v)) throw mismatch(desc, v);
      const out = Buffer.allocUnsafe(v.length);
      for (let i = 0; i < v.length; i++) {
        const n: unknown = v[i];
        if (typeof n !== 'number' || !Number.isInteger(n) || n < -128 || n > 255) throw mismatch(desc, v);
        out[i] = n & 0xff;
      }
      w.writeBytes(out);
    };
  }
  if (desc.javaType === '[C') {
    // char[] is a string in Hessian.
    return (w, v) => {
      if (typeof v === 'string') return w.writeString(v);
      if (!Array.isArray(v) || !v.every((c) => typeof c === 'string' && c.length === 1)) throw mismatch(desc, v);
      w.writeString(v.join(''));
    };
  }
  return collection(desc, hessianArrayType(desc));
}

function map(desc: TypeDesc): Encoder {
  const type = mapTypeName(desc.javaType);
  const key = desc.key === undefined ? (w: ValueWriter, v: unknown) => w.writeValue(v) : encoderFor(desc.key);
  const value = desc.value === undefined ? (w: ValueWriter, v: unknown) => w.writeValue(v) : encoderFor(desc.value);
  const keyKind = desc.key?.kind;
  // Plain-object keys are strings; numeric key descriptors take them as the numbers they spell.
  const fromString = keyKind === 'int8' || keyKind === 'int16' || keyKind === 'int32' || keyKind === 'float32' || keyKind === 'float64'
    ? (k: string): unknown => Number(k)
    : keyKind === 'int64' ? (k: string): unknown => toBigInt(k) : null;
  return (w, v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw mismatch(desc, v);
    if (w.refOrRemember(v)) return;
    w.mapBegin(type);
    if (v instanceof Map) {
      for (const [k, val] of v) {
        key(w, k);
        value(w, val);
      }
    } else {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        key(w, fromString === null ? k : fromString(k));
        value(w, o[k]);
      }
    }
    w.mapEnd();
  };
}

function toBigInt(k: string): unknown {
  try {
    return BigInt(k);
  } catch {
    return k; // the key encoder reports the mismatch
  }
}

function pojo(desc: TypeDesc): Encoder {
  const javaType = desc.javaType;
  const fieldDescs = desc.fields ?? {};
  const names: readonly string[] = Object.freeze(Object.keys(fieldDescs));
  const inherited = names.map((n) => n in Object.prototype);
  // Compiled lazily so that a class whose fields refer back to it compiles.
  let encoders: Encoder[] | undefined;
  return (w, v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Map) throw mismatch(desc, v);
    if (w.refOrRemember(v)) return;
    encoders ??= names.map((n) => encoderFor(fieldDescs[n]!));
    const o = v as Record<string, unknown>;
    w.objectBegin(javaType, names);
    let i = 0;
    try {
      for (; i < names.length; i++) {
        const name = names[i]!;
        // Only own fields: `constructor`, `toString`, ... must not be read off Object.prototype.
        encoders[i]!(w, inherited[i] && !Object.hasOwn(o, name) ? undefined : o[name]);
      }
    } catch (err) {
      throw prefixed(err, `${javaType}.${names[i]}`);
    }
    w.objectEnd();
  };
}

function prefixed(err: unknown, path: string): unknown {
  if (err instanceof Error && err.message.startsWith('hessian: ')) {
    err.message = `hessian: ${path}: ${err.message.slice('hessian: '.length)}`;
  }
  return err;
}
