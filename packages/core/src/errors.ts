/**
 * Every failure Meshlet reports is an RpcError with a stable string code, so callers branch on
 * `err.code` rather than on message text (as in connect-es' ConnectError and Node's own `err.code`).
 */
export const Code = {
  /** The call's deadline passed before a response arrived. */
  Timeout: 'TIMEOUT',
  /** The connection closed (or was never established) while the call was pending. */
  ConnectionClosed: 'CONNECTION_CLOSED',
  /** No endpoint could take the call: none registered, all unreachable, or the channel is backing off. */
  Unavailable: 'UNAVAILABLE',
  /** The peer has no such service (interface/version/group). */
  ServiceNotFound: 'SERVICE_NOT_FOUND',
  /** The service exists but has no such method (or no such overload). */
  MethodNotFound: 'METHOD_NOT_FOUND',
  /** The peer could not decode our request. */
  BadRequest: 'BAD_REQUEST',
  /** We could not decode the peer's response, or the peer could not encode it. */
  BadResponse: 'BAD_RESPONSE',
  /** A value does not fit its declared type (e.g. 2^31 as int32, null as a Java primitive). */
  Serialization: 'SERIALIZATION',
  /** Bytes on the wire break the protocol (bad magic, truncated body, unknown tag). */
  Protocol: 'PROTOCOL',
  /** A frame is larger than the configured maximum. */
  FrameTooLarge: 'FRAME_TOO_LARGE',
  /** The remote method threw: a business exception, carried as the Java Throwable it was. */
  Business: 'BUSINESS',
  /** The peer failed while handling the call (not a business exception). */
  ServerError: 'SERVER_ERROR',
  /** The peer refused the call for lack of capacity (thread pool exhausted, concurrency limit). */
  ServerBusy: 'SERVER_BUSY',
  /** The caller is not allowed to make this call (authorization refused it). */
  PermissionDenied: 'PERMISSION_DENIED',
  /** A feature the peer asked for is not supported (e.g. a serialization id other than hessian2). */
  Unsupported: 'UNSUPPORTED',
  /** The caller aborted the call. */
  Cancelled: 'CANCELLED',
  /** The runtime is stopping or stopped. */
  Shutdown: 'SHUTDOWN',
  /** Invalid configuration or API misuse. */
  InvalidArgument: 'INVALID_ARGUMENT',
  /** A Meshlet bug. */
  Internal: 'INTERNAL',
} as const;
export type Code = (typeof Code)[keyof typeof Code];

export interface RpcErrorOptions {
  cause?: unknown;
  /** For Business errors: the Java class of the remote Throwable, e.g. `java.lang.IllegalStateException`. */
  remoteClass?: string;
  /** Protocol-level status the peer sent, when there was one (Dubbo status byte, Bolt status short). */
  status?: number;
  /** The peer's stack trace, as the peer prints it, when the protocol carried one. */
  remoteStack?: string;
}

export class RpcError extends Error {
  override readonly name = 'RpcError';
  readonly code: Code;
  readonly remoteClass: string | undefined;
  readonly status: number | undefined;
  /**
   * The peer's stack trace (Java's `Throwable.printStackTrace` form) when the peer sent one. The
   * error's own `stack` is the caller's: calls made through a reference rethrow with the frames
   * of the code that awaited the call, not the engine's.
   */
  readonly remoteStack: string | undefined;

  constructor(code: Code, message: string, options: RpcErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.remoteClass = options.remoteClass;
    this.status = options.status;
    this.remoteStack = options.remoteStack;
  }

  static is(err: unknown, code?: Code): err is RpcError {
    return err instanceof RpcError && (code === undefined || err.code === code);
  }
}

/** Wraps anything thrown into an RpcError, keeping RpcErrors as they are. */
export function toRpcError(err: unknown, fallback: Code = Code.Internal): RpcError {
  if (err instanceof RpcError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new RpcError(fallback, message, { cause: err });
}
