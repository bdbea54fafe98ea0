import { Code, RpcError } from '@meshlet/core';
import { ErrorCode, type FrameError } from './rsocket-lib.js';

/**
 * Failures travel in ERROR frames, which carry a code and a UTF-8 message only (and rsocket-core
 * 0.0.27 sends APPLICATION_ERROR for every responder failure). The message is written
 * `[CODE] message` or `[CODE java.Class] message`: readable in a Spring client's
 * `ApplicationErrorException`, and parsed back into a typed RpcError by ours. A message without
 * that prefix (a Spring responder's exception) is a business failure of the remote method.
 */

const CODES = new Set<string>(Object.values(Code));

/**
 * Codes a provider reports as they are: they say the method did not run (busy, stopping, not
 * found, undecodable, not allowed), the provider failed, or the caller's own deadline passed (core keeps
 * TIMEOUT only then). Anything else the method threw — including an RpcError from a call it made
 * itself — is the method's own failure (BUSINESS), so the caller never retries a call that may
 * have had effects.
 */
const KEPT = new Set<string>([
  Code.ServerBusy, Code.Shutdown, Code.ServiceNotFound, Code.MethodNotFound, Code.BadRequest, Code.BadResponse,
  Code.Unsupported, Code.ServerError, Code.Serialization, Code.Business, Code.FrameTooLarge, Code.InvalidArgument,
  Code.Timeout, Code.PermissionDenied,
]);

/**
 * Spring Security's RSocket responders refuse an unauthorized request with an APPLICATION_ERROR
 * saying AccessDeniedException's message, `Access Denied`: a refusal, not the method's failure.
 */
const SPRING_ACCESS_DENIED = 'Access Denied';

/** The ERROR frame message for a failure on the provider side. */
export function errorMessage(err: unknown): string {
  if (err instanceof RpcError && KEPT.has(err.code)) return format(err.code, err.remoteClass, err.message);
  const javaClass = javaClassOfError(err) ?? (err instanceof RpcError ? err.remoteClass : undefined);
  const message = err instanceof Error ? err.message : String(err);
  return format(Code.Business, javaClass, message);
}

function format(code: string, remoteClass: string | undefined, message: string): string {
  return remoteClass ? `[${code} ${remoteClass}] ${message}` : `[${code}] ${message}`;
}

/** `err.javaClass`, for errors thrown by user code that name a Java exception class. */
function javaClassOfError(err: unknown): string | undefined {
  const c = (err as { javaClass?: unknown } | null)?.javaClass;
  return typeof c === 'string' && c !== '' && !/[\s\]]/.test(c) ? c : undefined;
}

const PREFIX = /^\[([A-Z_]+)(?: ([^\s\]]+))?\] /;

/** The RpcError for a failure rsocket-core reports on a stream: an ERROR frame, or the connection going. */
export function errorFromFrame(err: unknown, address: string): RpcError {
  if (err instanceof RpcError) return err;
  const source = (err as FrameError | null)?.source;
  if (source === undefined || typeof source.code !== 'number') {
    // Not from an ERROR frame: the connection closed under the call.
    return new RpcError(Code.ConnectionClosed, `${address}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
  const message = typeof source.message === 'string' ? source.message : '';
  switch (source.code) {
    case ErrorCode.APPLICATION_ERROR: {
      const m = PREFIX.exec(message);
      if (m && CODES.has(m[1]!)) {
        return new RpcError(m[1] as Code, message.slice(m[0].length), { remoteClass: m[2], status: source.code });
      }
      if (message === SPRING_ACCESS_DENIED) return new RpcError(Code.PermissionDenied, message, { status: source.code });
      return new RpcError(Code.Business, message, { status: source.code });
    }
    case ErrorCode.REJECTED:
      return new RpcError(Code.ServerBusy, message || 'rejected', { status: source.code });
    case ErrorCode.CANCELED:
      return new RpcError(Code.Cancelled, message || 'cancelled by the responder', { status: source.code });
    case ErrorCode.INVALID:
      return new RpcError(Code.BadRequest, message || 'invalid request', { status: source.code });
    case ErrorCode.INVALID_SETUP:
    case ErrorCode.UNSUPPORTED_SETUP:
    case ErrorCode.REJECTED_SETUP:
      return new RpcError(Code.Unavailable, `${address} refused the connection: ${message}`, { status: source.code });
    default:
      return new RpcError(Code.ConnectionClosed, `${address} closed the connection: ${message}`, { status: source.code });
  }
}
