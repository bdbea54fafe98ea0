import { Code, RpcError } from '@meshlet/core';

/**
 * Outcomes that say nothing against the endpoint: the remote method threw (it answered, as
 * designed), the caller gave up, or the call failed on our side before or without reaching it
 * (bad arguments, a value that does not fit its Java type, the runtime stopping).
 */
const NOT_THE_ENDPOINT: ReadonlySet<string> = new Set<string>([
  Code.Business, Code.Cancelled, Code.InvalidArgument, Code.Serialization, Code.Shutdown,
]);

/** The default `isFailure`: everything else counts (timeouts, closed connections, server errors, "busy", protocol faults). */
export function isEndpointFailure(error: unknown): boolean {
  return !(error instanceof RpcError && NOT_THE_ENDPOINT.has(error.code));
}
