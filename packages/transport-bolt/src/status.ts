import { Code, RpcError, wireTable } from '@meshlet/core';
import { Status } from './constants.js';

const NAMES: Record<number, string> = Object.fromEntries(Object.entries(Status).map(([k, v]) => [v, k]));

/** `SERVER_THREADPOOL_BUSY (0x0004)`. */
export function statusName(status: number): string {
  return `${NAMES[status] ?? 'UNKNOWN_STATUS'} (0x${status.toString(16).padStart(4, '0')})`;
}

/**
 * What each non-SUCCESS status means to the caller. Java Bolt's client maps them to its own
 * exceptions (`RpcResponseResolver`); MOSN uses the same codes for its "hijack" replies (see
 * `proxyStatus`). ERROR, SERVER_EXCEPTION, UNKNOWN and any other status are SERVER_ERROR.
 */
const codeForStatus = wireTable<number, Code>([
  [Code.ServerBusy, Status.SERVER_THREADPOOL_BUSY],
  [Code.Unavailable, Status.ERROR_COMM, Status.NO_PROCESSOR, Status.CLIENT_SEND_ERROR],
  [Code.Timeout, Status.TIMEOUT],
  [Code.BadRequest, Status.CODEC_EXCEPTION, Status.SERVER_DESERIAL_EXCEPTION],
  [Code.ConnectionClosed, Status.CONNECTION_CLOSED],
  [Code.BadResponse, Status.SERVER_SERIAL_EXCEPTION],
], Code.ServerError);

/** The typed error of a non-SUCCESS response; `message` is what its content said, if anything. */
export function errorForStatus(status: number, message: string | undefined, remoteClass?: string): RpcError {
  const code = notFoundCode(message) ?? forbiddenCode(status, message) ?? codeForStatus(status);
  const text = message ? message : `Bolt response status ${statusName(status)}`;
  return new RpcError(code, text, { status, remoteClass });
}

/**
 * A refused caller (authorization) is SERVER_EXCEPTION, as MOSN answers its own RBAC refusals
 * (its hijack reply for PermissionDeniedCode: status 2, no class, no content; Java Bolt always
 * sends a Throwable with 2, so an empty 2 is MOSN's refusal). A Meshlet provider sends 2 with
 * an RpcServerException whose message starts with Envoy's `RBAC: access denied`.
 */
const FORBIDDEN = /^RBAC: access denied/;

function forbiddenCode(status: number, message: string | undefined): Code | undefined {
  if (status !== Status.SERVER_EXCEPTION) return undefined;
  return message === undefined || FORBIDDEN.test(message) ? Code.PermissionDenied : undefined;
}

/** The text of a PERMISSION_DENIED reply: one a Meshlet caller reads back as PERMISSION_DENIED. */
export function forbiddenMessage(message: string): string {
  return FORBIDDEN.test(message) ? message : `RBAC: access denied: ${message}`;
}

/**
 * The status of a refusal raised by a server interceptor before the method ran, instead of the
 * method's exception: busy (bulkhead, rate limit) and not allowed (authorization).
 */
export const refusalStatus = wireTable<Code, number | undefined>([
  [Status.SERVER_THREADPOOL_BUSY, Code.ServerBusy],
  [Status.SERVER_EXCEPTION, Code.PermissionDenied],
], undefined);

/** The status a provider answers a failure with that is not a SofaResponse (decoding, encoding). */
export const statusForError = wireTable<Code, number>([
  [Status.SERVER_DESERIAL_EXCEPTION, Code.BadRequest, Code.Protocol, Code.Unsupported],
  [Status.SERVER_SERIAL_EXCEPTION, Code.BadResponse, Code.Serialization],
  [Status.SERVER_THREADPOOL_BUSY, Code.ServerBusy],
  [Status.TIMEOUT, Code.Timeout],
  [Status.SERVER_EXCEPTION, Code.PermissionDenied],
], Status.SERVER_EXCEPTION);

/**
 * The statuses MOSN answers its own failures with, and so does a Meshlet proxy (the agent): no
 * route or no healthy upstream is NO_PROCESSOR, an upstream timeout TIMEOUT, overload
 * SERVER_THREADPOOL_BUSY, a request it cannot decode or route CODEC_EXCEPTION. Used by the relay.
 */
export const proxyStatusForError = wireTable<Code, number>([
  [Status.NO_PROCESSOR, Code.Unavailable],
  [Status.TIMEOUT, Code.Timeout],
  [Status.SERVER_THREADPOOL_BUSY, Code.ServerBusy],
  [Status.CONNECTION_CLOSED, Code.ConnectionClosed],
  [Status.CODEC_EXCEPTION, Code.BadRequest, Code.Protocol, Code.Unsupported],
], Status.SERVER_EXCEPTION);

/**
 * Framework errors travel as text only (SofaResponse `errorMsg`, or sofa-rpc-node's
 * RpcServerException), so "no such service / method" is recognised by its wording: SOFARPC's
 * "Cannot find service …" / "Cannot find invoker …", sofa-rpc-node's "not found service: …" and
 * "Can not find method: …", and Meshlet's own "Not found exported service: …" / "… has no method …".
 * SOFARPC 5's BoltServerProcessor says "RPC-020100011: Cannot find invoke method: [m], service: [s] "
 * for an unknown method or overload (captured from a live 5.13.2 provider).
 */
export function notFoundCode(message: string | undefined): Code | undefined {
  if (!message) return undefined;
  if (/can ?not find (invoke )?method|has no method|method not found|no such method/i.test(message)) return Code.MethodNotFound;
  if (/not found (exported )?service|can ?not find (service|invoker)|service not found|no such service/i.test(message)) return Code.ServiceNotFound;
  return undefined;
}

/**
 * The `errorMsg` of SOFARPC's framework errors, as its BoltServerProcessor builds them
 * (`LogCodes.getLog`: "RPC-" + code + ": " + text + " " + an empty note, hence the trailing space;
 * captured from a live SOFARPC 5.13.2 provider, packages/transport-bolt/src/fixtures). Meshlet's
 * provider answers with the same text, so Java consumers, MOSN logs and alerting rules that match
 * on it see what a Java provider sends. `service` is the request's targetServiceUniqueName.
 */
export function serviceNotFoundMessage(service: string): string {
  return `RPC-020100010: RPC cannot find service: [${service}] `;
}

/** As above for a method (or overload) the service does not have (SOFARPC: LogCodes 020100011). */
export function methodNotFoundMessage(method: string, service: string): string {
  return `RPC-020100011: Cannot find invoke method: [${method}], service: [${service}] `;
}
