import { Code, RpcError } from '@meshlet/core';
import { HEADER_LENGTH, Meta, META_START, MIN_FRAME_LENGTH, MsgType, Status } from './constants.js';
import { bodyReader } from './body.js';
import { errorFromException, exceptionJson, type MotanException } from './exception.js';
import { beginBody, beginFrame, endFrame } from './frame.js';
import { IntMetaPair, readMeta, writeMetaPair } from './meta.js';
import type { PreparedCall } from './request.js';
import type { Serializations } from './serializations.js';
import type { MethodCodec, Serializer } from './serializer.js';
import type { ByteWriter } from './wire/writer.js';
import { asRpcError } from './wire/errors.js';

const PROCESS_TIME_PAIR = new IntMetaPair(Meta.PROCESS_TIME);

/** A normal response: `M_pt` (process time, ms), then the value in the request's serialization. */
export function encodeValueResponse(
  w: ByteWriter, high: number, low: number, serializer: Serializer, codec: MethodCodec, value: unknown,
  processTime: number | undefined, minGzipSize = Infinity,
): Buffer {
  beginFrame(w, MsgType.RESPONSE, Status.NORMAL, serializer.id, high, low);
  if (processTime !== undefined) PROCESS_TIME_PAIR.write(w, processTime);
  const at = beginBody(w);
  codec.writeResult(w, value);
  return endFrame(w, at, minGzipSize);
}

/** Status 1, `M_e` as JSON, no body; `M_pt` first when given, as Java writes it. */
export function encodeExceptionResponse(
  w: ByteWriter, high: number, low: number, serialization: number, e: MotanException, processTime?: number, extraMsgType = 0,
): Buffer {
  beginFrame(w, MsgType.RESPONSE | extraMsgType, Status.EXCEPTION, serialization, high, low);
  if (processTime !== undefined) writeMetaPair(w, Meta.PROCESS_TIME, String(processTime));
  writeMetaPair(w, Meta.EXCEPTION, exceptionJson(e));
  return endFrame(w, beginBody(w));
}

/**
 * A heartbeat: the heartbeat bit, no meta, no body. Java sends msgType 0x10; motan-go also sets
 * the proxy bit (0x12). Ours is Java's, with our serialization id.
 */
export function encodeHeartbeat(high: number, low: number, serialization: number): Buffer {
  const f = Buffer.alloc(MIN_FRAME_LENGTH);
  f.writeUInt16BE(0xf1f1, 0);
  f[2] = MsgType.HEARTBEAT;
  f[3] = 0x08;
  f[4] = serialization << 3;
  f.writeUInt32BE(high, 5);
  f.writeUInt32BE(low, 9);
  return f;
}

/** The reply to a heartbeat: the same id, serialization and proxy bit, plus the response bit. */
export function encodeHeartbeatReply(request: Buffer): Buffer {
  const f = Buffer.alloc(MIN_FRAME_LENGTH);
  request.copy(f, 0, 0, HEADER_LENGTH);
  f[2] = (request[2]! & MsgType.PROXY) | MsgType.HEARTBEAT | MsgType.RESPONSE;
  f[3] = 0x08;
  return f;
}

/**
 * A response frame into the call's result, or the RpcError it carries. Exception responses are
 * read whatever their serialization id (the agent sends 0); values are read with the
 * serialization the response names, the request's one as every peer answers.
 */
export function decodeResponse(frame: Buffer, call: PreparedCall, serializations: Serializations, maxInflated: number): unknown {
  const metaEnd = META_START + frame.readUInt32BE(HEADER_LENGTH);
  if ((frame[3]! & 0x07) !== Status.NORMAL) {
    throw errorFromException(readMeta(frame, META_START, metaEnd)[Meta.EXCEPTION]);
  }
  const id = frame[4]! >> 3;
  const codec = id === call.serializer.id ? call.codec : serializations.byId(id)?.method(call.method);
  if (codec === undefined) throw new RpcError(Code.BadResponse, `motan: response in serialization ${id}, which Meshlet does not speak`);
  try {
    return codec.readResult(bodyReader(frame, metaEnd + 4, maxInflated));
  } catch (err) {
    throw asRpcError(err, Code.BadResponse);
  }
}
