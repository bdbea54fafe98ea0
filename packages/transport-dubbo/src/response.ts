import { Code, javaStackTrace, RpcError, t, type MethodDefinition } from '@meshlet/core';
import { HessianReader, HessianWriter, throwableMessage } from '@meshlet/hessian';
import { DUBBO_VERSION, FLAG_EVENT, FLAG_REQUEST, FLAG_TWOWAY, HEADER_LENGTH, HESSIAN2, READONLY_EVENT, ResponseFlag, Status } from './constants.js';
import { frameInPlace, frameOf } from './header.js';
import { errorForStatus } from './status.js';

const RESPONSE_ATTACHMENTS = { dubbo: DUBBO_VERSION };

/**
 * The bytes `writeValue(RESPONSE_ATTACHMENTS)` writes, encoded once: they end the message, so the
 * reference slot the map would take is never referred to, and each response skips the map walk.
 */
const RESPONSE_ATTACHMENT_BYTES = (() => {
  const w = new HessianWriter();
  w.writeValue(RESPONSE_ATTACHMENTS);
  return w.finishCopy();
})();

/** An OK response carrying a value (or null), with attachments when the request's version allows. */
export function encodeValueResponse(
  w: HessianWriter, idHigh: number, idLow: number, value: unknown, method: MethodDefinition, withAttachments: boolean,
): Buffer {
  w.reset(HEADER_LENGTH);
  if (value === null || value === undefined || method.returns.kind === 'void') {
    w.writeInt(withAttachments ? ResponseFlag.NULL_VALUE_WITH_ATTACHMENTS : ResponseFlag.NULL_VALUE);
  } else {
    w.writeInt(withAttachments ? ResponseFlag.VALUE_WITH_ATTACHMENTS : ResponseFlag.VALUE);
    w.writeTyped(value, method.returns);
  }
  if (withAttachments) w.writeRaw(RESPONSE_ATTACHMENT_BYTES);
  return frameInPlace(w, HESSIAN2, Status.OK, idHigh, idLow);
}

/** A business exception: status OK, the flag, and a Throwable Java's `readThrowable` accepts. */
export function encodeExceptionResponse(
  w: HessianWriter, idHigh: number, idLow: number, javaClass: string, message: string, withAttachments: boolean,
): Buffer {
  w.reset();
  w.writeInt(withAttachments ? ResponseFlag.EXCEPTION_WITH_ATTACHMENTS : ResponseFlag.EXCEPTION);
  w.writeThrowable(javaClass, message);
  if (withAttachments) w.writeValue(RESPONSE_ATTACHMENTS);
  return frameOf(HESSIAN2, Status.OK, idHigh, idLow, w.finish());
}

/** A non-OK status: the body is one string and nothing else. */
export function encodeErrorResponse(w: HessianWriter, idHigh: number, idLow: number, status: number, message: string, serialization = HESSIAN2): Buffer {
  w.reset();
  w.writeString(message);
  return frameOf(serialization, status, idHigh, idLow, w.finish());
}

/** The reply to a heartbeat: same id, same serialization, event bit, status OK, body `N`. */
export function encodeHeartbeatResponse(request: Buffer): Buffer {
  const frame = Buffer.from([0xda, 0xbb, FLAG_EVENT | (request[2]! & 0x1f), Status.OK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x4e]);
  request.copy(frame, 4, 4, 12);
  return frame;
}

/**
 * A heartbeat request as Java's HeartbeatHandler sends it: request, two-way and event bits,
 * hessian2, body `N` (null). Health checks and relays (the sidecar agent) send it.
 */
export function encodeHeartbeatRequest(idHigh: number, idLow: number): Buffer {
  return frameOf(FLAG_REQUEST | FLAG_TWOWAY | FLAG_EVENT | HESSIAN2, 0, idHigh, idLow, HEARTBEAT_BODY);
}

const HEARTBEAT_BODY = Buffer.from([0x4e]);

/**
 * The oneway event a provider sends before a graceful stop (`dabb a2 00 <id> 00000002 0152`):
 * consumers stop routing new calls to the connection.
 */
export function encodeReadonlyEvent(w: HessianWriter, id: number): Buffer {
  w.reset();
  w.writeString(READONLY_EVENT);
  return frameOf(FLAG_REQUEST | FLAG_EVENT | HESSIAN2, 0, 0, id, w.finish());
}

/** Reads a response frame into the call's result, or throws the RpcError it carries. */
export function decodeResponse(frame: Buffer, method: MethodDefinition): unknown {
  const status = frame[3]!;
  const r = new HessianReader(frame, HEADER_LENGTH, frame.length);
  if (status !== Status.OK) {
    let message = '';
    try {
      const v = r.readValue();
      message = typeof v === 'string' ? v : '';
    } catch {
      // An agent's error status may come with an empty body: the status alone says enough.
    }
    throw errorForStatus(status, message);
  }
  const flag = r.readValue();
  switch (flag) {
    case ResponseFlag.VALUE:
    case ResponseFlag.VALUE_WITH_ATTACHMENTS: {
      const value = r.readTyped(method.returns.kind === 'void' ? t.any : method.returns);
      if (flag === ResponseFlag.VALUE_WITH_ATTACHMENTS) skipAttachments(r, frame);
      return method.returns.kind === 'void' ? undefined : value;
    }
    case ResponseFlag.NULL_VALUE:
    case ResponseFlag.NULL_VALUE_WITH_ATTACHMENTS:
      if (flag === ResponseFlag.NULL_VALUE_WITH_ATTACHMENTS) skipAttachments(r, frame);
      return method.returns.kind === 'void' ? undefined : null;
    case ResponseFlag.EXCEPTION:
    case ResponseFlag.EXCEPTION_WITH_ATTACHMENTS: {
      const thrown = r.readValue();
      throw businessError(thrown);
    }
    default:
      throw new RpcError(Code.BadResponse, `unknown Dubbo response flag ${String(flag)}`);
  }
}

/**
 * Reads past (and so still checks) the response attachments nobody here uses: the map our
 * providers send (`{dubbo: 2.0.2}`, Java's too) is recognised by its bytes, a few byte compares
 * instead of a record built and dropped; another map is read as a string record rather than a
 * Map; anything else untyped.
 */
function skipAttachments(r: HessianReader, frame: Buffer): void {
  const at = r.position;
  const known = RESPONSE_ATTACHMENT_BYTES;
  if (frame.length - at === known.length) {
    let i = 0;
    while (i < known.length && frame[at + i] === known[i]) i++;
    if (i === known.length) return;
  }
  if (r.isMapTag(r.peekTag())) r.readStringRecord();
  else r.readValue();
}

/** A remote Throwable as an RpcError BUSINESS; a peer that sent a bare string (apache-dubbo-service) still reads. */
function businessError(thrown: unknown): RpcError {
  if (typeof thrown === 'string') return new RpcError(Code.Business, thrown);
  const info = throwableMessage(thrown, true);
  if (info === undefined) throw new RpcError(Code.BadResponse, 'Dubbo exception response does not carry a Throwable');
  return new RpcError(Code.Business, info.message ?? info.className, {
    remoteClass: info.className, remoteStack: javaStackTrace(info.className, info.message, thrown),
  });
}
