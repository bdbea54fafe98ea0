import type { Invocation } from '../invocation.js';
import type { ExportedMethod } from '../protocol.js';
import type { CallPeer } from '../transport-options.js';

/**
 * The server side of one call, as every server transport hands it to the exported method: the
 * service and method it resolved to, the decoded arguments, the attachments (a record of the
 * call's own: interceptors and the method may write to it), the deadline, and the peer (its
 * address and, over mTLS, its verified identity).
 *
 * `timeoutMs` is the budget the wire carried (Dubbo's `timeout` attachment, Bolt's header
 * timeout, Motan's `M_tmo`, RSocket's remaining budget); none, zero, negative or not a number
 * means no deadline, as Java providers read it. `receivedAt` is when the request was read
 * (`Date.now()`), for a transport that took that time already.
 *
 * One place, so that every protocol's invocations have the same fields in the same order (one
 * object shape for the server interceptors and the method) and the same reading of the timeout.
 */
export function createServerInvocation(
  exported: ExportedMethod,
  args: unknown[],
  attachments: Record<string, string>,
  timeoutMs: number | undefined,
  from: CallPeer | undefined,
  receivedAt: number = Date.now(),
): Invocation {
  return {
    service: exported.service,
    method: exported.method,
    args,
    attachments,
    deadline: timeoutMs !== undefined && timeoutMs > 0 ? receivedAt + timeoutMs : Number.POSITIVE_INFINITY,
    peer: from?.remoteAddress,
    identity: from?.identity,
  };
}
