import { Code, RpcError } from '../errors.js';
import type { Interceptor } from '../interceptor.js';

export interface RateLimitOptions {
  /** Sustained calls per second. */
  readonly rate: number;
  /** Calls that may arrive at once above the rate (the bucket's size); `rate` by default. */
  readonly burst?: number;
  /** Limit per service (default) or one bucket for everything. */
  readonly per?: 'service' | 'all';
}

/** A token bucket for the server side: calls over the rate fail with SERVER_BUSY ("overloaded"). */
export function rateLimit(options: RateLimitOptions): Interceptor {
  const burst = options.burst ?? options.rate;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return (next) => (inv) => {
    const key = options.per === 'all' ? '' : inv.service.interface;
    const now = Date.now();
    let b = buckets.get(key);
    if (b === undefined) buckets.set(key, (b = { tokens: burst, at: now }));
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * options.rate);
    b.at = now;
    if (b.tokens < 1) {
      return Promise.reject(new RpcError(Code.ServerBusy, `${key || 'server'} overloaded: over ${options.rate} calls/s`));
    }
    b.tokens -= 1;
    return next(inv);
  };
}
