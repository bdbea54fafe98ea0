import { AsyncLocalStorage } from 'node:async_hooks';
import type { Invocation } from './invocation.js';

/**
 * The server-side call being handled, visible to everything it awaits. Outgoing calls made while
 * handling it inherit its deadline, so a budget spent upstream is not spent again downstream.
 */
export const callContext = new AsyncLocalStorage<Invocation>();

/** The inbound call being handled here, if any. */
export function currentCall(): Invocation | undefined {
  return callContext.getStore();
}
