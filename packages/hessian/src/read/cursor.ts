import type { TypeDesc } from '@meshlet/core';
import { Code, RpcError } from '@meshlet/core';
import { serializationError } from '../errors.js';
import * as T from '../tags.js';

export interface HessianReaderOptions {
  /** Deepest nesting of lists, maps and objects accepted (default 256); deeper input is a Serialization error. */
  maxDepth?: number;
}

/** A class definition read from the stream (`C name count field*`). */
export interface ClassDef {
  readonly name: string;
  readonly fields: readonly string[];
  /** True when a field is named `__proto__` (such fields are defined, never assigned). */
  readonly unsafeField: boolean;
  /** Cache for typed decoding: the descriptor this definition was last matched against, and the plan. */
  matched?: TypeDesc | undefined;
  plan?: unknown;
}

const TWO_32 = 4294967296;

/**
 * The bottom of the reader: the message's bytes and the read position, the per-message tables
 * (back-references, class definitions, type names) and the raw reads every value family builds on
 * (a tag, big-endian integers, truncation and nesting checks). The families stack on it, one file
 * each: `numbers.ts`, `strings.ts` (and binaries), `structure.ts` (lists, maps, objects,
 * references), `values.ts` (untyped values); `HessianReader` (`../reader.ts`) adds typed reading.
 * One instance is one object with all the state, so a family's method reads `this.buf` and
 * `this.pos` directly: no state object to go through per value.
 */
export abstract class ReaderCursor {
  /** This dialect's byte codes and forms (a prototype property of the concrete reader, so each dialect's is a constant to the JIT). */
  declare protected readonly tags: T.DialectTags;
  protected buf: Buffer;
  protected pos: number;
  protected end: number;
  readonly maxDepth: number;
  protected depth = 0;
  protected readonly refs: unknown[] = [];
  protected readonly defs: ClassDef[] = [];
  protected readonly types: string[] = [];
  /** Type of the list or map most recently begun (null = untyped). */
  lastType: string | null = null;

  constructor(buf: Uint8Array, offset = 0, end = buf.length, options: HessianReaderOptions = {}) {
    this.buf = toBuffer(buf);
    this.pos = 0;
    this.end = 0;
    this.maxDepth = options.maxDepth ?? 256;
    this.setRange(offset, end);
  }

  /** Starts reading another message (clears the reference, class and type tables). */
  reset(buf: Uint8Array, offset = 0, end = buf.length): this {
    this.buf = toBuffer(buf);
    this.setRange(offset, end);
    this.depth = 0;
    this.refs.length = 0;
    this.defs.length = 0;
    this.types.length = 0;
    return this;
  }

  private setRange(offset: number, end: number): void {
    if (!Number.isInteger(offset) || !Number.isInteger(end) || offset < 0 || end < offset || end > this.buf.length) {
      throw new RpcError(Code.InvalidArgument, `hessian: bad range [${offset}, ${end}) of a ${this.buf.length}-byte buffer`);
    }
    this.pos = offset;
    this.end = end;
  }

  /** Offset of the next unread byte in the buffer. */
  get position(): number {
    return this.pos;
  }

  /** True when every byte up to `end` has been read. */
  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  /** Bytes left before `end`. */
  get remaining(): number {
    return this.end - this.pos;
  }

  protected eof(what: string): RpcError {
    return serializationError(`truncated input: ${what} needs more bytes than the ${this.end - this.pos} left at offset ${this.pos}`);
  }

  /** The next tag byte, consumed. */
  protected tag(): number {
    if (this.pos >= this.end) throw this.eof('a value');
    return this.buf[this.pos++]!;
  }

  /** The next tag byte, not consumed. */
  peekTag(): number {
    if (this.pos >= this.end) throw this.eof('a value');
    return this.buf[this.pos]!;
  }

  /** Consumes a null tag if one is next. */
  readNullTag(): boolean {
    if (this.pos < this.end && this.buf[this.pos] === T.NULL) {
      this.pos++;
      return true;
    }
    return false;
  }

  protected u8(): number {
    if (this.pos >= this.end) throw this.eof('a byte');
    return this.buf[this.pos++]!;
  }

  protected u16(): number {
    const p = this.pos;
    if (p + 2 > this.end) throw this.eof('2 bytes');
    this.pos = p + 2;
    return (this.buf[p]! << 8) | this.buf[p + 1]!;
  }

  protected i32(): number {
    const p = this.pos;
    if (p + 4 > this.end) throw this.eof('4 bytes');
    this.pos = p + 4;
    const b = this.buf;
    return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
  }

  /** 8 bytes as an exact JS number, or NaN when beyond ±2^53. */
  protected i64Number(): number {
    const hi = this.i32();
    const lo = this.i32() >>> 0;
    const n = hi * TWO_32 + lo;
    return Number.isSafeInteger(n) ? n : NaN;
  }

  protected i64(): bigint {
    const p = this.pos;
    if (p + 8 > this.end) throw this.eof('8 bytes');
    this.pos = p + 8;
    return this.buf.readBigInt64BE(p);
  }

  protected enter(): void {
    if (++this.depth > this.maxDepth) throw serializationError(`nesting deeper than maxDepth ${this.maxDepth}`);
  }

  protected unexpected(tag: number, expected: string): RpcError {
    return serializationError(`expected ${expected} but found tag ${T.tagName(tag)} at offset ${this.pos - 1}`);
  }
}

function toBuffer(buf: Uint8Array): Buffer {
  return Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
}
