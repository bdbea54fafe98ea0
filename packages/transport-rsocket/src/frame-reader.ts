import { Code, RpcError } from '@meshlet/core';

/** RSocket over TCP prefixes every frame with its length as a 24-bit big-endian integer. */
export const LENGTH_PREFIX = 3;
/** The largest frame the 24-bit prefix can describe. */
export const MAX_FRAME_LENGTH = 0xffffff;
/** stream id (4) + type and flags (2): the shortest legal frame. */
const MIN_FRAME_LENGTH = 6;

/**
 * Splits the TCP byte stream into frames. The length is checked against `maxFrameSize` as soon as
 * the 3 prefix bytes are in, before any byte of the body is kept, so a peer cannot make us buffer
 * more than one maximum frame. A frame split over many reads is kept as a list of chunks and
 * joined once (a single `Buffer.concat`), not re-concatenated on every read.
 *
 * Frames are views into the socket's chunks (no copy when a frame sits in one chunk).
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Length of the frame being assembled (prefix excluded), or -1 until its prefix is in. */
  private expected = -1;

  constructor(private readonly maxFrameSize: number) {}

  /** Bytes held for an incomplete frame. */
  get pending(): number {
    return this.buffered;
  }

  /** Throws RpcError PROTOCOL or FRAME_TOO_LARGE; the caller closes the connection. */
  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    let buf = chunk;
    if (this.buffered > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      if (this.expected < 0) {
        if (this.buffered < LENGTH_PREFIX) return;
        buf = this.join();
        this.expected = this.check(buf.readUIntBE(0, LENGTH_PREFIX));
      }
      if (this.buffered < LENGTH_PREFIX + this.expected) return;
      buf = this.join();
      this.chunks = [];
      this.buffered = 0;
      this.expected = -1;
    }
    let offset = 0;
    while (buf.length - offset >= LENGTH_PREFIX) {
      const length = this.check(buf.readUIntBE(offset, LENGTH_PREFIX));
      const end = offset + LENGTH_PREFIX + length;
      if (end > buf.length) {
        this.expected = length;
        break;
      }
      onFrame(buf.subarray(offset + LENGTH_PREFIX, end));
      offset = end;
    }
    if (offset < buf.length) {
      // Copy the tail so the large chunk it came from can be collected.
      const tail = Buffer.from(buf.subarray(offset));
      this.chunks = [tail];
      this.buffered = tail.length;
    }
  }

  private join(): Buffer {
    const joined = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    this.chunks = [joined];
    return joined;
  }

  private check(length: number): number {
    if (length > this.maxFrameSize) {
      throw new RpcError(Code.FrameTooLarge, `RSocket frame of ${length} bytes exceeds the limit of ${this.maxFrameSize}`);
    }
    if (length < MIN_FRAME_LENGTH) {
      throw new RpcError(Code.Protocol, `RSocket frame length ${length} is shorter than a frame header`);
    }
    return length;
  }
}
