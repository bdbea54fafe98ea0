import type { MeshFault } from '@meshlet/core';
import { codeOfGrpcStatus, codeOfHttpStatus } from './status-codes.js';
import { durationMs, fraction, num, obj, typeName, type Obj } from './values.js';

export const HTTP_FAULT = 'envoy.extensions.filters.http.fault.v3.HTTPFault';
const FILTER_CONFIG = 'envoy.config.route.v3.FilterConfig';

/**
 * envoy.extensions.filters.http.fault.v3.HTTPFault as a MeshFault: a fixed delay with its
 * percentage, an abort (grpc_status, else http_status mapped as gRPC does) with its percentage.
 * Header-controlled faults (header_delay, header_abort), max_active_faults and the downstream
 * node/header filters are not honoured. undefined: no fault.
 */
export function meshFault(config: Obj | undefined): MeshFault | undefined {
  if (config === undefined) return undefined;
  const delay = obj(config.delay);
  const abort = obj(config.abort);
  const delayMs = durationMs(delay?.fixedDelay) ?? 0;
  // A percentage left out is 0 % (protobuf's default), as Envoy reads it.
  const delayShare = delayMs > 0 ? fraction(delay?.percentage) ?? 0 : 0;
  const grpc = num(abort?.grpcStatus);
  const http = num(abort?.httpStatus);
  const abortShare = abort !== undefined && (grpc !== undefined || http !== undefined) ? fraction(abort.percentage) ?? 0 : 0;
  if (delayShare === 0 && abortShare === 0) return undefined;
  return {
    delayShare,
    delayMs,
    abortShare,
    abortCode: grpc !== undefined ? codeOfGrpcStatus(grpc) : codeOfHttpStatus(http ?? 503),
  };
}

/**
 * A typed_per_filter_config entry for the fault filter: the HTTPFault itself, or wrapped in a
 * FilterConfig (`disabled` turns the filter off there). Returns null for "disabled", undefined
 * for "no override".
 */
export function faultOverride(entry: unknown): Obj | null | undefined {
  const e = obj(entry);
  if (e === undefined) return undefined;
  if (typeName(e) === FILTER_CONFIG) {
    if (e.disabled === true) return null;
    return faultOverride(e.config);
  }
  return typeName(e) === HTTP_FAULT ? e : undefined;
}
