import { Code, RpcError } from '../errors.js';

/** Where one frame ends: the only thing the engine needs to know about a protocol's framing. */
export interface FrameSplitter {
  /** Bytes needed before `frameLength` can answer. */
  readonly headerLength: number;
  /**
   * Total length (header included) of the frame that starts at `buf[offset]`; `headerLength`
   * bytes are available. Throws RpcError PROTOCOL for a header that cannot start a frame.
   */
  frameLength(buf: Buffer, offset: number): number;
}

/**
 * Splits a byte stream into frames: partial reads, many frames per read, and the maximum frame
 * size enforced from the header before any body byte is buffered. Frames are handed out as views
 * into the socket's chunk (no copy) and are valid only during the callback.
 */
export class FrameReader {
  private partial: Buffer | undefined;

  constructor(
    private readonly splitter: FrameSplitter,
    private readonly maxFrameSize: number,
  ) {}

  /** Throws RpcError (PROTOCOL / FRAME_TOO_LARGE): the caller closes the connection. */
  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    let buf = chunk;
    if (this.partial !== undefined) {
      buf = Buffer.concat([this.partial, chunk]);
      this.partial = undefined;
    }
    const { headerLength } = this.splitter;
    let offset = 0;
    while (buf.length - offset >= headerLength) {
      const length = this.splitter.frameLength(buf, offset);
      if (length > this.maxFrameSize) {
        throw new RpcError(Code.FrameTooLarge, `frame of ${length} bytes exceeds the limit of ${this.maxFrameSize}`);
      }
      if (length < headerLength) {
        throw new RpcError(Code.Protocol, `frame length ${length} is shorter than the header`);
      }
      if (buf.length - offset < length) break;
      onFrame(buf.subarray(offset, offset + length));
      offset += length;
    }
    if (offset < buf.length) {
      // Copy the tail so the big chunk it came from can be collected.
      this.partial = Buffer.from(buf.subarray(offset));
    }
  }

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.partial?.length ?? 0;
  }
}
