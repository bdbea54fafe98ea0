import { Code, RpcError } from '@meshlet/core';
import { Status } from './constants.js';

/** The error a non-OK response status means to the caller. */
export function errorForStatus(status: number, message: string): RpcError {
  const code = notFoundCode(status, message) ?? CODE_BY_STATUS[status] ?? Code.ServerError;
  return new RpcError(code, message || `Dubbo status ${status}`, { status });
}

/**
 * Java providers report "not found" under generic statuses; only the text tells (captured from
 * Apache Dubbo 2.7.23 and 3.3.6, packages/transport-dubbo/src/fixtures):
 * - 70 `org.apache.dubbo.remoting.RemotingException: Not found exported service: {iface}:{version}:{port}
 *   in [...]` (Java's exception text, stack trace after it): the interface is known but not exported
 *   with that group/version.
 * - 40 `Fail to decode request due to: ... Service not found:{iface}, {method}` (2.7) or
 *   `... RpcInvocation [methodName={method}, parameterTypes=null]` (3.x): the provider decodes the
 *   arguments by the (interface, method, signature) it exports before it looks for the exporter,
 *   so an unknown method, overload or interface all end here, and in 3.x (which decodes by the
 *   full service key) another version too: no such method under that key at that provider.
 */
function notFoundCode(status: number, message: string): Code | undefined {
  if (status === Status.SERVICE_ERROR && message.includes('Not found exported service: ')) return Code.ServiceNotFound;
  // A Meshlet provider's own text for an unknown method (status 70, as Java reports reply failures).
  if (status === Status.SERVICE_ERROR && /^service \S+ has no method /.test(message)) return Code.MethodNotFound;
  if (status === Status.BAD_REQUEST && /Service not found:|parameterTypes=null\]/.test(message)) return Code.MethodNotFound;
  return undefined;
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
    case Code.Timeout:
      return Status.SERVER_TIMEOUT;
    case Code.ServiceNotFound:
    case Code.MethodNotFound:
      return Status.SERVICE_ERROR;
    default:
      return Status.SERVER_ERROR;
  }
}
