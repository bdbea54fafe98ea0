import { Code, RpcError } from '@meshlet/core';

/**
 * The latency a learning balancer should record for a finished call, or `undefined` to record
 * nothing.
 *
 * - success, or a business exception (the remote method threw: the endpoint answered normally):
 *   the measured latency;
 * - the caller cancelled: nothing, the measurement says nothing about the endpoint;
 * - any other failure: at least `failurePenaltyMs`. An endpoint that fails fast (connection
 *   refused, "server busy") would otherwise look like the fastest one and draw all traffic into a
 *   black hole.
 */
export function latencyToRecord(latencyMs: number, error: unknown, failurePenaltyMs: number): number | undefined {
  if (!(latencyMs >= 0)) latencyMs = 0;
  if (error === undefined || error === null) return latencyMs;
  if (error instanceof RpcError) {
    if (error.code === Code.Business) return latencyMs;
    if (error.code === Code.Cancelled) return undefined;
  }
  return latencyMs > failurePenaltyMs ? latencyMs : failurePenaltyMs;
}
