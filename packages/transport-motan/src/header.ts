import { Code, RpcError, type FrameSplitter } from '@meshlet/core';
import { HEADER_LENGTH, MAGIC, META_START, MIN_FRAME_LENGTH, MsgType, VERSION } from './constants.js';

/** The 13-byte header, plus the meta and body sizes, of a complete frame. */
export interface MotanHeader {
  readonly msgType: number;
  readonly response: boolean;
  readonly heartbeat: boolean;
  readonly gzip: boolean;
  readonly oneway: boolean;
  readonly proxy: boolean;
  readonly version: number;
  readonly status: number;
  readonly serialization: number;
  /** uint64, exact. */
  readonly requestId: bigint;
  readonly metaLength: number;
  readonly bodyLength: number;
}

export function parseHeader(frame: Buffer): MotanHeader {
  const msgType = frame[2]!;
  const metaLength = frame.readUInt32BE(HEADER_LENGTH);
  return {
    msgType,
    response: (msgType & MsgType.RESPONSE) !== 0,
    heartbeat: (msgType & MsgType.HEARTBEAT) !== 0,
    gzip: (msgType & MsgType.GZIP) !== 0,
    oneway: (msgType & MsgType.ONEWAY) !== 0,
    proxy: (msgType & MsgType.PROXY) !== 0,
    version: frame[3]! >> 3,
    status: frame[3]! & 0x07,
    serialization: frame[4]! >> 3,
    requestId: frame.readBigUInt64BE(5),
    metaLength,
    bodyLength: frame.readUInt32BE(META_START + metaLength),
  };
}

/**
 * Motan2 frames carry two lengths: the meta size at byte 13 and the body size right after the
 * meta. With only the fixed part in hand this answers the length up to the body size field, a
 * lower bound the engine's reader waits for and then asks again; with that field in hand, the
 * whole frame. Each answer is checked against the maximum frame size before anything is buffered.
 */
export const motanSplitter: FrameSplitter = {
  headerLength: META_START,
  frameLength(buf, offset) {
    const magic = buf.readUInt16BE(offset);
    if (magic !== MAGIC) {
      throw new RpcError(Code.Protocol, `not a Motan2 frame: magic 0x${magic.toString(16).padStart(4, '0')}, expected 0xf1f1`);
    }
    const version = buf[offset + 3]! >> 3;
    if (version !== VERSION) {
      throw new RpcError(Code.Protocol, `Motan protocol version ${version} is not supported (Motan2 is version 1; Motan v1 frames are refused)`);
    }
    const untilBodySize = MIN_FRAME_LENGTH + buf.readUInt32BE(offset + HEADER_LENGTH);
    if (buf.length - offset < untilBodySize) return untilBodySize;
    return untilBodySize + buf.readUInt32BE(offset + untilBodySize - 4);
  },
};

/** The header's request id as its 8 raw bytes' halves, for echoing it exactly. */
export function idHigh(frame: Buffer): number {
  return frame.readUInt32BE(5);
}

export function idLow(frame: Buffer): number {
  return frame.readUInt32BE(9);
}

/** `M_rid` as the agent writes it: the id as a signed 64-bit decimal ("some languages have no uint64"). */
export function requestIdMeta(id: bigint): string {
  return BigInt.asIntN(64, id).toString();
}

/** An `M_rid` back to the uint64 it stands for; undefined when it is not a 64-bit integer. */
export function parseRequestIdMeta(text: string | undefined): bigint | undefined {
  if (text === undefined || !/^-?\d{1,20}$/.test(text)) return undefined;
  const n = BigInt(text);
  if (n < -(2n ** 63n) || n >= 2n ** 64n) return undefined;
  return BigInt.asUintN(64, n);
}
