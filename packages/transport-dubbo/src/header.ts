import { Code, RpcError, type FrameSplitter } from '@meshlet/core';
import type { HessianWriter } from '@meshlet/hessian';
import { FLAG_EVENT, FLAG_REQUEST, FLAG_TWOWAY, HEADER_LENGTH, MAGIC, SERIALIZATION_MASK } from './constants.js';

/** The 16-byte header: magic, flag, status, int64 request id, int32 body length. */
export interface DubboHeader {
  readonly request: boolean;
  readonly twoWay: boolean;
  readonly event: boolean;
  readonly serialization: number;
  readonly status: number;
  /** Signed 64-bit, exact (Java 3.1+ starts ids at a random long). */
  readonly id: bigint;
  readonly bodyLength: number;
}

export function parseHeader(frame: Buffer): DubboHeader {
  const flag = frame[2]!;
  return {
    request: (flag & FLAG_REQUEST) !== 0,
    twoWay: (flag & FLAG_TWOWAY) !== 0,
    event: (flag & FLAG_EVENT) !== 0,
    serialization: flag & SERIALIZATION_MASK,
    status: frame[3]!,
    id: frame.readBigInt64BE(4),
    bodyLength: frame.readInt32BE(12),
  };
}

/** Writes a header into `frame[0..16)`; the id is given as its 8 raw bytes' high and low halves. */
export function writeHeader(frame: Buffer, flag: number, status: number, idHigh: number, idLow: number, bodyLength: number): void {
  frame.writeUInt16BE(MAGIC, 0);
  frame[2] = flag;
  frame[3] = status;
  frame.writeInt32BE(idHigh | 0, 4);
  frame.writeInt32BE(idLow | 0, 8);
  frame.writeInt32BE(bodyLength, 12);
}

/** A frame of header + body, the body copied in once. */
export function frameOf(flag: number, status: number, idHigh: number, idLow: number, body: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_LENGTH + body.length);
  writeHeader(frame, flag, status, idHigh, idLow, body.length);
  frame.set(body, HEADER_LENGTH);
  return frame;
}

/** The frame a writer reset with `HEADER_LENGTH` of headroom holds: the body stays where it was written. */
export function frameInPlace(w: HessianWriter, flag: number, status: number, idHigh: number, idLow: number): Buffer {
  const frame = w.takeFrame();
  writeHeader(frame, flag, status, idHigh, idLow, frame.length - HEADER_LENGTH);
  return frame;
}

export const dubboSplitter: FrameSplitter = {
  headerLength: HEADER_LENGTH,
  frameLength(buf, offset) {
    if (buf.readUInt16BE(offset) !== MAGIC) {
      throw new RpcError(Code.Protocol, `not a Dubbo frame: magic 0x${buf.readUInt16BE(offset).toString(16).padStart(4, '0')}, expected 0xdabb`);
    }
    const bodyLength = buf.readInt32BE(offset + 12);
    if (bodyLength < 0) throw new RpcError(Code.Protocol, `negative Dubbo body length ${bodyLength}`);
    return HEADER_LENGTH + bodyLength;
  },
};
