import { t, toWire, type GenericCall, type GenericWireCall, type TypeDesc } from '@meshlet/core';

/**
 * A generic call over RSocket: the typed call its Java types describe, with JSON payloads. The one
 * difference from other protocols: a POJO's fields are untyped here (the caller gave only the
 * class name), and the JSON codec writes an untyped bigint as `{"$bigint": …}`, which a provider
 * reading a declared `long` field refuses; the codec's own form of a long field is its decimal
 * string, so longs inside POJOs go as that.
 */
export function rsocketGenericCall(call: GenericCall): GenericWireCall {
  return {
    method: { name: call.method, params: call.params, returns: t.any },
    args: call.args.map((a, i) => {
      const p = call.params[i]!;
      return inPojo(p) ? longsAsStrings(toWire(a, p)) : toWire(a, p);
    }),
  };
}

function inPojo(desc: TypeDesc): boolean {
  return desc.kind === 'class' || (desc.element !== undefined && inPojo(desc.element));
}

function longsAsStrings(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(longsAsStrings);
  if (value === null || typeof value !== 'object' || value instanceof Date || value instanceof Uint8Array) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = longsAsStrings(v);
  return out;
}
