import type * as http2 from 'node:http2';
import { H } from './constants.js';
import { headerOf } from './headers.js';
import type { StatusDetail } from './status.js';
import { GrpcStatus } from './status.js';

/**
 * Triple's HTTP-style unary call (Dubbo 3.3's Triple spec; what dubbo-js v3's own transport and the
 * Connect protocol send): `POST /{service}/{method}`, `content-type: application/proto`, the bare
 * message as the body (no gRPC prefix), the deadline in `tri-service-timeout` (or Connect's
 * `connect-timeout-ms`) as milliseconds; the answer is the bare message with HTTP 200, or a JSON
 * error with an HTTP status.
 */
export const UNARY_PROTO = /^application\/proto$/i;
export const UNARY_CONTENT_TYPE = 'application/proto';
export const UNARY_TIMEOUT_HEADERS = ['tri-service-timeout', 'connect-timeout-ms'] as const;

/** The caller's deadline in ms, or undefined (absent or not 1–10 digits: no deadline, as Connect reads it). */
export function unaryTimeout(headers: http2.IncomingHttpHeaders): number | undefined {
  for (const name of UNARY_TIMEOUT_HEADERS) {
    const v = headerOf(headers, name);
    if (v !== undefined && /^\d{1,10}$/.test(v)) return Number(v);
  }
  return undefined;
}

/** gRPC status → the snake_case name Connect's JSON errors carry. */
const CODE_NAMES = [
  'ok', 'canceled', 'unknown', 'invalid_argument', 'deadline_exceeded', 'not_found', 'already_exists', 'permission_denied',
  'resource_exhausted', 'failed_precondition', 'aborted', 'out_of_range', 'unimplemented', 'internal', 'unavailable', 'data_loss',
  'unauthenticated',
];

/** The HTTP status of a failed unary call: the Triple spec's table (dubbo-js reads it back). */
const HTTP_STATUS: Readonly<Record<number, number>> = {
  [GrpcStatus.CANCELLED]: 408, [GrpcStatus.INVALID_ARGUMENT]: 400, [GrpcStatus.DEADLINE_EXCEEDED]: 408, [GrpcStatus.NOT_FOUND]: 404,
  [GrpcStatus.ALREADY_EXISTS]: 409, [GrpcStatus.PERMISSION_DENIED]: 403, [GrpcStatus.RESOURCE_EXHAUSTED]: 429,
  [GrpcStatus.FAILED_PRECONDITION]: 412, [GrpcStatus.ABORTED]: 409, [GrpcStatus.OUT_OF_RANGE]: 400, [GrpcStatus.UNIMPLEMENTED]: 404,
  [GrpcStatus.UNAVAILABLE]: 503, [GrpcStatus.UNAUTHENTICATED]: 401,
};

/**
 * A failed unary call's response: dubbo-js reads the numeric `status`, Connect clients the `code`
 * name; both read `message` and `details` (`type` without the type.googleapis.com/ prefix,
 * `value` unpadded base64).
 */
export function unaryError(status: number, message: string, details: readonly StatusDetail[]): { headers: http2.OutgoingHttpHeaders; body: Buffer } {
  const json: Record<string, unknown> = { status, code: CODE_NAMES[status] ?? 'unknown', message };
  if (details.length > 0) {
    json.details = details.map((d) => ({
      type: d.typeUrl.slice(d.typeUrl.lastIndexOf('/') + 1),
      value: Buffer.from(d.value).toString('base64').replace(/=+$/, ''),
    }));
  }
  return {
    headers: { ':status': HTTP_STATUS[status] ?? 500, [H.contentType]: 'application/json' },
    body: Buffer.from(JSON.stringify(json)),
  };
}
