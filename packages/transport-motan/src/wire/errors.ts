import { Code, RpcError } from '@meshlet/core';

/** Bytes that break the format: truncated values, unknown tags, wrong container sizes. */
export function malformed(message: string): RpcError {
  return new RpcError(Code.Protocol, `motan: ${message}`);
}

/** A value that does not fit its declared type, in either direction. */
export function mismatch(message: string): RpcError {
  return new RpcError(Code.Serialization, `motan: ${message}`);
}

/** Turns anything a codec threw into an RpcError; a blown JS stack means input nested too deep. */
export function asRpcError(err: unknown, fallback: Code): RpcError {
  if (err instanceof RpcError) return err;
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return new RpcError(Code.Protocol, 'motan: value nested too deep', { cause: err });
  }
  return new RpcError(fallback, `motan: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/** How a value is shown in an error message: short, and never the whole of a big string. */
export function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'object') return Array.isArray(v) ? 'an array' : `a ${(v as object).constructor?.name ?? 'null-prototype object'}`;
  return Object.is(v, -0) ? '-0' : String(v);
}
