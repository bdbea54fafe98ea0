import { gzipSync } from 'node:zlib';
import { HEADER_LENGTH, MAGIC, META_START, MsgType, Status, VERSION } from './constants.js';
import { writeMetaPair } from './meta.js';
import type { ByteWriter } from './wire/writer.js';

/**
 * A frame is written in place into one reused writer: `beginFrame` (header, room for the meta
 * size), the meta pairs, `beginBody` (meta size, room for the body size), the body, `endFrame`.
 */
export function beginFrame(w: ByteWriter, msgType: number, status: number, serialization: number, high: number, low: number): void {
  w.reset();
  w.u16(MAGIC);
  w.u8(msgType);
  w.u8((VERSION << 3) | status);
  w.u8(serialization << 3);
  w.id(high, low);
  w.reserve(4);
}

/** Closes the meta (without the last pair's newline, as Java and Go send it); returns the body size's offset. */
export function beginBody(w: ByteWriter): number {
  if (w.pos > META_START && w.buf[w.pos - 1] === 0x0a) w.pos--;
  w.buf.writeUInt32BE(w.pos - META_START, HEADER_LENGTH);
  return w.reserve(4);
}

/**
 * Fills in the body size and copies the frame out. A body longer than `minGzipSize` is gzipped
 * (level 1, motan-go's BestSpeed) and the frame says so; Java and Go gunzip on that bit.
 */
export function endFrame(w: ByteWriter, bodyAt: number, minGzipSize = Infinity): Buffer {
  const bodyStart = bodyAt + 4;
  if (w.pos - bodyStart > minGzipSize) {
    const gz = gzipSync(w.buf.subarray(bodyStart, w.pos), { level: 1 });
    w.pos = bodyStart;
    w.bytes(gz);
    w.buf[2] |= MsgType.GZIP;
  }
  w.patchLength(bodyAt);
  return w.finish();
}

/** Everything a frame says, for building one outside the hot paths (tests, agents, tools). */
export interface FrameFields {
  readonly msgType: number;
  readonly status?: number;
  readonly serialization: number;
  /** uint64 (a negative bigint is taken as its two's complement). */
  readonly requestId: bigint;
  /** In wire order. */
  readonly meta?: Iterable<readonly [string, string]>;
  readonly body?: Uint8Array;
}

export function encodeFrame(w: ByteWriter, f: FrameFields): Buffer {
  const id = BigInt.asUintN(64, f.requestId);
  beginFrame(w, f.msgType, f.status ?? Status.NORMAL, f.serialization, Number(id >> 32n), Number(id & 0xffffffffn));
  for (const [k, v] of f.meta ?? []) writeMetaPair(w, k, v);
  const at = beginBody(w);
  if (f.body) w.bytes(f.body);
  return endFrame(w, at);
}
