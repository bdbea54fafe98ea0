import { Code, RpcError } from '@meshlet/core';
import { Status } from './constants.js';

/** The error a non-OK response status means to the caller. */
export function errorForStatus(status: number, message: string): RpcError {
  const code = CODE_BY_STATUS[status] ?? Code.ServerError;
  return new RpcError(code, message || `Dubbo status ${status}`, { status });
}

const CODE_BY_STATUS: Record<number, Code> = {
  [Status.SERIALIZATION_ERROR]: Code.Serialization,
  [Status.CLIENT_TIMEOUT]: Code.Timeout,
  [Status.SERVER_TIMEOUT]: Code.Timeout,
  [Status.CHANNEL_INACTIVE]: Code.ConnectionClosed,
  [Status.BAD_REQUEST]: Code.BadRequest,
  [Status.BAD_RESPONSE]: Code.BadResponse,
  [Status.SERVICE_NOT_FOUND]: Code.ServiceNotFound,
  [Status.SERVICE_ERROR]: Code.ServerError,
  [Status.SERVER_ERROR]: Code.ServerError,
  [Status.CLIENT_ERROR]: Code.BadResponse,
  [Status.SERVER_THREADPOOL_EXHAUSTED_ERROR]: Code.ServerBusy,
};

/**
 * The status a provider answers a failure with. Java reports unknown services and methods as 70
 * (the exception is thrown in `reply`), not 60; Meshlet does the same so Java consumers read it.
 */
export function statusForError(err: RpcError): number {
  switch (err.code) {
    case Code.BadRequest:
    case Code.Unsupported:
      return Status.BAD_REQUEST;
    case Code.BadResponse:
      return Status.BAD_RESPONSE;
    case Code.Serialization:
    case Code.FrameTooLarge:
      return Status.SERIALIZATION_ERROR;
    case Code.ServerBusy:
      return Status.SERVER_THREADPOOL_EXHAUSTED_ERROR;
    case Code.ServiceNotFound:
    case Code.MethodNotFound:
      return Status.SERVICE_ERROR;
    default:
      return Status.SERVER_ERROR;
  }
}
