import { Code, RpcError } from '../errors.js';
import type { Interceptor } from '../interceptor.js';
import type { Invocation } from '../invocation.js';

export interface FaultRule {
  /** Interface to affect; all when omitted. */
  readonly service?: string;
  /** Java method name to affect; all when omitted. */
  readonly method?: string;
  /** Delay this share (0–1) of matching calls by `delayMs`. */
  readonly delayShare?: number;
  readonly delayMs?: number;
  /** Fail this share (0–1) of matching calls with `abortCode`. */
  readonly abortShare?: number;
  readonly abortCode?: RpcError['code'];
}

/**
 * Fault injection for tests and drills: delays and aborts a share of calls. `rules` is read per
 * call, so a drill can change it at run time (pass a mutable array).
 */
export function faultInjection(rules: readonly FaultRule[], random: () => number = Math.random): Interceptor {
  const matches = (r: FaultRule, inv: Invocation) =>
    (r.service === undefined || r.service === inv.service.interface) && (r.method === undefined || r.method === inv.method.name);
  return (next) => async (inv) => {
    for (const r of rules) {
      if (!matches(r, inv)) continue;
      if (r.delayMs && random() < (r.delayShare ?? 0)) await new Promise((resolve) => setTimeout(resolve, r.delayMs));
      if (random() < (r.abortShare ?? 0)) {
        throw new RpcError(r.abortCode ?? Code.ServerError, `fault injected into ${inv.service.interface}.${inv.method.name}`);
      }
    }
    return next(inv);
  };
}
