import { Code } from '@meshlet/core';

// What an HTTP or gRPC status in a control plane's config means as a Meshlet code: for fault
// aborts (the code a faulted call fails with) and for retry conditions (the codes retried).

/** gRPC status (number or name) to Meshlet, as transport-triple reads a provider's status. */
const GRPC: Readonly<Record<number, Code>> = {
  1: Code.Cancelled,
  2: Code.ServerError,
  3: Code.BadRequest,
  4: Code.Timeout,
  5: Code.ServiceNotFound,
  6: Code.ServerError,
  7: Code.PermissionDenied,
  8: Code.ServerBusy,
  9: Code.BadRequest,
  10: Code.ServerError,
  11: Code.BadRequest,
  12: Code.MethodNotFound,
  13: Code.ServerError,
  14: Code.Unavailable,
  15: Code.ServerError,
  16: Code.PermissionDenied,
};

export function codeOfGrpcStatus(status: number): Code {
  return GRPC[status] ?? Code.ServerError;
}

/** HTTP status to Meshlet, through gRPC's HTTP-to-status mapping (doc/http-grpc-status-mapping.md). */
export function codeOfHttpStatus(status: number): Code {
  switch (status) {
    case 400: return Code.ServerError; // INTERNAL
    case 401: return Code.PermissionDenied; // UNAUTHENTICATED
    case 403: return Code.PermissionDenied;
    case 404: return Code.MethodNotFound; // UNIMPLEMENTED
    case 429: case 502: case 503: case 504: return Code.Unavailable;
    default: return Code.ServerError; // UNKNOWN
  }
}

/** The codes an HTTP status stands for when a retry policy lists it (retriable_status_codes). */
export function codesOfHttpStatus(status: number): readonly Code[] {
  switch (status) {
    case 500: return [Code.ServerError];
    case 502: return [Code.Unavailable, Code.ConnectionClosed];
    case 503: return [Code.Unavailable, Code.ServerBusy, Code.Shutdown];
    case 504: return [Code.Timeout];
    case 429: return [Code.ServerBusy];
    default: return [codeOfHttpStatus(status)];
  }
}
