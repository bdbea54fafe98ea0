import type { EndpointBreakers, Interceptor, LoadBalancer } from '@meshlet/core';
import { isAgentEndpoint, type FallbackRegistry } from '@meshlet/registry';

/**
 * Client-side balancing steps aside in sidecar mode: the agent's endpoint whenever it is among
 * the usable candidates, the inner balancer over the others only when it is not — the direct
 * standby set, during the moments between an agent failing and its health check noticing.
 */
export function sidecarBalancer(inner: LoadBalancer): LoadBalancer {
  return {
    name: `sidecar+${inner.name}`,
    pick(candidates, invocation) {
      for (const c of candidates) if (isAgentEndpoint(c.endpoint)) return c;
      return inner.pick(candidates, invocation);
    },
    report: inner.report && ((endpoint, latencyMs, error) => {
      if (!isAgentEndpoint(endpoint)) inner.report!(endpoint, latencyMs, error);
    }),
    update: inner.update && ((endpoints) => inner.update!(endpoints.filter((e) => !isAgentEndpoint(e)))),
    // Admin views: the agent's endpoint has no estimate (nothing is learnt about it).
    latencyOf: inner.latencyOf && ((endpoint) => (isAgentEndpoint(endpoint) ? undefined : inner.latencyOf!(endpoint))),
  };
}

/**
 * Per-endpoint breakers step aside for the agent's endpoint (it is one address standing for every
 * provider: the agent breaks per provider itself; its own failure is the health check's to judge)
 * and stay for the direct endpoints used while falling back.
 */
export function sidecarBreakers(inner: EndpointBreakers): EndpointBreakers {
  return {
    allows: (endpoint) => isAgentEndpoint(endpoint) || inner.allows(endpoint),
    invoke: (endpoint, invoker, invocation) => (isAgentEndpoint(endpoint) ? invoker(invocation) : inner.invoke(endpoint, invoker, invocation)),
    update: (endpoints) => inner.update(endpoints.filter((e) => !isAgentEndpoint(e))),
    close: () => inner.close(),
    // The agent's endpoint has no breaker here.
    stateOf: inner.stateOf && ((endpoint) => (isAgentEndpoint(endpoint) ? undefined : inner.stateOf!(endpoint))),
  };
}

/**
 * While the agent is down and there is nothing to fall back to, calls fail at once, saying so
 * (instead of "no provider" from an empty endpoint set). Calls made before the first health
 * check is done wait for its verdict.
 */
export function sidecarGuard(fallback: FallbackRegistry): Interceptor {
  return (next) => (invocation) => {
    if (fallback.direct !== undefined || fallback.state === 'up') return next(invocation);
    if (fallback.state === 'down') return Promise.reject(fallback.unavailableError());
    return fallback.ready().then(() => (fallback.state === 'down' ? Promise.reject(fallback.unavailableError()) : next(invocation)));
  };
}
