import { Code, RpcError, wireTable } from '@meshlet/core';
import { Status } from './constants.js';

/** The error a non-OK response status means to the caller. */
export function errorForStatus(status: number, message: string): RpcError {
  const code = notFoundCode(status, message) ?? forbiddenCode(status, message) ?? codeForStatus(status);
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

/**
 * A provider refusing the caller (authorization) answers 70, as Java's TokenFilter does ("Invalid
 * token! Forbid invoke remote service …": the filter throws and HeaderExchangeHandler replies
 * SERVICE_ERROR with the text); Meshlet's refusals say Envoy's `RBAC: access denied` (`forbiddenMessage`).
 */
const FORBIDDEN = /Forbid invoke remote service|RBAC: access denied/;

function forbiddenCode(status: number, message: string): Code | undefined {
  return status === Status.SERVICE_ERROR && FORBIDDEN.test(message) ? Code.PermissionDenied : undefined;
}

/** The text of a PERMISSION_DENIED reply: one a Meshlet caller reads back as PERMISSION_DENIED. */
export function forbiddenMessage(message: string): string {
  return FORBIDDEN.test(message) ? message : `RBAC: access denied: ${message}`;
}

/** What each non-OK status means to the caller (once the texts above did not say). */
const codeForStatus = wireTable<number, Code>([
  [Code.Serialization, Status.SERIALIZATION_ERROR],
  [Code.Timeout, Status.CLIENT_TIMEOUT, Status.SERVER_TIMEOUT],
  [Code.ConnectionClosed, Status.CHANNEL_INACTIVE],
  [Code.BadRequest, Status.BAD_REQUEST],
  [Code.BadResponse, Status.BAD_RESPONSE, Status.CLIENT_ERROR],
  [Code.ServiceNotFound, Status.SERVICE_NOT_FOUND],
  [Code.ServerBusy, Status.SERVER_THREADPOOL_EXHAUSTED_ERROR],
], Code.ServerError);

/**
 * The status a provider answers a failure with. Java reports unknown services and methods as 70
 * (the exception is thrown in `reply`), not 60; Meshlet does the same so Java consumers read it.
 */
export const statusForError = wireTable<Code, number>([
  [Status.BAD_REQUEST, Code.BadRequest, Code.Unsupported],
  [Status.BAD_RESPONSE, Code.BadResponse],
  [Status.SERIALIZATION_ERROR, Code.Serialization, Code.FrameTooLarge],
  [Status.SERVER_THREADPOOL_EXHAUSTED_ERROR, Code.ServerBusy],
  [Status.SERVER_TIMEOUT, Code.Timeout],
  [Status.SERVICE_ERROR, Code.ServiceNotFound, Code.MethodNotFound, Code.PermissionDenied],
], Status.SERVER_ERROR);

/**
 * The status a proxy (Meshlet's agent) answers its own failures with, as MOSN does: no provider
 * is 60 (service not found), an upstream timeout 31, a connection lost 35, a refusal for load
 * 100, a request it cannot route 40. Used by the relay.
 */
export const proxyStatusForError = wireTable<Code, number>([
  [Status.SERVICE_NOT_FOUND, Code.Unavailable, Code.ServiceNotFound],
  [Status.SERVER_TIMEOUT, Code.Timeout],
  [Status.CHANNEL_INACTIVE, Code.ConnectionClosed],
  [Status.SERVER_THREADPOOL_EXHAUSTED_ERROR, Code.ServerBusy],
  [Status.BAD_REQUEST, Code.BadRequest, Code.Unsupported, Code.Protocol],
], Status.SERVER_ERROR);
