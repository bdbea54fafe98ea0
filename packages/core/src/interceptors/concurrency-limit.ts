import { Code, RpcError } from '../errors.js';
import type { Interceptor } from '../interceptor.js';
import type { Invocation } from '../invocation.js';

export interface ConcurrencyLimitOptions {
  /** Calls in flight allowed per key. */
  readonly max: number;
  /** What shares a limit: the service (default) or each method. */
  readonly per?: 'service' | 'method';
}

/**
 * A bulkhead: at most `max` calls in flight per service (or method); the rest fail at once with
 * SERVER_BUSY, which each protocol answers in its own "overloaded" form (Dubbo status 100).
 * Works on either side: as a client interceptor it protects the caller, as a server one the provider.
 */
export function concurrencyLimit(options: ConcurrencyLimitOptions): Interceptor {
  const inFlight = new Map<string, number>();
  const keyOf = options.per === 'method'
    ? (inv: Invocation) => `${inv.service.interface}#${inv.method.name}`
    : (inv: Invocation) => inv.service.interface;
  return (next) => async (inv) => {
    const key = keyOf(inv);
    const n = inFlight.get(key) ?? 0;
    if (n >= options.max) {
      throw new RpcError(Code.ServerBusy, `${key}: ${n} calls in flight, the limit is ${options.max}`);
    }
    inFlight.set(key, n + 1);
    try {
      return await next(inv);
    } finally {
      const left = inFlight.get(key)! - 1;
      if (left === 0) inFlight.delete(key);
      else inFlight.set(key, left);
    }
  };
}
