import type { TypeDesc } from '@meshlet/core';

/**
 * A call argument as Java's `String.valueOf` prints it on the provider's side of a Dubbo fleet, so
 * a consistent-hash key built here equals the key a Java consumer builds for the same call.
 *
 * Exact for strings, chars, enums, booleans, integers (int32 numbers, int64 bigints), doubles and
 * floats (JDK 19+'s shortest-digit `Double.toString`/`Float.toString`), null, and lists/sets of
 * those (`AbstractCollection.toString`: `[a, b]`). Java prints arrays, dates, maps and POJOs with
 * identity hashes, time zones or hash order, so no consumer in any language can reproduce those
 * keys; for them we produce a stable key of our own (JSON) and say so in the README.
 */
export function javaString(value: unknown, type?: TypeDesc): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'number':
      return javaNumber(value, type);
    case 'undefined':
      return 'null';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value) && type?.kind !== 'array') return javaCollection(value, type?.element);
      return stableJson(value);
    default:
      return String(value);
  }
}

function javaNumber(n: number, type: TypeDesc | undefined): string {
  switch (type?.kind) {
    case 'float64':
      return javaDouble(n);
    case 'float32':
      return javaFloat(n);
    case 'int8': case 'int16': case 'int32': case 'int64':
      return Number.isFinite(n) ? BigInt(Math.trunc(n)).toString() : String(n);
    default:
      // Untyped (`any`): the serializers send integral numbers as Java integers and the rest as doubles.
      return Number.isInteger(n) && Math.abs(n) < 2 ** 63 ? BigInt(n).toString() : javaDouble(n);
  }
}

function javaCollection(items: readonly unknown[], element: TypeDesc | undefined): string {
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ', ';
    out += javaString(items[i], element);
  }
  return `${out}]`;
}

/** `Double.toString`: plain decimal in [10^-3, 10^7), else `d.dddE±n`; always a fraction digit. */
export function javaDouble(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return 'Infinity';
  if (d === -Infinity) return '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(d);
  if (abs >= 1e-3 && abs < 1e7) {
    // JS switches to exponent form only outside [1e-7, 1e21), so this is plain decimal, and both
    // languages print the shortest digits that read back to the same double.
    const s = String(d);
    return s.includes('.') ? s : `${s}.0`;
  }
  // toExponential() without an argument also gives the shortest round-tripping digits.
  const [mantissa, exponent] = d.toExponential().split('e') as [string, string];
  const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${m}E${exponent.startsWith('+') ? exponent.slice(1) : exponent}`;
}

/** `Float.toString`: as `Double.toString`, with the fewest digits that read back to the same float. */
export function javaFloat(f: number): string {
  const value = Math.fround(f);
  if (!Number.isFinite(value) || value === 0) return javaDouble(value);
  for (let digits = 1; digits <= 9; digits++) {
    const shortest = Number(value.toPrecision(digits));
    if (Math.fround(shortest) === value) return javaDouble(shortest);
  }
  return javaDouble(value);
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Map) return [...v.entries()];
    if (v instanceof Set) return [...v.values()];
    return v;
  }) ?? String(value);
}
