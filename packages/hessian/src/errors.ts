import { Code, RpcError } from '@meshlet/core';

/** The one error every codec failure becomes: `RpcError` with `code === Code.Serialization`. */
export function serializationError(message: string, cause?: unknown): RpcError {
  return new RpcError(Code.Serialization, `hessian: ${message}`, cause === undefined ? {} : { cause });
}

/** Turns anything thrown inside the codec into a Serialization RpcError (RpcErrors pass through). */
export function asSerializationError(err: unknown, what: string): RpcError {
  if (err instanceof RpcError) return err;
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return serializationError(`${what}: nesting too deep for the JS stack`, err);
  }
  const message = err instanceof Error ? err.message : String(err);
  return serializationError(`${what}: ${message}`, err);
}
