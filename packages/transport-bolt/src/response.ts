import { Code, javaStackTrace, RpcError, type TypeDesc } from '@meshlet/core';
import { encoderFor, throwableMessage, type Encoder, type HessianReader, type HessianWriter } from '@meshlet/hessian';
import {
  CMD_HEARTBEAT, CMD_RESPONSE, CODEC_HESSIAN, CODEC_PROTOBUF, HEAD_RESPONSE_ERROR, RPC_SERVER_EXCEPTION_CLASS,
  SOFA_RESPONSE_CLASS, Status, TYPE_RESPONSE,
} from './constants.js';
import { buildFrame, finishInPlace, headLength, parseFrame, type BoltFrame, type FrameShape } from './frame.js';
import { decodeHeaderMap, encodeHeaderMap } from './header-map.js';
import type { ClientMethod } from './request.js';
import { errorForStatus, notFoundCode, statusName } from './status.js';

export const RESPONSE_CLASS_BYTES = Buffer.from(SOFA_RESPONSE_CLASS, 'latin1');
const EXCEPTION_CLASS_BYTES = Buffer.from(RPC_SERVER_EXCEPTION_CLASS, 'latin1');
const EMPTY = Buffer.alloc(0);

/** `SofaResponse`'s fields in Java's serialization order (the primitive `isError` first). */
export const RESPONSE_FIELDS: readonly string[] = Object.freeze(['isError', 'errorMsg', 'appResponse', 'responseProps']);

/** Header and body `responseProps` of every error reply: what SOFARPC adds before it writes either. */
export const ERROR_HEADER = encodeHeaderMap([[HEAD_RESPONSE_ERROR, 'true']]);

// ------------------------------------------------------------------ provider side

/** A SUCCESS response carrying a value: `SofaResponse{isError: false, appResponse: value}`, no header. */
export function encodeValueResponse(
  w: HessianWriter, shape: FrameShape, id: number, value: unknown, encode: Encoder,
): Buffer {
  beginHessian(w, shape, RESPONSE_CLASS_BYTES, EMPTY);
  w.objectBegin(SOFA_RESPONSE_CLASS, RESPONSE_FIELDS);
  w.writeBool(false);
  w.writeNull();
  encode(w, value);
  w.writeNull();
  w.objectEnd();
  return finishHessian(w, shape, id, Status.SUCCESS, RESPONSE_CLASS_BYTES, EMPTY);
}

/**
 * A business exception as a Java provider sends it (ProviderInvoker): SUCCESS, the Throwable as
 * `appResponse`, and `sofa_head_response_error=true` in the header and in `responseProps`.
 */
export function encodeExceptionResponse(
  w: HessianWriter, shape: FrameShape, id: number, javaClass: string, message: string,
): Buffer {
  beginHessian(w, shape, RESPONSE_CLASS_BYTES, ERROR_HEADER);
  w.objectBegin(SOFA_RESPONSE_CLASS, RESPONSE_FIELDS);
  w.writeBool(false);
  w.writeNull();
  writeJavaThrowable(w, javaClass, message, 1); // the SofaResponse is reference 0
  writeErrorProps(w);
  w.objectEnd();
  return finishHessian(w, shape, id, Status.SUCCESS, RESPONSE_CLASS_BYTES, ERROR_HEADER);
}

/**
 * A framework error (no such service or method, server closing, ...), as SOFARPC's
 * `MessageBuilder.buildSofaErrorResponse`: SUCCESS, `isError` + `errorMsg`, the error flag in the
 * header and in `responseProps` (bolt-sofa.md §2.7, byte-exact).
 */
export function encodeFrameworkErrorResponse(w: HessianWriter, shape: FrameShape, id: number, message: string): Buffer {
  beginHessian(w, shape, RESPONSE_CLASS_BYTES, ERROR_HEADER);
  w.objectBegin(SOFA_RESPONSE_CLASS, RESPONSE_FIELDS);
  w.writeBool(true);
  w.writeString(message);
  w.writeNull();
  writeErrorProps(w);
  w.objectEnd();
  return finishHessian(w, shape, id, Status.SUCCESS, RESPONSE_CLASS_BYTES, ERROR_HEADER);
}

/**
 * Throwable's serialized fields as Java's Hessian writes them for any exception (captured from a
 * SOFARPC 5.13.2 provider on Java 17): `detailMessage`; `cause` as a back-reference to the
 * Throwable itself (Java's "cause not set" marker, so a Java caller's getCause() is null and
 * initCause() still works); `stackTrace` (here an empty `StackTraceElement[]`); and
 * `suppressedExceptions` (Java's empty `Collections$EmptyList`). sofa-rpc-node (hessian.js) turns an
 * object into an Error only when it has both `detailMessage` and `stackTrace`, so the empty stack
 * trace is not optional. `self` is the reference index of the Throwable in its message: 0 at the
 * top of the content, 1 as a SofaResponse's appResponse.
 */
export const THROWABLE_FIELDS: readonly string[] = Object.freeze(['detailMessage', 'cause', 'stackTrace', 'suppressedExceptions']);
const STACK_TRACE_TYPE = '[java.lang.StackTraceElement';
const SUPPRESSED_TYPE = 'java.util.Collections$EmptyList';

export function writeJavaThrowable(w: HessianWriter, javaClass: string, message: string, self: number): void {
  w.objectBegin(javaClass, THROWABLE_FIELDS);
  w.writeString(message);
  w.writeRef(self);
  w.listBegin(0, STACK_TRACE_TYPE);
  w.listEnd();
  w.listBegin(0, SUPPRESSED_TYPE);
  w.listEnd();
  w.objectEnd();
}

function writeErrorProps(w: HessianWriter): void {
  w.mapBegin(null);
  w.writeString(HEAD_RESPONSE_ERROR);
  w.writeString('true');
  w.mapEnd();
}

/**
 * A Bolt-level failure (the request could not be decoded, the result could not be encoded, an
 * unknown request class): a non-SUCCESS status whose class and content are a Java
 * `RpcServerException` with the message, as Java Bolt's `createExceptionResponse` sends.
 */
export function encodeStatusResponse(w: HessianWriter, shape: FrameShape, id: number, status: number, message: string): Buffer {
  beginHessian(w, shape, EXCEPTION_CLASS_BYTES, EMPTY);
  writeJavaThrowable(w, RPC_SERVER_EXCEPTION_CLASS, message, 0);
  return finishHessian(w, shape, id, status, EXCEPTION_CLASS_BYTES, EMPTY);
}

/** Protobuf replies: the message bytes, or on error the error text with the error flag (ProtobufSerializer). */
export function encodeProtobufResponse(shape: FrameShape, id: number, content: Uint8Array): Buffer {
  return responseFrame(shape, id, CODEC_PROTOBUF, Status.SUCCESS, RESPONSE_CLASS_BYTES, EMPTY, content);
}

export function encodeProtobufErrorResponse(shape: FrameShape, id: number, message: string, status: number = Status.SUCCESS): Buffer {
  const cls = status === Status.SUCCESS ? RESPONSE_CLASS_BYTES : EXCEPTION_CLASS_BYTES;
  return responseFrame(shape, id, CODEC_PROTOBUF, status, cls, ERROR_HEADER, Buffer.from(message, 'utf8'));
}

/** Starts a Hessian reply: the content is written behind room for the frame's head (no copy into a frame). */
function beginHessian(w: HessianWriter, shape: FrameShape, cls: Uint8Array, header: Uint8Array): void {
  w.reset(headLength(shape, TYPE_RESPONSE, cls, header));
}

function finishHessian(w: HessianWriter, shape: FrameShape, id: number, status: number, cls: Uint8Array, header: Uint8Array): Buffer {
  return finishInPlace(w, shape, TYPE_RESPONSE, CMD_RESPONSE, id, CODEC_HESSIAN, status, cls, header);
}

function responseFrame(shape: FrameShape, id: number, codec: number, status: number, cls: Uint8Array, header: Uint8Array, content: Uint8Array): Buffer {
  return buildFrame(shape, TYPE_RESPONSE, CMD_RESPONSE, id, codec, status, cls, header, content);
}

/** The ack of a heartbeat: same id, version and switch, status SUCCESS, nothing else (20 bytes in v1). */
export function encodeHeartbeatAck(shape: FrameShape, id: number, codec: number): Buffer {
  return buildFrame(shape, TYPE_RESPONSE, CMD_HEARTBEAT, id, codec, Status.SUCCESS, EMPTY, EMPTY, EMPTY);
}

/** The encoder of a method's result (`null` for void). */
export function resultEncoder(returns: TypeDesc): Encoder {
  return returns.kind === 'void' ? (w) => w.writeNull() : encoderFor(returns);
}

// ------------------------------------------------------------------ consumer side

/** Readers a client keeps, one per Hessian flavour (created on first use). */
export interface ReaderSource {
  reader(content: Buffer, start: number, end: number): HessianReader;
}

/**
 * A response frame into the call's result, or the RpcError it carries: a non-SUCCESS status
 * (MOSN's "hijack" replies carry only the status), a framework error (`isError`), a business
 * exception (a Throwable `appResponse`), or sofa-rpc-node's SERVER_EXCEPTION + RpcServerException.
 */
export function decodeResponse(frame: Buffer, cm: ClientMethod, readers: ReaderSource): unknown {
  const f = parseFrame(frame);
  if (f.status !== Status.SUCCESS) throw statusError(frame, f, readers);
  const header = f.headerLength > 0 ? decodeHeaderMap(frame, f.headerStart, f.headerStart + f.headerLength) : undefined;
  const flagged = header !== undefined && header[HEAD_RESPONSE_ERROR] === 'true';
  const end = f.contentStart + f.contentLength;
  if (f.codec === CODEC_PROTOBUF) {
    if (flagged) throw frameworkError(frame.toString('utf8', f.contentStart, end), 0);
    if (cm.protobuf === undefined) throw new RpcError(Code.BadResponse, `protobuf response to the Hessian method ${cm.method.name}`);
    if (cm.protobuf.response === undefined) return undefined;
    return cm.protobuf.response.decode(frame.subarray(f.contentStart, end));
  }
  if (f.codec !== CODEC_HESSIAN) throw new RpcError(Code.BadResponse, `unsupported Bolt codec ${f.codec} in a response`);
  if (f.contentLength === 0) throw new RpcError(Code.BadResponse, 'SUCCESS response without content');
  return readSofaResponse(readers.reader(frame, f.contentStart, end), cm, flagged, frame, f, readers);
}

function readSofaResponse(r: HessianReader, cm: ClientMethod, flagged: boolean, frame: Buffer, f: BoltFrame, readers: ReaderSource): unknown {
  if (r.readNullTag()) throw new RpcError(Code.BadResponse, 'the response content is null');
  let def;
  try {
    def = r.beginObject();
  } catch (err) {
    // A bare Throwable or string: what some peers put in a SUCCESS frame on failure.
    const v = untyped(frame, f, readers);
    const e = thrownError(v);
    if (e) throw e;
    throw new RpcError(Code.BadResponse, `the response content is not a SofaResponse: ${(err as Error).message}`, { cause: err });
  }
  if (def.name !== SOFA_RESPONSE_CLASS) {
    const e = thrownError(untyped(frame, f, readers));
    throw e ?? new RpcError(Code.BadResponse, `the response content is a ${def.name}, not a SofaResponse`);
  }
  r.addRef(null);
  let isError = false;
  let errorMsg: unknown = null;
  let value: unknown;
  let thrown: RpcError | undefined;
  for (const field of def.fields) {
    switch (field) {
      case 'isError':
        isError = r.readValue() === true;
        break;
      case 'errorMsg':
        errorMsg = r.readValue();
        break;
      case 'appResponse':
        if (flagged || isError) {
          // A Java provider flags every error: the value is then a Throwable (or null).
          thrown = thrownError(r.readValue());
        } else {
          try {
            value = r.readTyped(cm.returns);
          } catch (err) {
            // Unflagged, yet not the declared type: a peer that put a Throwable there without the flag.
            throw thrownError(appResponseUntyped(frame, f, readers), false) ?? err;
          }
        }
        break;
      default:
        r.readValue(); // responseProps, or a newer SofaResponse's extra field
    }
  }
  if (isError) throw frameworkError(typeof errorMsg === 'string' ? errorMsg : '', 0);
  if (thrown) throw thrown;
  if (flagged) throw new RpcError(Code.BadResponse, 'response flagged as an error carries neither errorMsg nor a Throwable');
  return cm.isVoid ? undefined : value;
}

/**
 * The whole content, untyped, from its start (fresh tables): only on error paths, each followed by
 * a throw, since the reader it takes may be the one the caller was reading with.
 */
function untyped(frame: Buffer, f: BoltFrame, readers: ReaderSource): unknown {
  try {
    return readers.reader(frame, f.contentStart, f.contentStart + f.contentLength).readValue();
  } catch {
    return undefined;
  }
}

function appResponseUntyped(frame: Buffer, f: BoltFrame, readers: ReaderSource): unknown {
  const v = untyped(frame, f, readers);
  return v !== null && typeof v === 'object' ? (v as Record<string, unknown>).appResponse : undefined;
}

/** A decoded Throwable (or, where a peer sends one, a bare string) as the RpcError it stands for; undefined for anything else. */
function thrownError(v: unknown, acceptString = true): RpcError | undefined {
  if (typeof v === 'string' && acceptString) return new RpcError(Code.Business, v);
  const info = throwableMessage(v);
  if (info === undefined) return undefined;
  const message = info.message || info.className;
  return new RpcError(notFoundCode(info.message) ?? Code.Business, message, {
    remoteClass: info.className, remoteStack: javaStackTrace(info.className, info.message, v),
  });
}

function frameworkError(message: string, status: number): RpcError {
  return new RpcError(notFoundCode(message) ?? Code.ServerError, message || 'SofaResponse.isError without a message', { status });
}

/**
 * A non-SUCCESS status. The content, when there is one, is a Throwable (Java Bolt, sofa-rpc-node's
 * RpcServerException even under the SofaResponse class) or, for protobuf, the error text; MOSN's
 * hijack replies have neither class nor content.
 */
function statusError(frame: Buffer, f: BoltFrame, readers: ReaderSource): RpcError {
  if (f.contentLength === 0) return errorForStatus(f.status, undefined);
  const end = f.contentStart + f.contentLength;
  if (f.codec === CODEC_PROTOBUF) return errorForStatus(f.status, frame.toString('utf8', f.contentStart, end));
  const v = untyped(frame, f, readers);
  if (typeof v === 'string') return errorForStatus(f.status, v);
  const info = throwableMessage(v);
  if (info && f.status === Status.SERVER_EXCEPTION && info.className === RPC_SERVER_EXCEPTION_CLASS && isSofaResponseClass(frame, f)) {
    return sofaRpcNodeError(info.message);
  }
  if (info) return errorForStatus(f.status, info.message || info.className, info.className);
  return errorForStatus(f.status, `Bolt response status ${statusName(f.status)}`);
}

function isSofaResponseClass(frame: Buffer, f: BoltFrame): boolean {
  return frame.subarray(f.classStart, f.classStart + f.classLength).equals(RESPONSE_CLASS_BYTES);
}

/**
 * sofa-rpc-node answers a thrown error, an unknown service and an unknown method alike with
 * SERVER_EXCEPTION, the class still `SofaResponse`, and an `RpcServerException` whose
 * `detailMessage` is the JS error's `name: message` (bolt-sofa.md §1.9). Java Bolt's own failures
 * name the exception class instead, so this signature is sofa-rpc-node's: read it as the business
 * failure it mostly is, with the JS error name taken off, or as the "not found" it says it is.
 */
function sofaRpcNodeError(detail: string): RpcError {
  const message = detail.replace(/^(?:[A-Za-z_$][\w$]*)?Error: /, '');
  return new RpcError(notFoundCode(message) ?? Code.Business, message, { status: Status.SERVER_EXCEPTION, remoteClass: RPC_SERVER_EXCEPTION_CLASS });
}
