import type { FrameSplitter } from '../codec.js';
import { Code, RpcError } from '../errors.js';

export type { FrameSplitter } from '../codec.js';

/**
 * Splits a byte stream into frames: partial reads, many frames per read, and the maximum frame
 * size enforced from the header before any body byte is buffered. A frame that arrives inside one
 * chunk is handed out as a view into it (no copy); a frame spread over several chunks is gathered
 * as a list and copied once, when its last byte arrives, so the cost is linear in the frame size
 * whatever the chunking. Frames are valid only during the callback.
 */
export class FrameReader {
  /** Chunks (or chunk tails) of the frame being gathered; the last may run past its end. */
  private chunks: Buffer[] = [];
  private held = 0;
  /** Total length of the frame being gathered; -1 until its header is complete. */
  private need = -1;

  constructor(
    private readonly splitter: FrameSplitter,
    private readonly maxFrameSize: number,
  ) {}

  /** Throws RpcError (PROTOCOL / FRAME_TOO_LARGE): the caller closes the connection. */
  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    const { headerLength } = this.splitter;
    let buf = chunk;
    let offset = 0;
    if (this.held > 0) {
      this.chunks.push(chunk);
      this.held += chunk.length;
      if (this.held < headerLength || this.held < this.need) return;
      // Enough for a header, or for the length the splitter answered last time: join what is held
      // (once per frame, plus a small join for the header) and ask again. A splitter may answer a
      // lower bound first (Motan2: the length up to its body size field), then the whole frame.
      buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.held);
      const length = this.lengthAt(buf, 0);
      if (length > this.held) {
        this.chunks = [buf];
        this.need = length;
        return;
      }
      this.chunks = [];
      this.held = 0;
      this.need = -1;
      onFrame(buf.subarray(0, length));
      offset = length;
    }
    while (buf.length - offset >= headerLength) {
      const length = this.lengthAt(buf, offset);
      if (buf.length - offset < length) {
        this.need = length;
        break;
      }
      onFrame(buf.subarray(offset, offset + length));
      offset += length;
    }
    if (offset < buf.length) {
      // A small tail is copied so the big chunk it came from can be collected; a large one is
      // kept as a view (the copy would cost as much as keeping the chunk).
      const tail = buf.subarray(offset);
      this.chunks = [tail.length < 4096 && buf.length > 4 * tail.length ? Buffer.from(tail) : tail];
      this.held = tail.length;
    }
  }

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.held;
  }

  /** Forgets any partial frame (the connection is going). */
  reset(): void {
    this.chunks = [];
    this.held = 0;
    this.need = -1;
  }

  private lengthAt(buf: Buffer, offset: number): number {
    const length = this.splitter.frameLength(buf, offset);
    if (length > this.maxFrameSize) {
      throw new RpcError(Code.FrameTooLarge, `frame of ${length} bytes exceeds the limit of ${this.maxFrameSize}`);
    }
    if (length < this.splitter.headerLength) {
      throw new RpcError(Code.Protocol, `frame length ${length} is shorter than the header`);
    }
    return length;
  }
}
