import { Code, RpcError, type TypeDesc } from '@meshlet/core';

/**
 * JSON under a type descriptor: the payload format for methods that are not protobuf. Each
 * descriptor compiles once to an encoder (value → JSON-safe value) and a decoder (parsed JSON →
 * value), and both check the value against the descriptor, so nothing is silently rounded or cut:
 *
 * | kind | JSON |
 * | --- | --- |
 * | int8/16/32 | number (range-checked) |
 * | int64 | decimal string (a bigint in JS); a number is read only while it is a safe integer |
 * | float32/64 | number; `"NaN"`, `"Infinity"`, `"-Infinity"`, `"-0"` as strings |
 * | bytes | base64 string |
 * | date | epoch milliseconds |
 * | decimal | its exact decimal string |
 * | list/set/array | array |
 * | map | array of `[key, value]` entries (any key type; read back as a `Map`) |
 * | class | object with the declared fields in order (a class with no declared fields: as `any`) |
 * | enum | constant name |
 * | any | JSON for JSON's own types; the rest tagged: `{"$bigint": "1"}`, `{"$bytes": b64}`, `{"$date": ms}`, `{"$map": entries}`, `{"$set": items}`, `{"$num": "NaN"}`, and `{"$object": entries}` for objects with `$` keys |
 */
export interface JsonCodec {
  encode(value: unknown): unknown;
  decode(json: unknown): unknown;
}

/** Nesting limit for `any` values: deeper input is refused, not a stack overflow. */
const MAX_DEPTH = 64;

/** A failure deep inside a value, with the path to it; becomes one RpcError at the top. */
class PathError extends Error {
  constructor(readonly reason: string, readonly path: string[] = []) {
    super(reason);
  }
}

const cache = new WeakMap<TypeDesc, JsonCodec>();

/** The codec for a descriptor (compiled once per descriptor object). */
export function jsonCodec(desc: TypeDesc): JsonCodec {
  let codec = cache.get(desc);
  if (codec === undefined) {
    codec = compile(desc);
    cache.set(desc, codec);
  }
  return codec;
}

/** A PathError as a SERIALIZATION RpcError that names where it happened (`what` is the root); other errors as they are. */
export function located(err: unknown, what: string): unknown {
  return err instanceof PathError ? new RpcError(Code.Serialization, `${what}${err.path.join('')}: ${err.reason}`) : err;
}

function fail(reason: string): never {
  throw new PathError(reason);
}

function under<T>(segment: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof PathError) err.path.unshift(segment);
    throw err;
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof Map) return 'a Map';
  if (typeof v === 'string') return v.length > 20 ? `a string of ${v.length} chars` : `the string ${JSON.stringify(v)}`;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  return typeof v;
}

function compile(desc: TypeDesc): JsonCodec {
  const inner = compileKind(desc);
  if (!desc.nullable) {
    return {
      encode: (v) => (v === null || v === undefined ? fail(`null for ${desc.javaType}, which cannot be null`) : inner.encode(v)),
      decode: (j) => (j === null || j === undefined ? fail(`null for ${desc.javaType}, which cannot be null`) : inner.decode(j)),
    };
  }
  return {
    encode: (v) => (v === null || v === undefined ? null : inner.encode(v)),
    decode: (j) => (j === null || j === undefined ? null : inner.decode(j)),
  };
}

const INT_RANGE: Record<string, readonly [number, number]> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
};

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/**
 * Padded base64, with the length checked apart (a multiple of 4): the grouped pattern
 * `(?:[A-Za-z0-9+/]{4})*…` overflowed the regexp stack on strings of tens of MB (20 MiB of bytes).
 */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function compileKind(desc: TypeDesc): JsonCodec {
  switch (desc.kind) {
    case 'void':
      return { encode: () => null, decode: () => undefined };
    case 'bool':
      return same((v) => typeof v === 'boolean', 'a boolean');
    case 'int8':
    case 'int16':
    case 'int32': {
      const [min, max] = INT_RANGE[desc.kind]!;
      return same((v) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max, `an integer in ${desc.javaType} range`);
    }
    case 'int64':
      return { encode: encodeInt64, decode: decodeInt64 };
    case 'float32':
    case 'float64':
      return { encode: encodeFloat, decode: decodeFloat };
    case 'char':
      return same((v) => typeof v === 'string' && v.length === 1, 'a one-character string');
    case 'string':
      return same((v) => typeof v === 'string', 'a string');
    case 'bytes':
      return { encode: encodeBytes, decode: decodeBytes };
    case 'date':
      return { encode: encodeDate, decode: decodeDate };
    case 'decimal':
      return same((v) => typeof v === 'string' && DECIMAL.test(v), 'a decimal string');
    case 'enum': {
      const constants = new Set(desc.constants ?? []);
      return same((v) => typeof v === 'string' && constants.has(v), `one of ${[...constants].join(', ')}`);
    }
    case 'list':
    case 'set':
    case 'array':
      return listCodec(jsonCodec(desc.element ?? anyDesc), desc.kind === 'set');
    case 'map':
      return mapCodec(jsonCodec(desc.key ?? anyDesc), jsonCodec(desc.value ?? anyDesc));
    case 'class':
      if (desc.fields === undefined || Object.keys(desc.fields).length === 0) return anyCodec;
      return classCodec(desc);
    case 'any':
      return anyCodec;
  }
}

/** Kinds whose JSON form is the value itself: only checked. */
function same(ok: (v: unknown) => boolean, expected: string): JsonCodec {
  const check = (v: unknown) => (ok(v) ? v : fail(`expected ${expected}, got ${describe(v)}`));
  return { encode: check, decode: check };
}

function encodeInt64(v: unknown): string {
  if (typeof v === 'bigint') {
    if (v < INT64_MIN || v > INT64_MAX) fail(`${v} is outside the int64 range`);
    return v.toString();
  }
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return fail(`expected a bigint (int64), got ${describe(v)}`);
}

function decodeInt64(j: unknown): bigint {
  if (typeof j === 'string' && /^-?\d{1,19}$/.test(j)) {
    const v = BigInt(j);
    if (v >= INT64_MIN && v <= INT64_MAX) return v;
  }
  // A JSON number past 2^53 may already have been rounded by the parser: refuse it, never guess.
  if (typeof j === 'number' && Number.isSafeInteger(j)) return BigInt(j);
  return fail(`expected an int64 as a decimal string, got ${describe(j)}`);
}

function encodeFloat(v: unknown): number | string {
  if (typeof v !== 'number') return fail(`expected a number, got ${describe(v)}`);
  if (Number.isFinite(v) && !Object.is(v, -0)) return v;
  return Object.is(v, -0) ? '-0' : String(v);
}

function decodeFloat(j: unknown): number {
  if (typeof j === 'number') return j;
  switch (j) {
    case 'NaN': return NaN;
    case 'Infinity': return Infinity;
    case '-Infinity': return -Infinity;
    case '-0': return -0;
  }
  return fail(`expected a number, got ${describe(j)}`);
}

function encodeBytes(v: unknown): string {
  if (!(v instanceof Uint8Array)) return fail(`expected bytes (a Uint8Array), got ${describe(v)}`);
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

function decodeBytes(j: unknown): Buffer {
  if (typeof j !== 'string' || j.length % 4 !== 0 || !BASE64.test(j)) return fail(`expected base64 bytes, got ${describe(j)}`);
  return Buffer.from(j, 'base64');
}

function encodeDate(v: unknown): number {
  if (!(v instanceof Date) || Number.isNaN(v.getTime())) return fail(`expected a valid Date, got ${describe(v)}`);
  return v.getTime();
}

function decodeDate(j: unknown): Date {
  const ms = typeof j === 'number' ? j : typeof j === 'string' ? Date.parse(j) : NaN;
  const d = new Date(ms);
  if (!Number.isInteger(ms) || Number.isNaN(d.getTime())) return fail(`expected epoch milliseconds, got ${describe(j)}`);
  return d;
}

function listCodec(element: JsonCodec, acceptSet: boolean): JsonCodec {
  return {
    encode(v) {
      const items = Array.isArray(v) ? v : acceptSet && v instanceof Set ? [...v] : fail(`expected an array, got ${describe(v)}`);
      const out = new Array<unknown>(items.length);
      for (let i = 0; i < items.length; i++) out[i] = under(`[${i}]`, () => element.encode(items[i]));
      return out;
    },
    decode(j) {
      if (!Array.isArray(j)) return fail(`expected an array, got ${describe(j)}`);
      const out = new Array<unknown>(j.length);
      for (let i = 0; i < j.length; i++) out[i] = under(`[${i}]`, () => element.decode(j[i]));
      return out;
    },
  };
}

function mapCodec(key: JsonCodec, value: JsonCodec): JsonCodec {
  return {
    encode(v) {
      let entries: Iterable<[unknown, unknown]>;
      if (v instanceof Map) entries = v;
      else if (isPlainObject(v)) entries = Object.entries(v);
      else return fail(`expected a Map, got ${describe(v)}`);
      const out: unknown[] = [];
      for (const [k, x] of entries) {
        const i = out.length;
        out.push([under(`[${i}].key`, () => key.encode(k)), under(`[${i}].value`, () => value.encode(x))]);
      }
      return out;
    },
    decode(j) {
      const out = new Map<unknown, unknown>();
      if (Array.isArray(j)) {
        for (let i = 0; i < j.length; i++) {
          const e = j[i] as unknown;
          if (!Array.isArray(e) || e.length !== 2) fail(`map entry [${i}] is not a [key, value] pair`);
          out.set(under(`[${i}].key`, () => key.decode(e[0])), under(`[${i}].value`, () => value.decode(e[1])));
        }
        return out;
      }
      // Jackson (Spring) writes string-keyed maps as objects: read those too.
      if (isPlainObject(j)) {
        for (const k of Object.keys(j)) out.set(under(`.${k}`, () => key.decode(k)), under(`.${k}`, () => value.decode(j[k])));
        return out;
      }
      return fail(`expected map entries, got ${describe(j)}`);
    },
  };
}

function classCodec(desc: TypeDesc): JsonCodec {
  const fields = Object.entries(desc.fields!).map(([name, d]) => [name, jsonCodec(d), d.nullable] as const);
  return {
    encode(v) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(`expected a ${desc.javaType} object, got ${describe(v)}`);
      const o = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [name, codec] of fields) out[name] = under(`.${name}`, () => codec.encode(o[name]));
      return out;
    },
    decode(j) {
      if (!isPlainObject(j)) return fail(`expected a ${desc.javaType} object, got ${describe(j)}`);
      const out: Record<string, unknown> = {};
      for (const [name, codec, nullable] of fields) {
        const x = Object.hasOwn(j, name) ? j[name] : undefined;
        if (x === undefined && !nullable) fail(`${desc.javaType} has no field ${name}`);
        out[name] = under(`.${name}`, () => codec.decode(x));
      }
      return out;
    },
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

const anyDesc: TypeDesc = Object.freeze({ kind: 'any', javaType: 'java.lang.Object', nullable: true });

const anyCodec: JsonCodec = {
  encode: (v) => encodeAny(v, 0),
  decode: (j) => decodeAny(j, 0),
};

function encodeAny(v: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
  switch (typeof v) {
    case 'undefined':
      return null;
    case 'boolean':
    case 'string':
      return v;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0) ? v : { $num: Object.is(v, -0) ? '-0' : String(v) };
    case 'bigint':
      return { $bigint: v.toString() };
    case 'object':
      break;
    default:
      return fail(`cannot send a ${typeof v}`);
  }
  if (v === null) return null;
  if (Array.isArray(v)) return v.map((x, i) => under(`[${i}]`, () => encodeAny(x, depth + 1)));
  if (v instanceof Uint8Array) return { $bytes: encodeBytes(v) };
  if (v instanceof Date) return { $date: encodeDate(v) };
  if (v instanceof Map) return { $map: [...v].map(([k, x], i) => [under(`[${i}].key`, () => encodeAny(k, depth + 1)), under(`[${i}].value`, () => encodeAny(x, depth + 1))]) };
  if (v instanceof Set) return { $set: [...v].map((x, i) => under(`[${i}]`, () => encodeAny(x, depth + 1))) };
  const keys = Object.keys(v);
  if (keys.some((k) => k.charCodeAt(0) === 0x24)) {
    return { $object: keys.map((k) => [k, under(`.${k}`, () => encodeAny((v as Record<string, unknown>)[k], depth + 1))]) };
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) defineField(out, k, under(`.${k}`, () => encodeAny((v as Record<string, unknown>)[k], depth + 1)));
  return out;
}

function decodeAny(j: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
  if (j === null || typeof j !== 'object') return j;
  if (Array.isArray(j)) return j.map((x, i) => under(`[${i}]`, () => decodeAny(x, depth + 1)));
  const o = j as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && keys[0]!.charCodeAt(0) === 0x24) return decodeTagged(keys[0]!, o[keys[0]!], depth);
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    if (k.charCodeAt(0) === 0x24) fail(`key ${JSON.stringify(k)}: keys starting with $ only appear in tagged values`);
    defineField(out, k, under(`.${k}`, () => decodeAny(o[k], depth + 1)));
  }
  return out;
}

function decodeTagged(tag: string, x: unknown, depth: number): unknown {
  switch (tag) {
    case '$num':
      return decodeFloat(x);
    case '$bigint':
      if (typeof x === 'string' && /^-?\d{1,4096}$/.test(x)) return BigInt(x);
      return fail(`$bigint must be a decimal string, got ${describe(x)}`);
    case '$bytes':
      return decodeBytes(x);
    case '$date':
      return decodeDate(x);
    case '$map':
      return new Map(pairs(x).map(([k, v], i) => [under(`[${i}].key`, () => decodeAny(k, depth + 1)), under(`[${i}].value`, () => decodeAny(v, depth + 1))]));
    case '$set':
      if (!Array.isArray(x)) return fail(`$set must be an array, got ${describe(x)}`);
      return new Set(x.map((v, i) => under(`[${i}]`, () => decodeAny(v, depth + 1))));
    case '$object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of pairs(x)) {
        if (typeof k !== 'string') fail(`$object keys must be strings, got ${describe(k)}`);
        defineField(out, k, under(`.${k}`, () => decodeAny(v, depth + 1)));
      }
      return out;
    }
  }
  return fail(`unknown tag ${JSON.stringify(tag)}`);
}

function pairs(x: unknown): [unknown, unknown][] {
  if (!Array.isArray(x) || !x.every((e) => Array.isArray(e) && e.length === 2)) fail(`expected [key, value] entries, got ${describe(x)}`);
  return x as [unknown, unknown][];
}

/** An own data property even for `__proto__`: decoded keys never reach a prototype. */
function defineField(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}
