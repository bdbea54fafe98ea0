import { gunzipSync, gzipSync } from 'node:zlib';
import { Code, RpcError } from '@meshlet/core';
import { PREFIX_LENGTH } from './constants.js';

/** One gRPC length-prefixed message: flag byte (1 = compressed), 4-byte length, the bytes. */
export function frameMessage(message: Uint8Array, gzip: boolean): Buffer {
  const body = gzip ? gzipSync(message) : message;
  const out = Buffer.allocUnsafe(PREFIX_LENGTH + body.length);
  out[0] = gzip ? 1 : 0;
  out.writeUInt32BE(body.length, 1);
  out.set(body, PREFIX_LENGTH);
  return out;
}

/**
 * Reassembles length-prefixed messages from http2 DATA chunks. A message larger than `maxSize`
 * fails with RESOURCE_EXHAUSTED-class FRAME_TOO_LARGE as soon as its prefix is read (nothing of it
 * is buffered); a compressed message under an encoding we do not know, or that does not inflate,
 * fails with PROTOCOL. Compressed messages are checked against `maxSize` after inflating too.
 */
export class MessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(
    private readonly maxSize: number,
    /** The stream's `grpc-encoding` (undefined or `identity`: none). */
    private readonly encoding: string | undefined,
  ) {}

  /** Adds a chunk; returns the messages it completed. Throws RpcError on a bad prefix or size. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Buffer[] = [];
    for (;;) {
      if (this.buffered < PREFIX_LENGTH) return out;
      const head = this.peek(PREFIX_LENGTH);
      const flag = head[0]!;
      const length = head.readUInt32BE(1);
      if (flag > 1) throw new RpcError(Code.Protocol, `bad gRPC message flag ${flag}`);
      if (length > this.maxSize) {
        throw new RpcError(Code.FrameTooLarge, `message of ${length} bytes is larger than the limit of ${this.maxSize}`);
      }
      if (this.buffered < PREFIX_LENGTH + length) return out;
      const all = this.take(PREFIX_LENGTH + length);
      const body = all.subarray(PREFIX_LENGTH);
      out.push(flag === 1 ? this.inflate(body) : body);
    }
  }

  /** True when bytes of an unfinished message are held (a stream ending here was cut short). */
  get partial(): boolean {
    return this.buffered > 0;
  }

  private inflate(body: Buffer): Buffer {
    if (this.encoding !== 'gzip') {
      throw new RpcError(Code.Protocol, `compressed message under grpc-encoding ${JSON.stringify(this.encoding ?? 'identity')}`);
    }
    let out: Buffer;
    try {
      out = gunzipSync(body, { maxOutputLength: this.maxSize + 1 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new RpcError(Code.FrameTooLarge, `decompressed message is larger than the limit of ${this.maxSize}`);
      }
      throw new RpcError(Code.Protocol, `gzip message does not inflate: ${(err as Error).message}`, { cause: err });
    }
    if (out.length > this.maxSize) throw new RpcError(Code.FrameTooLarge, `decompressed message is larger than the limit of ${this.maxSize}`);
    return out;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!;
    const joined = Buffer.concat(this.chunks);
    this.chunks = [joined];
    return joined;
  }

  private take(n: number): Buffer {
    const first = this.peek(n);
    const out = first.subarray(0, n);
    const rest = first.subarray(n);
    this.chunks[0] = rest;
    if (rest.length === 0) this.chunks.shift();
    this.buffered -= n;
    return out;
  }
}
