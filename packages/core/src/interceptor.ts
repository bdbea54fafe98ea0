import type { Invocation } from './invocation.js';

/** Anything that answers a call: a transport client, a cluster, the server-side method. */
export type Invoker = (invocation: Invocation) => Promise<unknown>;

/**
 * A filter around an invoker, Finagle- and connect-es-style: tracing, metrics, deadlines, retries
 * and user logic are all one shape.
 */
export type Interceptor = (next: Invoker) => Invoker;

/** `[a, b, c]` around `invoker` runs a → b → c → invoker. */
export function applyInterceptors(invoker: Invoker, interceptors: readonly Interceptor[]): Invoker {
  let next = invoker;
  for (let i = interceptors.length - 1; i >= 0; i--) next = interceptors[i]!(next);
  return next;
}
