import { LENGTH_PREFIX } from './frame-reader.js';
import { BufferEncoders, FrameType, serializeFrame, type Frame } from './rsocket-lib.js';

const HEADER = 6;
const FLAGS_MASK = 0x3ff;
const METADATA = 0x100;
/** Data buffers from this size on are written behind the frame's header, not copied into it. */
const DATA_APART = 64 * 1024;

/**
 * Frames as bytes, length prefix included, in one buffer: the frames of a call (requests,
 * PAYLOAD, REQUEST_N, CANCEL, ERROR) are laid out here byte for byte as rsocket-core 0.0.27's
 * `serializeFrame` lays them out (a test checks it), but written once into a pooled buffer
 * instead of into a zeroed one that is then copied behind a separate 3-byte prefix. Rarer frames
 * (SETUP, KEEPALIVE, LEASE, ...) go through the library.
 */
export function encodeFrame(frame: Frame): Buffer {
  const parts = frameParts(frame);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/**
 * The frame as the buffers to write one after the other: one buffer, or, for a payload frame
 * whose data is a large buffer, the prefix, header and metadata in one and the data itself in the
 * other (written together in one writev, so the data is never copied into a frame).
 */
export function frameParts(frame: Frame): readonly Buffer[] {
  switch (frame.type) {
    case FrameType.REQUEST_RESPONSE:
    case FrameType.REQUEST_FNF:
    case FrameType.PAYLOAD:
      return payloadFrame(frame, 0);
    case FrameType.REQUEST_STREAM:
    case FrameType.REQUEST_CHANNEL:
      return payloadFrame(frame, 4);
    case FrameType.REQUEST_N: {
      const out = header(frame, 4);
      out.writeUInt32BE(frame.requestN ?? 0, LENGTH_PREFIX + HEADER);
      return [out];
    }
    case FrameType.CANCEL:
      return [header(frame, 0)];
    case FrameType.ERROR: {
      const message = frame.message ?? '';
      const length = Buffer.byteLength(message);
      const out = header(frame, 4 + length);
      out.writeUInt32BE(frame.code ?? 0, LENGTH_PREFIX + HEADER);
      out.write(message, LENGTH_PREFIX + HEADER + 4, length, 'utf8');
      return [out];
    }
    default: {
      const body = serializeFrame(frame, BufferEncoders);
      const out = Buffer.allocUnsafe(LENGTH_PREFIX + body.length);
      out.writeUIntBE(body.length, 0, LENGTH_PREFIX);
      body.copy(out, LENGTH_PREFIX);
      return [out];
    }
  }
}

/** Prefix and header in a buffer with room for `rest` more bytes, `apart` of which are written separately. */
function header(frame: Frame, rest: number, apart = 0): Buffer {
  const out = Buffer.allocUnsafe(LENGTH_PREFIX + HEADER + rest - apart);
  out.writeUIntBE(HEADER + rest, 0, LENGTH_PREFIX);
  out.writeInt32BE(frame.streamId, LENGTH_PREFIX);
  out.writeUInt16BE(((frame.type << 10) | (frame.flags & FLAGS_MASK)) & 0xffff, LENGTH_PREFIX + 4);
  return out;
}

/** A frame carrying metadata and data after `extra` fixed bytes (initial request-n for REQUEST_STREAM). */
function payloadFrame(frame: Frame, extra: number): readonly Buffer[] {
  const data = frame.data;
  const metadata = frame.metadata;
  const withMetadata = (frame.flags & METADATA) !== 0;
  const metadataLength = withMetadata && metadata != null ? metadata.length : 0;
  const dataLength = data == null ? 0 : typeof data === 'string' ? Buffer.byteLength(data) : data.length;
  const apart = data != null && typeof data !== 'string' && dataLength >= DATA_APART;
  const out = header(frame, extra + (withMetadata ? 3 + metadataLength : 0) + dataLength, apart ? dataLength : 0);
  let offset = LENGTH_PREFIX + HEADER;
  if (extra === 4) {
    out.writeUInt32BE(frame.requestN ?? 0, offset);
    offset += 4;
  }
  if (withMetadata) {
    out.writeUIntBE(metadataLength, offset, 3);
    offset += 3;
    if (metadataLength > 0) offset += metadata!.copy(out, offset);
  }
  if (apart) return [out, data as Buffer];
  if (typeof data === 'string') out.write(data, offset, dataLength, 'utf8');
  else if (data != null) data.copy(out, offset);
  return [out];
}

/**
 * Whether a payload would make a frame over `limit` bytes. Exact only when it may be over: a
 * string's UTF-8 length is counted only when three bytes per character could pass the limit.
 */
export function payloadExceeds(data: Buffer | string | null, metadata: Buffer | null, limit: number): boolean {
  const fixed = HEADER + 4 + 3 + (metadata?.length ?? 0);
  if (data == null) return fixed > limit;
  if (typeof data !== 'string') return fixed + data.length > limit;
  return fixed + data.length * 3 > limit && fixed + Buffer.byteLength(data) > limit;
}

const FOLLOWS = 0x80;
const COMPLETE = 0x40;
const NEXT = 0x20;
/** The smallest fragment size we cut to: header, request-n and metadata length leave room for bytes. */
export const MIN_FRAGMENT_SIZE = 64;
const NO_BYTES = Buffer.alloc(0);

/**
 * A request or PAYLOAD frame cut into fragments of at most `fragmentSize` bytes each (length prefix
 * excluded), as RSocket 1.0's "Fragmentation and Reassembly" lays them out: the first fragment is
 * the frame's own type (with its initial request-n), the rest are PAYLOAD frames; metadata is sent
 * whole before any data; every fragment but the last has FOLLOWS, and only the last may have
 * COMPLETE. The buffers to write one after the other: each fragment's prefix and header, then views
 * of the metadata and data it carries (never copied, except string data, encoded once).
 */
export function fragmentParts(frame: Frame, fragmentSize: number): Buffer[] {
  const mtu = Math.max(MIN_FRAGMENT_SIZE, Math.min(fragmentSize, 0xffffff));
  const metadata = (frame.flags & METADATA) !== 0 ? frame.metadata ?? NO_BYTES : null;
  const data = frame.data == null ? NO_BYTES : typeof frame.data === 'string' ? Buffer.from(frame.data) : frame.data;
  const metadataLength = metadata?.length ?? 0;
  const complete = frame.flags & COMPLETE;
  const out: Buffer[] = [];
  let m = 0;
  let d = 0;
  for (let first = true; ; first = false) {
    const type = first ? frame.type : FrameType.PAYLOAD;
    const extra = first && (type === FrameType.REQUEST_STREAM || type === FrameType.REQUEST_CHANNEL) ? 4 : 0;
    const withMetadata = metadata !== null && (first || m < metadataLength);
    let room = mtu - HEADER - extra - (withMetadata ? 3 : 0);
    const mLen = withMetadata ? Math.min(metadataLength - m, room) : 0;
    room -= mLen;
    const dLen = Math.min(data.length - d, room);
    const last = m + mLen === metadataLength && d + dLen === data.length;
    let flags = first ? frame.flags & ~(FOLLOWS | COMPLETE | METADATA) : frame.type === FrameType.PAYLOAD ? frame.flags & NEXT : NEXT;
    if (withMetadata) flags |= METADATA;
    flags |= last ? complete : FOLLOWS;
    const head = header({ type, flags, streamId: frame.streamId } as Frame, extra + (withMetadata ? 3 + mLen : 0) + dLen, mLen + dLen);
    let offset = LENGTH_PREFIX + HEADER;
    if (extra === 4) {
      head.writeUInt32BE(frame.requestN ?? 0, offset);
      offset += 4;
    }
    if (withMetadata) head.writeUIntBE(mLen, offset, 3);
    out.push(head);
    if (mLen > 0) out.push(metadata!.subarray(m, m + mLen));
    if (dLen > 0) out.push(data.subarray(d, d + dLen));
    m += mLen;
    d += dLen;
    if (last) return out;
  }
}
