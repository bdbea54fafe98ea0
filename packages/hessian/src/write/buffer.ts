import { serializationError } from '../errors.js';
import type * as T from '../tags.js';

export interface HessianWriterOptions {
  /** Initial buffer size in bytes (default 4096). The buffer grows by doubling and is kept across messages. */
  initialCapacity?: number;
  /** Deepest nesting of lists, maps and objects a message may have (default 256). Cycles become back-references, not depth. */
  maxDepth?: number;
  /** Largest message in bytes (default 1 GiB); writing past it throws a Serialization RpcError. */
  maxBytes?: number;
}

export interface ClassDefEntry {
  index: number;
  fields: readonly string[];
}

/** From this size on `takeFrame()` hands the whole buffer over and the writer takes a fresh one. */
const TAKE_OVER_BYTES = 64 * 1024;

/**
 * Small taken frames are carved in place from the writer's buffer: the message is written at the
 * buffer's first free byte, `takeFrame()` hands out that span and the next message starts after
 * it, so a frame is never copied (copying a 1 KiB frame into a shared slab was ~30 % of a Dubbo
 * response's encoding: `Buffer.copy` plus its `subarray`). Once less than `SLAB_MIN_ROOM` is left,
 * the next message starts a new buffer of `SLAB_BYTES`; the old one stays alive while any frame
 * cut from it does (frames live until their socket write completes).
 */
const SLAB_BYTES = 256 * 1024;
const SLAB_MIN_ROOM = 16 * 1024;
/**
 * A writer's first slab; each next one is twice the last, up to SLAB_BYTES. One writer per
 * connection, and a mesh's EDS push can open a thousand connections that carry a few calls each:
 * at 256 KiB from the second message on they held 256 MB per side, and V8's collections of that
 * external memory stalled calls for ~0.4 s (test/xds/mesh-endpoints-churn.test.js). A busy
 * connection is at SLAB_BYTES after ~100 KiB of frames.
 */
const FIRST_SLAB_BYTES = 32 * 1024;

/**
 * The bottom of the writer: one growable buffer reused across messages (headroom for a frame
 * header, frames carved from it without a copy), the per-message tables (references, class
 * definitions, type names) and the nesting bound. The value families stack on it, one file each:
 * `numbers.ts`, `strings.ts` (and binaries), `structure.ts` (lists, maps, objects, references),
 * `values.ts` (untyped values); `HessianWriter` (`../writer.ts`) adds typed writing. One instance
 * is one object with all the state, so a family's method writes `this.buf` at `this.pos` directly.
 */
export abstract class WriterBuffer {
  /** This dialect's byte codes (a prototype property of the concrete writer, so each dialect's is a constant to the JIT). */
  declare protected readonly tags: T.DialectTags;
  protected buf: Buffer;
  /** Absolute offset in `buf` of the next byte to write. */
  protected pos = 0;
  /** Where the current message (its headroom first) starts in `buf`: past the frames already taken from it. */
  private base = 0;
  private headroom = 0;
  /** Size of the next slab (see FIRST_SLAB_BYTES). */
  private slabBytes = FIRST_SLAB_BYTES;
  private readonly maxBytes: number;
  readonly maxDepth: number;
  protected depth = 0;
  /** Identity of each list/map/object written so far → its reference number. */
  protected readonly refs = new Map<object, number>();
  /** Lists, maps and objects written so far (each takes a reference number, identity or not). */
  protected refCount = 0;
  protected readonly classDefs = new Map<string, ClassDefEntry>();
  protected classCount = 0;
  protected readonly typeRefs = new Map<string, number>();
  /** Encoded class definitions of frozen field lists (context-free bytes, so reusable across messages). */
  protected readonly defBytes = new WeakMap<readonly string[], { name: string; bytes: Buffer }>();

  constructor(options: HessianWriterOptions = {}) {
    this.buf = Buffer.allocUnsafe(Math.max(64, options.initialCapacity ?? 4096));
    this.maxDepth = options.maxDepth ?? 256;
    this.maxBytes = options.maxBytes ?? 2 ** 30;
  }

  /**
   * Starts a new message: clears the tables and the bytes. `headroom` bytes are left free at the
   * start for a frame header the caller fills in later (see `finishFrame`).
   */
  reset(headroom = 0): this {
    if (this.base !== 0 && this.buf.length - this.base < SLAB_MIN_ROOM) {
      this.buf = this.newSlab();
      this.base = 0;
    }
    this.pos = this.base + headroom;
    this.headroom = headroom;
    this.depth = 0;
    this.ensure(0);
    if (this.refCount !== 0) {
      if (this.refs.size !== 0) this.refs.clear();
      this.refCount = 0;
    }
    if (this.classCount !== 0) {
      this.classDefs.clear();
      this.classCount = 0;
    }
    if (this.typeRefs.size !== 0) this.typeRefs.clear();
    return this;
  }

  /** Bytes written since `reset()` (not counting headroom). */
  get length(): number {
    return this.pos - this.base - this.headroom;
  }

  /**
   * The message bytes: a **view** into the writer's buffer, valid until the next `reset()` or write.
   * Copy it (or use `finishCopy()`) if it must outlive that.
   */
  finish(): Buffer {
    return this.buf.subarray(this.base + this.headroom, this.pos);
  }

  /** The message bytes as a fresh copy that owns its memory. */
  finishCopy(): Buffer {
    return Buffer.from(this.finish());
  }

  /** Headroom plus message: a view from byte 0, for callers that reserved room for a frame header with `reset(n)`. */
  finishFrame(): Buffer {
    return this.buf.subarray(this.base, this.pos);
  }

  /**
   * Headroom plus message as a buffer the caller owns; nothing is copied, so a body written
   * behind reserved header room becomes the frame in place. A small message is carved from the
   * writer's buffer and the next message starts after it (see `SLAB_BYTES`). A large one gets
   * the whole buffer, and the writer goes on in a new slab: the next large message grows it to
   * the size it needs (see `grow`), not to this one's capacity.
   */
  takeFrame(): Buffer {
    const buf = this.buf;
    const start = this.base;
    const end = this.pos;
    if (end - start < TAKE_OVER_BYTES) {
      // Back to back, not aligned: the engine writes adjacent frames of one tick as one view.
      this.base = end;
    } else {
      this.buf = this.newSlab();
      this.base = 0;
    }
    this.pos = this.base + this.headroom;
    return buf.subarray(start, end);
  }

  private newSlab(): Buffer {
    const slab = Buffer.allocUnsafeSlow(this.slabBytes);
    if (this.slabBytes < SLAB_BYTES) this.slabBytes *= 2;
    return slab;
  }

  /** Makes room for `n` more bytes. */
  protected ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.grow(n);
  }

  /**
   * Moves the message (headroom included) to the start of a new buffer with room for `n` more
   * bytes: twice the size when the message outgrew the buffer, the same size when only the frames
   * taken before it (see `takeFrame`) left too little room, and just what is asked (rounded up to
   * 64 KiB) when that is more: a long string asks for its whole room at once. A power of two past
   * it would be up to twice the memory per large frame, and fresh memory is what large frames
   * cost: 8 MB written into a new 16 MiB buffer took ~2.5 ms, into a new 8.1 MB one ~0.6 ms.
   */
  private grow(n: number): void {
    const base = this.base;
    const need = this.pos - base + n;
    if (need > this.maxBytes) throw serializationError(`message exceeds ${this.maxBytes} bytes`);
    let size = base === 0 ? this.buf.length * 2 : this.buf.length;
    if (size < need) size = Math.ceil(need / 0x10000) * 0x10000;
    const next = Buffer.allocUnsafe(Math.min(size, Math.max(need, this.maxBytes)));
    this.buf.copy(next, 0, base, this.pos);
    this.buf = next;
    this.pos -= base;
    this.base = 0;
  }

  /** Appends one raw byte (no tag semantics). */
  writeRawByte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Appends raw bytes (no tag semantics): for precomputed segments. */
  writeRaw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  protected enter(): void {
    if (++this.depth > this.maxDepth) {
      throw serializationError(`nesting deeper than maxDepth ${this.maxDepth}`);
    }
  }
}
