import { Code, RpcError } from '../errors.js';

/** `rpc.status_code` of a call that succeeded. */
export const OK = 'OK';

/**
 * The `rpc.status_code` of a finished call: one vocabulary (the `Code` values, plus `OK`) for client
 * spans, server spans and metrics, so both ends of a call report the same code.
 *
 * On the server, anything thrown that is not an RpcError came from the method (or an interceptor
 * around it) and goes back to the caller as a business exception, so it is `BUSINESS` here too.
 * On the client, a non-RpcError is a Meshlet bug: `INTERNAL`.
 * A server call that finished after the caller's deadline is `TIMEOUT`: the caller saw a timeout.
 */
export function statusOf(side: 'client' | 'server', err: unknown, deadline = Number.POSITIVE_INFINITY): string {
  if (side === 'server' && Date.now() > deadline) return Code.Timeout;
  if (err === undefined) return OK;
  if (err instanceof RpcError) return err.code;
  return side === 'server' ? Code.Business : Code.Internal;
}
