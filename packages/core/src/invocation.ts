import { AsyncLocalStorage } from 'node:async_hooks';
import type { RelayCall } from './relay.js';
import type { PeerIdentity } from './transport-options.js';
import type { MethodDefinition, ServiceDefinition } from './service.js';

/**
 * One call, as it travels down the client stack and up the server stack. Attachments are strings
 * only: Java's `getAttachment(String)` returns null for anything else.
 */
export interface Invocation {
  readonly service: ServiceDefinition;
  readonly method: MethodDefinition;
  readonly args: unknown[];
  readonly attachments: Record<string, string>;
  /** Absolute deadline, `Date.now()` milliseconds. */
  readonly deadline: number;
  /** Aborts the call from the caller's side. */
  readonly signal?: AbortSignal | undefined;
  /** Where the call came from (server side) or goes to (client side, once chosen). */
  peer?: string;
  /** Server side, over mTLS: the caller's verified identity. */
  readonly identity?: PeerIdentity | undefined;
  /**
   * A relayed call (Meshlet's agent): the caller's frame, sent on as it is by the protocol's
   * relay client; `method` is the one the frame names and `args` is empty.
   */
  readonly relay?: RelayCall | undefined;
  /**
   * The key a hashing balancer places this call by, when a control plane's route has a hash policy
   * (`MeshRoute.hashKey`); a balancer given a `key` function reads it. Unset otherwise.
   */
  readonly hashKey?: string | undefined;
}

/**
 * The server-side call being handled, visible to everything it awaits. Outgoing calls made while
 * handling it inherit its deadline, so a budget spent upstream is not spent again downstream.
 * (It lives with `Invocation` because `createInvocation` reads it: one module, no import circle.)
 */
export const callContext = new AsyncLocalStorage<Invocation>();

/** The inbound call being handled here, if any. */
export function currentCall(): Invocation | undefined {
  return callContext.getStore();
}

export function createInvocation(
  service: ServiceDefinition,
  method: MethodDefinition,
  args: unknown[],
  options: { timeout?: number; attachments?: Record<string, string>; signal?: AbortSignal } = {},
  defaultTimeout = 3000,
): Invocation {
  const timeout = options.timeout ?? method.timeout ?? service.timeout ?? defaultTimeout;
  let deadline = Date.now() + timeout;
  // Inside a server call, never outlive the caller's own deadline.
  const inbound = callContext.getStore();
  if (inbound !== undefined && inbound.deadline < deadline) deadline = inbound.deadline;
  return {
    service,
    method,
    args,
    attachments: options.attachments ? { ...options.attachments } : {},
    deadline,
    signal: options.signal,
  };
}

/** Milliseconds left before the deadline; never negative. */
export function remaining(inv: Pick<Invocation, 'deadline'>): number {
  return Math.max(0, inv.deadline - Date.now());
}
