// Readers of the decoded resources' small values (protobufjs toObject, the @meshlet/xds contract):
// Durations as { seconds, nanos }, wrappers as { value } (a wrapper holding 0 arrives as {}, since
// defaults are left out), FractionalPercent with its denominator enum as a name.

/** A decoded message: camelCase fields, Anys as { '@type', ...fields }. */
export type Obj = { readonly [field: string]: unknown };

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

export function obj(v: unknown): Obj | undefined {
  return isObj(v) ? v : undefined;
}

export function list(v: unknown): readonly Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** google.protobuf.Duration in ms (also proto3 JSON's "1.5s"); undefined when absent or malformed. */
export function durationMs(v: unknown): number | undefined {
  if (typeof v === 'string') {
    const m = /^(-?\d+(?:\.\d+)?)s$/.exec(v.trim());
    return m ? Number(m[1]) * 1000 : undefined;
  }
  const d = obj(v);
  if (d === undefined) return undefined;
  const seconds = num(d.seconds) ?? 0;
  const nanos = num(d.nanos) ?? 0;
  const ms = seconds * 1000 + nanos / 1e6;
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/** A UInt32Value / BoolValue wrapper or a bare number: {} is 0 (defaults are left out), absent is undefined. */
export function wrapped(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' || typeof v === 'string') return num(v);
  const w = obj(v);
  if (w === undefined) return undefined;
  if (w.value === undefined) return 0;
  return typeof w.value === 'boolean' ? (w.value ? 1 : 0) : num(w.value);
}

export function wrappedBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  const n = wrapped(v);
  return n === undefined ? undefined : n !== 0;
}

const DENOMINATORS: Readonly<Record<string, number>> = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 };

/** envoy.type.v3.FractionalPercent as a share in [0, 1]; absent: undefined. */
export function fraction(v: unknown): number | undefined {
  const f = obj(v);
  if (f === undefined) return undefined;
  const numerator = num(f.numerator) ?? 0;
  const denominator = typeof f.denominator === 'number'
    ? [100, 10_000, 1_000_000][f.denominator] ?? 100
    : DENOMINATORS[str(f.denominator) ?? 'HUNDRED'] ?? 100;
  return Math.min(1, Math.max(0, numerator / denominator));
}

/** google.protobuf.Struct as protobufjs gives it ({ fields: { k: { stringValue } } }) or already plain: the string values. */
export function structStrings(v: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  const s = obj(v);
  if (s === undefined) return out;
  const fields = obj(s.fields);
  const source = fields ?? s;
  for (const key of Object.keys(source)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    const value = source[key];
    const inner = fields ? obj(value) : undefined;
    const text = inner !== undefined
      ? str(inner.stringValue) ?? (inner.numberValue !== undefined ? String(inner.numberValue) : inner.boolValue !== undefined ? String(inner.boolValue) : undefined)
      : typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
    if (text !== undefined) out[key] = text;
  }
  return out;
}

/** The type name of an Any's '@type' (after the last '/'). */
export function typeName(v: Obj | undefined): string {
  const t = str(v?.['@type']) ?? '';
  return t.slice(t.lastIndexOf('/') + 1);
}
