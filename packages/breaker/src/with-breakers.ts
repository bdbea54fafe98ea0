import { Code, RpcError, type Candidate, type Endpoint, type Invocation, type LoadBalancer } from '@meshlet/core';
import type { BreakerSet } from './breaker-set.js';

/**
 * A balancer that only sees the endpoints whose breakers let calls through: open ones are left
 * out, a half-open one stays in until its probe is sent. While every breaker is closed a pick costs
 * one comparison more than the balancer's own. Otherwise the filtered list is rebuilt only when the
 * candidates or some breaker's state change, and handed over as the same array until then, so the
 * balancer's own per-list caches keep working.
 *
 * `update` is passed to both the balancer (when it has one) and the breakers, so a runtime that
 * tells its balancer the endpoint set shuts down departed endpoints' breakers too.
 */
export function withBreakers(balancer: LoadBalancer, breakers: BreakerSet): LoadBalancer & { update(endpoints: readonly Endpoint[]): void } {
  let lastIn: readonly Candidate[] | undefined;
  let lastVersion = -1;
  let lastOut: Candidate[] = [];
  const inner = balancer as LoadBalancer & { update?(endpoints: readonly Endpoint[]): void };
  return {
    name: balancer.name,
    pick<C extends Candidate>(candidates: readonly C[], invocation: Invocation): C {
      if (breakers.notClosed === 0) return balancer.pick(candidates, invocation);
      if (candidates !== lastIn || breakers.version !== lastVersion) {
        lastOut = candidates.filter((c) => breakers.allows(c.endpoint));
        lastIn = candidates;
        lastVersion = breakers.version;
      }
      if (lastOut.length === 0) {
        throw new RpcError(Code.Unavailable, `every endpoint's circuit breaker is open (${candidates.length} endpoint(s)); the call was not sent`);
      }
      return balancer.pick(lastOut as C[], invocation);
    },
    report(endpoint, latencyMs, error) {
      balancer.report?.(endpoint, latencyMs, error);
    },
    reporter: balancer.reporter === undefined ? undefined : (endpoint: Endpoint) => balancer.reporter!(endpoint),
    update(endpoints) {
      inner.update?.(endpoints);
      breakers.update(endpoints);
    },
  };
}
