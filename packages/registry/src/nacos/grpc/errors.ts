import { Code, RpcError } from '@meshlet/core';

/** Nacos' `NacosException` codes that a gRPC response's `errorCode` carries. */
export const NACOS_CODES = Object.freeze({
  /** The connection is not (or no longer) registered on the server: connect again. */
  UN_REGISTER: 301,
  /** No handler for the request type: the server does not speak it. */
  NO_HANDLER: 302,
  NO_RIGHT: 403,
});

/** A Nacos gRPC response with `resultCode` other than 200: its `errorCode` decides the RpcError code. */
export class NacosGrpcError extends RpcError {
  readonly errorCode: number;
  constructor(type: string, errorCode: number, message: string) {
    super(codeOf(errorCode), `nacos ${type}: ${message || 'refused'} (errorCode ${errorCode})`, { status: errorCode });
    this.errorCode = errorCode;
  }
}

function codeOf(errorCode: number): Code {
  if (errorCode === NACOS_CODES.NO_RIGHT || errorCode === 401) return Code.PermissionDenied;
  if (errorCode === NACOS_CODES.UN_REGISTER) return Code.Unavailable;
  if (errorCode === NACOS_CODES.NO_HANDLER) return Code.Unsupported;
  // 400 and Nacos' parameter codes (20xxx, e.g. 20001 "parameter missing")
  if ((errorCode >= 400 && errorCode < 500) || (errorCode >= 20000 && errorCode < 30000)) return Code.InvalidArgument;
  return Code.ServerError;
}

/** Throws the typed refusal when a response says it failed; returns the response otherwise. */
export function checkResponse(type: string, body: Record<string, unknown>): Record<string, unknown> {
  const result = body.resultCode;
  if (result === 200 || (result === undefined && body.success === true)) return body;
  const errorCode = typeof body.errorCode === 'number' && body.errorCode !== 0 ? body.errorCode : typeof result === 'number' ? result : 500;
  throw new NacosGrpcError(type, errorCode, typeof body.message === 'string' ? body.message.slice(0, 300) : '');
}
