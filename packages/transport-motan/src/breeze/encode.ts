import { compiledFor, isPrimitive, type TypeDesc } from '@meshlet/core';
import { mismatch } from '../wire/errors.js';
import { byteArray, intIn, int64, listItems, mapEntries, objectFields, wrongValue } from '../wire/values.js';
import type { ByteWriter } from '../wire/writer.js';
import { writeAny } from './any.js';
import { classLayout, messageName, type BreezeFieldIndexes } from './schema.js';
import { BreezeTag as T } from './tags.js';
import { writeInt32, writeInt64, writeMessageType, writeString, writeStringBody } from './wire.js';

export type Writer = (w: ByteWriter, v: unknown) => void;

/** How one descriptor's values are written, in both places breeze puts values. */
export interface WritePlan {
  /** With its type byte; null where the descriptor allows it. */
  readonly typed: Writer;
  /** The type byte(s) a packed container declares once for all its elements. */
  readonly type: (w: ByteWriter) => void;
  /** Without a type byte: an element of a packed container. Never null. */
  readonly body: Writer;
  /** False for `java.lang.Object`, whose elements each need their own type byte. */
  readonly packable: boolean;
}

/** Java primitives at their zero value are left out of messages, as breeze Java and Go do. */
function isDefault(desc: TypeDesc, v: unknown): boolean {
  if (desc.nullable || !isPrimitive(desc)) return false;
  return v === false || v === 0n || Object.is(v, 0);
}

const ANY: WritePlan = {
  typed: writeAny,
  type: () => { throw mismatch('java.lang.Object cannot be a packed element type'); },
  body: () => { throw mismatch('java.lang.Object cannot be a packed element'); },
  packable: false,
};

/**
 * Compiles breeze writers from descriptors, once per descriptor. Collections with a declared
 * element type go packed (Java's TypePackedArray / TypePackedMap); classes go as messages.
 */
export class BreezeWriters {
  private readonly cache = new WeakMap<TypeDesc, WritePlan>();

  constructor(private readonly indexes: BreezeFieldIndexes | undefined) {}

  plan(desc: TypeDesc): WritePlan {
    return compiledFor(this.cache, desc, (d) => this.compile(d), (real) => ({
      typed: (w, v) => real().typed(w, v),
      type: (w) => real().type(w),
      body: (w, v) => real().body(w, v),
      get packable() { return real().packable; },
    }));
  }

  writer(desc: TypeDesc): Writer {
    return this.plan(desc).typed;
  }

  private compile(desc: TypeDesc): WritePlan {
    if (desc.kind === 'any') return ANY;
    if (desc.kind === 'void') return { ...ANY, typed: (w) => w.u8(T.NULL) };
    const p = this.compileValue(desc);
    const { typed } = p;
    const { nullable, javaType } = desc;
    return {
      ...p,
      typed: (w, v) => {
        if (v === null || v === undefined) {
          if (!nullable) throw mismatch(`${String(v)} for Java primitive ${javaType}`);
          w.u8(T.NULL);
        } else {
          typed(w, v);
        }
      },
    };
  }

  private compileValue(desc: TypeDesc): WritePlan {
    switch (desc.kind) {
      case 'bool': {
        const body: Writer = (w, v) => {
          if (typeof v !== 'boolean') throw wrongValue(desc, v);
          w.u8(v ? T.TRUE : T.FALSE);
        };
        return { typed: body, type: (w) => w.u8(T.TRUE), body, packable: true };
      }
      case 'int8':
        return scalar(T.BYTE, (w, v) => w.u8(intIn(desc, v, -128, 127) & 0xff));
      case 'int16':
        return scalar(T.INT16, (w, v) => w.u16(intIn(desc, v, -32768, 32767)));
      case 'int32': {
        const n = (v: unknown) => (typeof v === 'number' && (v | 0) === v ? v : intIn(desc, v, -0x80000000, 0x7fffffff));
        return { typed: (w, v) => writeInt32(w, n(v)), type: (w) => w.u8(T.INT32), body: (w, v) => w.zigzag32(n(v)), packable: true };
      }
      case 'int64':
        return { typed: (w, v) => writeInt64(w, int64(desc, v)), type: (w) => w.u8(T.INT64), body: (w, v) => w.zigzag64(int64(desc, v)), packable: true };
      case 'float32':
        return scalar(T.FLOAT32, (w, v) => {
          if (typeof v !== 'number') throw wrongValue(desc, v);
          w.f32(v);
        });
      case 'float64':
        return scalar(T.FLOAT64, (w, v) => {
          if (typeof v !== 'number') throw wrongValue(desc, v);
          w.f64(v);
        });
      case 'char':
      case 'string':
        return {
          typed: (w, v) => {
            if (typeof v !== 'string' || (desc.kind === 'char' && v.length !== 1)) throw wrongValue(desc, v);
            writeString(w, v);
          },
          type: (w) => w.u8(T.STRING),
          body: (w, v) => {
            if (typeof v !== 'string' || (desc.kind === 'char' && v.length !== 1)) throw wrongValue(desc, v);
            writeStringBody(w, v);
          },
          packable: true,
        };
      case 'bytes':
        return bytes(desc);
      case 'date':
        // breeze Java's DateSerializer: a java.util.Date message, field 1 = epoch millis.
        return singleField('java.util.Date', (w, v) => {
          const ms = v instanceof Date ? v.getTime() : v;
          if (typeof ms !== 'number' || !Number.isSafeInteger(ms)) throw wrongValue(desc, v);
          writeInt64(w, BigInt(ms));
        });
      case 'decimal':
        // BigDecimalSerializer: field 1 = the decimal string.
        return singleField('java.math.BigDecimal', (w, v) => {
          const s = typeof v === 'bigint' || typeof v === 'number' ? String(v) : v;
          if (typeof s !== 'string') throw wrongValue(desc, v);
          writeString(w, s);
        });
      case 'enum': {
        // EnumSerializer without a schema: field 1 = the constant's name.
        const constants = desc.constants?.length ? new Set(desc.constants) : undefined;
        return singleField(messageName(desc.javaType), (w, v) => {
          if (typeof v !== 'string' || (constants !== undefined && !constants.has(v))) throw wrongValue(desc, v);
          writeString(w, v);
        });
      }
      case 'list':
      case 'set':
      case 'array':
        return desc.javaType === '[B' ? bytes(desc) : this.list(desc);
      case 'map':
        return this.map(desc);
      case 'class':
        return this.message(desc);
      default:
        throw mismatch(`descriptor kind ${String(desc.kind)} cannot be encoded with breeze`);
    }
  }

  private list(desc: TypeDesc): WritePlan {
    const e = desc.element === undefined ? ANY : this.plan(desc.element);
    const items = (v: unknown) => listItems(desc, v);
    const packedBody = (w: ByteWriter, xs: readonly unknown[]) => {
      w.varint(xs.length);
      if (xs.length === 0) return; // no element type for an empty packed array
      e.type(w);
      for (let i = 0; i < xs.length; i++) {
        const x = xs[i];
        if (x === null || x === undefined) throw mismatch(`null inside a packed ${desc.javaType}`);
        e.body(w, x);
      }
    };
    const typedBody = (w: ByteWriter, xs: readonly unknown[]) => {
      w.varint(xs.length);
      for (let i = 0; i < xs.length; i++) e.typed(w, xs[i]);
    };
    return {
      typed: (w, v) => {
        const xs = items(v);
        if (e.packable && !xs.some((x) => x === null || x === undefined)) {
          w.u8(T.PACKED_ARRAY);
          packedBody(w, xs);
        } else {
          // Breeze cannot pack a null: such a list (and a list of Object) types every element.
          w.u8(T.ARRAY);
          typedBody(w, xs);
        }
      },
      type: (w) => w.u8(e.packable ? T.PACKED_ARRAY : T.ARRAY),
      body: (w, v) => (e.packable ? packedBody(w, items(v)) : typedBody(w, items(v))),
      packable: true,
    };
  }

  private map(desc: TypeDesc): WritePlan {
    const k = desc.key === undefined ? ANY : this.plan(desc.key);
    const x = desc.value === undefined ? ANY : this.plan(desc.value);
    const packable = k.packable && x.packable;
    const entries = (v: unknown): [unknown, unknown][] => {
      const es = mapEntries(desc, v);
      return es instanceof Map ? [...es] : es;
    };
    const packedBody = (w: ByteWriter, es: [unknown, unknown][]) => {
      w.varint(es.length);
      if (es.length === 0) return;
      k.type(w);
      x.type(w);
      for (const [key, value] of es) {
        if (key === null || key === undefined || value === null || value === undefined) throw mismatch(`null inside a packed ${desc.javaType}`);
        k.body(w, key);
        x.body(w, value);
      }
    };
    const typedBody = (w: ByteWriter, es: [unknown, unknown][]) => {
      w.varint(es.length);
      for (const [key, value] of es) {
        k.typed(w, key);
        x.typed(w, value);
      }
    };
    const hasNull = (es: [unknown, unknown][]) => es.some(([a, b]) => a === null || a === undefined || b === null || b === undefined);
    return {
      typed: (w, v) => {
        const es = entries(v);
        if (packable && !hasNull(es)) {
          w.u8(T.PACKED_MAP);
          packedBody(w, es);
        } else {
          w.u8(T.MAP);
          typedBody(w, es);
        }
      },
      type: (w) => w.u8(packable ? T.PACKED_MAP : T.MAP),
      body: (w, v) => (packable ? packedBody(w, entries(v)) : typedBody(w, entries(v))),
      packable: true,
    };
  }

  /** A class as a breeze message: its fields by index, nulls and primitive zeros left out. */
  private message(desc: TypeDesc): WritePlan {
    const layout = classLayout(desc, this.indexes);
    const { name, fields } = layout;
    let plans: WritePlan[] | undefined;
    const body: Writer = (w, v) => {
      const o = objectFields(desc, v);
      plans ??= fields.map((f) => this.plan(f.desc));
      const at = w.reserve(4);
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i]!;
        const x = o[f.name];
        if (x === null || x === undefined || isDefault(f.desc, x)) continue;
        w.varint(f.index);
        plans[i]!.typed(w, x);
      }
      w.patchLength(at);
    };
    return messagePlan(name, body);
  }
}

function scalar(tag: number, body: Writer): WritePlan {
  return {
    typed: (w, v) => {
      w.u8(tag);
      body(w, v);
    },
    type: (w) => w.u8(tag),
    body,
    packable: true,
  };
}

function bytes(desc: TypeDesc): WritePlan {
  return scalar(T.BYTES, (w, v) => {
    const b = byteArray(desc, v);
    w.u32(b.length);
    w.bytes(b);
  });
}

/** A message with one field (index 1), how breeze Java writes dates, decimals and enums. */
function singleField(name: string, field: Writer): WritePlan {
  const body: Writer = (w, v) => {
    const at = w.reserve(4);
    w.varint(1);
    field(w, v);
    w.patchLength(at);
  };
  return messagePlan(name, body);
}

/** A message type: its name, then `body` (the length-prefixed fields). */
function messagePlan(name: string, body: Writer): WritePlan {
  return {
    typed: (w, v) => {
      writeMessageType(w, name);
      body(w, v);
    },
    type: (w) => writeMessageType(w, name),
    body,
    packable: true,
  };
}
