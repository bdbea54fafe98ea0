import { Code, RpcError } from '@meshlet/core';
import { Status } from './constants.js';

const NAMES: Record<number, string> = Object.fromEntries(Object.entries(Status).map(([k, v]) => [v, k]));

/** `SERVER_THREADPOOL_BUSY (0x0004)`. */
export function statusName(status: number): string {
  return `${NAMES[status] ?? 'UNKNOWN_STATUS'} (0x${status.toString(16).padStart(4, '0')})`;
}

/**
 * What each non-SUCCESS status means to the caller. Java Bolt's client maps them to its own
 * exceptions (`RpcResponseResolver`); MOSN uses the same codes for its "hijack" replies: no route
 * or no healthy upstream → NO_PROCESSOR, overflow → SERVER_THREADPOOL_BUSY, codec error →
 * CODEC_EXCEPTION, upstream timeout → TIMEOUT, permission denied → SERVER_EXCEPTION.
 */
const CODE_BY_STATUS: Record<number, Code> = {
  [Status.ERROR]: Code.ServerError,
  [Status.SERVER_EXCEPTION]: Code.ServerError,
  [Status.UNKNOWN]: Code.ServerError,
  [Status.SERVER_THREADPOOL_BUSY]: Code.ServerBusy,
  [Status.ERROR_COMM]: Code.Unavailable,
  [Status.NO_PROCESSOR]: Code.Unavailable,
  [Status.TIMEOUT]: Code.Timeout,
  [Status.CLIENT_SEND_ERROR]: Code.Unavailable,
  [Status.CODEC_EXCEPTION]: Code.BadRequest,
  [Status.CONNECTION_CLOSED]: Code.ConnectionClosed,
  [Status.SERVER_SERIAL_EXCEPTION]: Code.BadResponse,
  [Status.SERVER_DESERIAL_EXCEPTION]: Code.BadRequest,
};

/** The typed error of a non-SUCCESS response; `message` is what its content said, if anything. */
export function errorForStatus(status: number, message: string | undefined, remoteClass?: string): RpcError {
  const code = notFoundCode(message) ?? CODE_BY_STATUS[status] ?? Code.ServerError;
  const text = message ? message : `Bolt response status ${statusName(status)}`;
  return new RpcError(code, text, { status, remoteClass });
}

/** The status a provider answers a failure with that is not a SofaResponse (decoding, encoding). */
export function statusForError(code: Code): number {
  switch (code) {
    case Code.BadRequest:
    case Code.Protocol:
    case Code.Unsupported:
      return Status.SERVER_DESERIAL_EXCEPTION;
    case Code.BadResponse:
    case Code.Serialization:
      return Status.SERVER_SERIAL_EXCEPTION;
    case Code.ServerBusy:
      return Status.SERVER_THREADPOOL_BUSY;
    case Code.Timeout:
      return Status.TIMEOUT;
    default:
      return Status.SERVER_EXCEPTION;
  }
}

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
