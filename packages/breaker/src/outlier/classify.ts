import { Code, RpcError } from '@meshlet/core';

/**
 * What one call's outcome tells Envoy's outlier detector, as a small integer (no allocation per
 * call): an HTTP-like status for an answer from the host (200: success, 5xx: a transaction
 * error, 502/503/504 being Envoy's "gateway errors"), a negative status for a failure that
 * originated here (Envoy's LocalOriginConnectFailed = -503, LocalOriginTimeout = -504: without
 * split_external_local_origin_errors they are counted as those 5xx), 0 for an outcome that says
 * nothing about the host.
 */
export type OutlierOutcome = number;

export const IGNORED = 0;
export const OK = 200;
export const EXTERNAL_FAILURE = 500;
export const EXTERNAL_UNAVAILABLE = 503;
export const EXTERNAL_TIMEOUT = 504;
export const LOCAL_CONNECT_FAILED = -503;
export const LOCAL_TIMEOUT = -504;

/**
 * Meshlet's RpcError codes onto Envoy's classes (the README has the table and the reasons).
 * `status` set means the peer sent the error (a protocol status), so the same code is external.
 */
export function outlierOutcome(err: unknown): OutlierOutcome {
  if (!(err instanceof RpcError)) return EXTERNAL_FAILURE; // not ours to excuse: counts, as the breakers count it
  switch (err.code) {
    case Code.Business: // the method threw: the host answered, as designed
    case Code.ServiceNotFound: // 404-like answers: Envoy counts non-5xx responses as successes
    case Code.MethodNotFound:
    case Code.BadRequest:
    case Code.PermissionDenied:
    case Code.Unsupported:
      return OK;
    case Code.Timeout:
      return err.status === undefined ? LOCAL_TIMEOUT : EXTERNAL_TIMEOUT;
    case Code.Unavailable:
      return err.status === undefined ? LOCAL_CONNECT_FAILED : EXTERNAL_UNAVAILABLE;
    case Code.ConnectionClosed:
      return LOCAL_CONNECT_FAILED; // reset, refused, closed under the call: Envoy's router reports LocalOriginConnectFailed
    case Code.ServerBusy:
      return EXTERNAL_UNAVAILABLE;
    case Code.ServerError:
    case Code.BadResponse:
    case Code.Protocol:
    case Code.FrameTooLarge:
      return EXTERNAL_FAILURE;
    case Code.Cancelled: // the caller gave up
    case Code.InvalidArgument: // ours: bad arguments, a value that does not fit, stopping, a bug
    case Code.Serialization:
    case Code.Shutdown:
    case Code.Internal:
      return IGNORED;
    default:
      return EXTERNAL_FAILURE;
  }
}

/** Envoy's Http::CodeUtility::isGatewayError. */
export function isGatewayError(status: number): boolean {
  return status === 502 || status === 503 || status === 504;
}
