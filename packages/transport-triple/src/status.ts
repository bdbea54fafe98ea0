import { Code, RpcError, wireTable } from '@meshlet/core';

/** gRPC status codes (grpc/doc/statuscodes.md); Triple uses the same numbers. */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** The status a provider answers a failure with (by the error's core code). */
export const statusForCode = wireTable<Code, number>([
  [GrpcStatus.CANCELLED, Code.Cancelled],
  [GrpcStatus.INVALID_ARGUMENT, Code.BadRequest, Code.InvalidArgument, Code.Serialization],
  [GrpcStatus.DEADLINE_EXCEEDED, Code.Timeout],
  [GrpcStatus.NOT_FOUND, Code.ServiceNotFound],
  [GrpcStatus.PERMISSION_DENIED, Code.PermissionDenied],
  [GrpcStatus.RESOURCE_EXHAUSTED, Code.ServerBusy, Code.FrameTooLarge],
  [GrpcStatus.UNIMPLEMENTED, Code.MethodNotFound, Code.Unsupported],
  [GrpcStatus.INTERNAL, Code.Internal, Code.Protocol, Code.BadResponse, Code.ServerError],
  [GrpcStatus.UNAVAILABLE, Code.Unavailable, Code.Shutdown, Code.ConnectionClosed],
], GrpcStatus.UNKNOWN); // BUSINESS and anything else: an application failure, as grpc-java reports an uncaught exception

/** What a non-OK status means to a Meshlet caller. */
export const codeForStatus = wireTable<number, Code>([
  [Code.Cancelled, GrpcStatus.CANCELLED],
  [Code.BadRequest, GrpcStatus.INVALID_ARGUMENT, GrpcStatus.OUT_OF_RANGE, GrpcStatus.FAILED_PRECONDITION],
  [Code.Timeout, GrpcStatus.DEADLINE_EXCEEDED],
  [Code.ServiceNotFound, GrpcStatus.NOT_FOUND],
  [Code.PermissionDenied, GrpcStatus.PERMISSION_DENIED, GrpcStatus.UNAUTHENTICATED],
  [Code.ServerBusy, GrpcStatus.RESOURCE_EXHAUSTED],
  [Code.MethodNotFound, GrpcStatus.UNIMPLEMENTED],
  [Code.ServerError, GrpcStatus.INTERNAL, GrpcStatus.DATA_LOSS, GrpcStatus.ABORTED, GrpcStatus.ALREADY_EXISTS],
  [Code.Unavailable, GrpcStatus.UNAVAILABLE],
], Code.Business);

/** A Meshlet-to-Meshlet refinement: the exact core code rides in a trailer so nothing is lost. */
export const MESHLET_CODE_TRAILER = 'meshlet-code';

/** grpc-message is percent-encoded UTF-8: bytes outside 0x20-0x7e and `%` itself are escaped. */
export function encodeGrpcMessage(message: string): string {
  const bytes = Buffer.from(message, 'utf8');
  let out = '';
  for (const b of bytes) {
    out += b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The inverse; a malformed escape is kept as it is (gRPC's spec: never fail on a bad message). */
export function decodeGrpcMessage(text: string): string {
  if (!text.includes('%')) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25 && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      for (const b of Buffer.from(text[i]!, 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The error a finished call's status means (undefined for OK). */
export function errorForStatus(status: number, message: string, meshletCode: string | undefined, details: StatusDetail[] | undefined): RpcError | undefined {
  if (status === GrpcStatus.OK) return undefined;
  const code = meshletCode !== undefined && (Object.values(Code) as string[]).includes(meshletCode) ? (meshletCode as Code) : codeForStatus(status);
  const err = new RpcError(code, message || `gRPC status ${status}`, { status });
  if (details !== undefined && details.length > 0) withStatusDetails(err, details);
  return err;
}

interface GrpcFailure {
  readonly details: readonly StatusDetail[];
  readonly status: number | undefined;
}

/** Kept on the error itself (a symbol, not enumerable): the runtime copies errors to give them the caller's stack. */
const FAILURE = Symbol.for('meshlet.triple.grpcFailure');

/**
 * Attaches google.rpc.Status details (and, optionally, the gRPC status to answer with) to an
 * error: a provider method throws it and the details go out in `grpc-status-details-bin`; a
 * consumer reads a peer's with `statusDetailsOf`. Without `status` a method's failure is
 * UNKNOWN, as grpc-java reports an application exception.
 */
export function withStatusDetails<E extends Error>(err: E, details: readonly StatusDetail[], status?: number): E {
  Object.defineProperty(err, FAILURE, { value: Object.freeze({ details: Object.freeze([...details]), status }), enumerable: false, configurable: true });
  return err;
}

/** What `withStatusDetails` attached to the error or to its cause (the runtime wraps method failures). */
export function grpcFailureOf(err: unknown): GrpcFailure | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const f = (e as Error & { [FAILURE]?: GrpcFailure })[FAILURE];
    if (f) return f;
  }
  return undefined;
}

/** The google.rpc.Status details a failed call carried (empty when none). */
export function statusDetailsOf(err: unknown): readonly StatusDetail[] {
  return grpcFailureOf(err)?.details ?? [];
}

/** One `google.protobuf.Any` of a google.rpc.Status. */
export interface StatusDetail {
  readonly typeUrl: string;
  readonly value: Uint8Array;
}
