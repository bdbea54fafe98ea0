import type { Interceptor } from '../interceptor.js';
import type { EndpointSetChooser } from '../load-balancer.js';

/**
 * The endpoint-set stage's word before a call is routed (`EndpointSetChooser.admit`): in sidecar
 * mode, a call fails at once while the agent is down with nothing to fall back to (saying so,
 * instead of "no provider" from an empty set), and calls made before the first health check wait
 * for its verdict. The runtime runs it right inside its admin tap, ahead of the app's interceptors.
 */
export function admitting(sets: EndpointSetChooser): Interceptor {
  return (next) => (invocation) => {
    const verdict = sets.admit();
    if (verdict === undefined) return next(invocation);
    if (verdict instanceof Promise) return verdict.then(() => next(invocation));
    return Promise.reject(verdict);
  };
}
