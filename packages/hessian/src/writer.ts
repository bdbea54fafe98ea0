import type { TypeDesc } from '@meshlet/core';
import { serializationError } from './errors.js';
import { JAVA_CLASS, javaClassOf } from './java-object.js';
import * as T from './tags.js';
import { defineTags } from './tags.js';
import { encoderFor } from './typed-encode.js';
import { TypedValue } from './typed-value.js';

export interface HessianWriterOptions {
  /** Initial buffer size in bytes (default 4096). The buffer grows by doubling and is kept across messages. */
  initialCapacity?: number;
  /** Deepest nesting of lists, maps and objects a message may have (default 256). Cycles become back-references, not depth. */
  maxDepth?: number;
  /** Largest message in bytes (default 1 GiB); writing past it throws a Serialization RpcError. */
  maxBytes?: number;
}

const SURROGATE = /[\ud800-\udfff]/;
const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;
const TWO_32 = 4294967296;
const TWO_63 = 2 ** 63;

interface ClassDefEntry {
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
 * A Hessian 2.0 (final, Caucho 4 / Dubbo hessian-lite) writer over one growable buffer reused
 * across messages. `reset()` starts a message and clears the reference, class-definition and type
 * tables (Dubbo scopes them to one message); `finish()` returns the message bytes.
 *
 * The byte codes the dialects spell differently come from `this.tags` (`FINAL` here, `DRAFT` in
 * `DraftHessianWriter`); the productions whose grammar differs are the protected methods marked
 * "Grammar", which the draft writer overrides.
 */
export class HessianWriter {
  static {
    defineTags(this, T.FINAL);
  }

  /** This dialect's byte codes (a prototype property, so each dialect's is a constant to the JIT). */
  declare protected readonly tags: T.DialectTags;
  protected buf: Buffer;
  /** Absolute offset in `buf` of the next byte to write. */
  protected pos = 0;
  /** Where the current message (its headroom first) starts in `buf`: past the frames already taken from it. */
  private base = 0;
  private headroom = 0;
  private readonly maxBytes: number;
  readonly maxDepth: number;
  protected depth = 0;
  /** Identity of each list/map/object written so far → its reference number. */
  private readonly refs = new Map<object, number>();
  /** Lists, maps and objects written so far (each takes a reference number, identity or not). */
  private refCount = 0;
  private readonly classDefs = new Map<string, ClassDefEntry>();
  private classCount = 0;
  protected readonly typeRefs = new Map<string, number>();
  /** Encoded class definitions of frozen field lists (context-free bytes, so reusable across messages). */
  private readonly defBytes = new WeakMap<readonly string[], { name: string; bytes: Buffer }>();

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
      this.buf = Buffer.allocUnsafeSlow(SLAB_BYTES);
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
      this.buf = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.base = 0;
    }
    this.pos = this.base + this.headroom;
    return buf.subarray(start, end);
  }

  // ------------------------------------------------------------------ buffer

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

  // ------------------------------------------------------------------ scalars (grammar)

  writeNull(): void {
    this.ensure(1);
    this.buf[this.pos++] = T.NULL;
  }

  writeBool(b: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = b ? T.TRUE : T.FALSE;
  }

  /** A Java int. Throws unless `n` is an integer in int32 range. */
  writeInt(n: number): void {
    if ((n | 0) !== n) throw serializationError(`${describe(n)} is not an int32`);
    this.putInt(n);
  }

  /** writeInt without the range check. */
  protected putInt(n: number): void {
    this.ensure(5);
    const b = this.buf;
    let p = this.pos;
    if (n >= -16 && n <= 47) {
      b[p++] = T.INT_ZERO + n;
    } else if (n >= -2048 && n <= 2047) {
      b[p++] = T.INT_BYTE_ZERO + (n >> 8);
      b[p++] = n & 0xff;
    } else if (n >= -262144 && n <= 262143) {
      b[p++] = T.INT_SHORT_ZERO + (n >> 16);
      b[p++] = (n >> 8) & 0xff;
      b[p++] = n & 0xff;
    } else {
      b[p++] = T.INT;
      b[p++] = n >>> 24;
      b[p++] = (n >> 16) & 0xff;
      b[p++] = (n >> 8) & 0xff;
      b[p++] = n & 0xff;
    }
    this.pos = p;
  }

  /** A Java long: a bigint in int64 range, or an integral number (exact as given). */
  writeLong(v: bigint | number): void {
    let n: number;
    if (typeof v === 'bigint') {
      if (v >= -0x80000000n && v <= 0x7fffffffn) {
        n = Number(v);
      } else {
        if (v < MIN_INT64 || v > MAX_INT64) throw serializationError(`${v} does not fit int64`);
        this.ensure(9);
        this.buf[this.pos] = T.LONG;
        this.buf.writeBigInt64BE(v, this.pos + 1);
        this.pos += 9;
        return;
      }
    } else {
      if (!Number.isInteger(v) || v >= TWO_63 || v < -TWO_63) throw serializationError(`${describe(v)} is not an int64`);
      n = v;
      if ((n | 0) !== n) {
        this.ensure(9);
        const hi = Math.floor(n / TWO_32);
        const lo = n - hi * TWO_32;
        const b = this.buf;
        const p = this.pos;
        b[p] = T.LONG;
        b.writeInt32BE(hi, p + 1);
        b.writeUInt32BE(lo, p + 5);
        this.pos = p + 9;
        return;
      }
    }
    this.putLong32(n);
  }

  /** A long whose value fits int32, in the shortest form. */
  protected putLong32(n: number): void {
    this.ensure(5);
    const b = this.buf;
    let p = this.pos;
    if (n >= -8 && n <= 15) {
      b[p++] = T.LONG_ZERO + n;
    } else if (n >= -2048 && n <= 2047) {
      b[p++] = T.LONG_BYTE_ZERO + (n >> 8);
      b[p++] = n & 0xff;
    } else if (n >= -262144 && n <= 262143) {
      b[p++] = T.LONG_SHORT_ZERO + (n >> 16);
      b[p++] = (n >> 8) & 0xff;
      b[p++] = n & 0xff;
    } else {
      b[p++] = this.tags.LONG_INT;
      b[p++] = n >>> 24;
      b[p++] = (n >> 16) & 0xff;
      b[p++] = (n >> 8) & 0xff;
      b[p++] = n & 0xff;
    }
    this.pos = p;
  }

  /**
   * A Java double, in the shortest form Caucho/hessian-lite would choose (0.0, 1.0, int8, int16,
   * the dialect's 32-bit form, else IEEE). One deliberate difference: -0 is never written as 0.0
   * (Java does), so its sign survives.
   */
  writeDouble(v: number): void {
    this.ensure(9);
    const k = this.tags;
    const b = this.buf;
    const p = this.pos;
    const i = v | 0;
    if (i === v && (i !== 0 || 1 / v > 0)) {
      if (i === 0) {
        b[p] = k.DOUBLE_ZERO;
        this.pos = p + 1;
        return;
      }
      if (i === 1) {
        b[p] = k.DOUBLE_ONE;
        this.pos = p + 1;
        return;
      }
      if (i >= -0x80 && i < 0x80) {
        b[p] = k.DOUBLE_BYTE;
        b[p + 1] = i & 0xff;
        this.pos = p + 2;
        return;
      }
      if (i >= -0x8000 && i < 0x8000) {
        b[p] = k.DOUBLE_SHORT;
        b[p + 1] = (i >> 8) & 0xff;
        b[p + 2] = i & 0xff;
        this.pos = p + 3;
        return;
      }
    }
    if (this.putDouble32(v, p)) return;
    b[p] = T.DOUBLE;
    b.writeDoubleBE(v, p + 1);
    this.pos = p + 9;
  }

  /**
   * Grammar: writes the dialect's double with a 32-bit payload at `p` (room ensured) if that holds
   * `v` exactly, else returns false. 2.0: thousandths as int32, tested as Java does
   * (`(int) (v * 1000)`, then `0.001 * mills == v`), and never for -0, whose sign it would lose.
   */
  protected putDouble32(v: number, p: number): boolean {
    const m = v * 1000;
    const mills = m >= 2147483647 ? 2147483647 : m <= -2147483648 ? -2147483648 : Math.trunc(m);
    if (0.001 * mills !== v || (mills === 0 && 1 / v < 0)) return false;
    const b = this.buf;
    b[p] = T.FINAL.DOUBLE_MILL;
    b[p + 1] = mills >>> 24;
    b[p + 2] = (mills >> 16) & 0xff;
    b[p + 3] = (mills >> 8) & 0xff;
    b[p + 4] = mills & 0xff;
    this.pos = p + 5;
    return true;
  }

  /**
   * A `java.util.Date` (milliseconds since the epoch, UTC); minute-exact dates use the 5-byte form
   * as Java does where the dialect has one (2.0).
   */
  writeDate(d: Date | number): void {
    const ms = typeof d === 'number' ? d : d.getTime();
    if (!Number.isInteger(ms) || ms > 8.64e15 || ms < -8.64e15) throw serializationError(`invalid date ${String(d)}`);
    this.ensure(9);
    const k = this.tags;
    const b = this.buf;
    const p = this.pos;
    if (ms % 60000 === 0 && k.DATE_MINUTE !== T.NONE) {
      const minutes = ms / 60000;
      if (minutes >= -2147483648 && minutes <= 2147483647) {
        b[p] = k.DATE_MINUTE;
        b.writeInt32BE(minutes, p + 1);
        this.pos = p + 5;
        return;
      }
    }
    const hi = Math.floor(ms / TWO_32);
    b[p] = k.DATE;
    b.writeInt32BE(hi, p + 1);
    b.writeUInt32BE(ms - hi * TWO_32, p + 5);
    this.pos = p + 9;
  }

  /**
   * A string: length in UTF-16 units, each unit as 1–3 bytes (a surrogate pair is two 3-byte
   * sequences, as Java writes it), chunked every 32768 units without splitting a pair; the last
   * chunk up to 31 units direct, up to 1023 in the short form where the dialect has it (2.0), else `S`.
   */
  writeString(s: string): void {
    let len = s.length;
    let off = 0;
    // A long string: room for it all at one byte per unit (plus the chunk headers, plus the 3 bytes
    // per unit each chunk's own check asks for), made once. Growing chunk by chunk doubled the
    // buffer a dozen times for 8 MB, each time copying what was written.
    if (len > 0x8000) this.ensure(len + 3 * ((len >>> 15) + 1) + 2 * 0x8000 + 3);
    while (len > 0x8000) {
      let sub = 0x8000;
      const tail = s.charCodeAt(off + sub - 1);
      if (tail >= 0xd800 && tail <= 0xdbff) sub--;
      this.ensure(3 + sub * 3);
      const b = this.buf;
      b[this.pos] = this.tags.STRING_CHUNK;
      b[this.pos + 1] = sub >> 8;
      b[this.pos + 2] = sub & 0xff;
      this.pos += 3;
      this.putUtf(s, off, off + sub);
      len -= sub;
      off += sub;
    }
    this.ensure(3 + len * 3);
    const b = this.buf;
    if (len <= T.STRING_DIRECT_MAX) {
      b[this.pos++] = len;
    } else if (len <= T.STRING_SHORT_MAX && this.tags.STRING_SHORT !== T.NONE) {
      b[this.pos] = this.tags.STRING_SHORT + (len >> 8);
      b[this.pos + 1] = len & 0xff;
      this.pos += 2;
    } else {
      b[this.pos] = T.STRING;
      b[this.pos + 1] = len >> 8;
      b[this.pos + 2] = len & 0xff;
      this.pos += 3;
    }
    this.putUtf(s, off, off + len);
  }

  /** Encodes UTF-16 units [from, to) of `s` Java-style; the caller has ensured 3 bytes per unit. */
  protected putUtf(s: string, from: number, to: number): void {
    if (to - from > 64) {
      const part = from === 0 && to === s.length ? s : s.slice(from, to);
      if (!SURROGATE.test(part)) {
        // Without surrogates, standard UTF-8 is exactly Java's encoding.
        this.pos += (this.buf as unknown as Utf8Write).utf8Write(part, this.pos);
        return;
      }
    }
    const b = this.buf;
    let p = this.pos;
    for (let i = from; i < to; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        b[p++] = c;
      } else if (c < 0x800) {
        b[p++] = 0xc0 | (c >> 6);
        b[p++] = 0x80 | (c & 0x3f);
      } else {
        b[p++] = 0xe0 | (c >> 12);
        b[p++] = 0x80 | ((c >> 6) & 0x3f);
        b[p++] = 0x80 | (c & 0x3f);
      }
    }
    this.pos = p;
  }

  /** A `byte[]`: 32 KiB chunks, the last up to 15 bytes direct, up to 1023 in the short form where the dialect has it (2.0), else `B`. */
  writeBytes(bytes: Uint8Array): void {
    let len = bytes.length;
    let off = 0;
    while (len > 0x8000) {
      this.ensure(3 + 0x8000);
      const b = this.buf;
      b[this.pos] = this.tags.BINARY_CHUNK;
      b[this.pos + 1] = 0x80;
      b[this.pos + 2] = 0x00;
      b.set(bytes.subarray(off, off + 0x8000), this.pos + 3);
      this.pos += 3 + 0x8000;
      len -= 0x8000;
      off += 0x8000;
    }
    this.ensure(3 + len);
    const b = this.buf;
    if (len <= T.BINARY_DIRECT_MAX) {
      b[this.pos++] = T.BINARY_DIRECT + len;
    } else if (len <= T.BINARY_SHORT_MAX && this.tags.BINARY_SHORT !== T.NONE) {
      b[this.pos] = this.tags.BINARY_SHORT + (len >> 8);
      b[this.pos + 1] = len & 0xff;
      this.pos += 2;
    } else {
      b[this.pos] = T.BINARY;
      b[this.pos + 1] = len >> 8;
      b[this.pos + 2] = len & 0xff;
      this.pos += 3;
    }
    if (len < 32) {
      let p = this.pos;
      for (let i = off; i < off + len; i++) b[p++] = bytes[i]!;
      this.pos = p;
    } else {
      b.set(off === 0 && len === bytes.length ? bytes : bytes.subarray(off, off + len), this.pos);
      this.pos += len;
    }
  }

  // ------------------------------------------------------------------ structure (grammar)

  /** Grammar: a back-reference to the `index`-th list/map/object of this message (2.0: `Q` int). */
  writeRef(index: number): void {
    this.ensure(1);
    this.buf[this.pos++] = T.FINAL.REF;
    this.putInt(index);
  }

  /**
   * If `obj` was written before in this message, writes a back-reference and returns true.
   * Otherwise remembers it as the next list/map/object (the caller must then begin exactly one).
   */
  refOrRemember(obj: object): boolean {
    const ref = this.refs.get(obj);
    if (ref !== undefined) {
      this.writeRef(ref);
      return true;
    }
    this.refs.set(obj, this.refCount);
    return false;
  }

  /** Begins a list of `length` items; `type` null = untyped (Java reads an ArrayList). Items follow; then `listEnd()`. */
  listBegin(length: number, type: string | null): void {
    this.enter();
    this.refCount++;
    this.writeListHeader(length, type);
  }

  /** Ends a list begun with `listBegin`. */
  listEnd(): void {
    this.depth--;
    this.writeListEnd();
  }

  /** Begins a map; `type` null = untyped (Java reads a HashMap), else typed with that class. Pairs follow; then `mapEnd()`. */
  mapBegin(type: string | null): void {
    this.enter();
    this.refCount++;
    this.writeMapHeader(type);
  }

  mapEnd(): void {
    this.depth--;
    this.writeEnd();
  }

  /** Grammar: a fixed-length list header (compact `x70`–`x7f` forms up to 7 items, else `V`/`X` with an int length). */
  protected writeListHeader(length: number, type: string | null): void {
    this.ensure(1);
    const k = T.FINAL;
    if (type === null) {
      if (length <= T.LIST_DIRECT_MAX) {
        this.buf[this.pos++] = k.LIST_DIRECT_UNTYPED + length;
      } else {
        this.buf[this.pos++] = k.LIST_FIXED_UNTYPED;
        this.putInt(length);
      }
    } else if (length <= T.LIST_DIRECT_MAX) {
      this.buf[this.pos++] = k.LIST_DIRECT + length;
      this.writeType(type);
    } else {
      this.buf[this.pos++] = k.LIST_FIXED;
      this.writeType(type);
      this.putInt(length);
    }
  }

  /** Grammar: fixed-length lists have no end marker in 2.0. */
  protected writeListEnd(): void {}

  /** Grammar: `H`, or `M` type. */
  protected writeMapHeader(type: string | null): void {
    this.ensure(1);
    if (type === null) {
      this.buf[this.pos++] = T.FINAL.MAP_UNTYPED;
    } else {
      this.buf[this.pos++] = T.MAP;
      this.writeType(type);
    }
  }

  /** The end marker of maps (and of the draft's lists). */
  protected writeEnd(): void {
    this.ensure(1);
    this.buf[this.pos++] = this.tags.END;
  }

  /**
   * Begins an instance of Java class `className` with `fields` (in order): writes the class
   * definition the first time this class (with these fields) appears in the message, then the
   * instance header. The field values follow in the same order; then `objectEnd()`.
   */
  objectBegin(className: string, fields: readonly string[]): void {
    let def = this.classDefs.get(className);
    if (def === undefined || (def.fields !== fields && !sameFields(def.fields, fields))) {
      def = { index: this.classCount++, fields };
      this.classDefs.set(className, def);
      // A frozen field list (compiled descriptors) has stable identity: reuse its encoded definition.
      const cached = this.defBytes.get(fields);
      if (cached !== undefined && cached.name === className) {
        this.writeRaw(cached.bytes);
      } else {
        const start = this.pos;
        this.writeClassDef(className, fields);
        if (Object.isFrozen(fields)) this.defBytes.set(fields, { name: className, bytes: Buffer.from(this.buf.subarray(start, this.pos)) });
      }
    }
    this.enter();
    this.refCount++;
    this.writeInstanceHeader(def.index);
  }

  objectEnd(): void {
    this.depth--;
  }

  /** The instance header: `x60`+index for the first 16 classes where the dialect has that form (2.0), else `O`/`o` index. */
  protected writeInstanceHeader(index: number): void {
    this.ensure(1);
    const k = this.tags;
    if (index <= T.OBJECT_DIRECT_MAX && k.OBJECT_DIRECT !== T.NONE) {
      this.buf[this.pos++] = k.OBJECT_DIRECT + index;
    } else {
      this.buf[this.pos++] = k.OBJECT;
      this.putInt(index);
    }
  }

  /** A class definition: its code (`C`, draft `O`), the class name, the field count and the field names. */
  protected writeClassDef(className: string, fields: readonly string[]): void {
    this.ensure(1);
    this.buf[this.pos++] = this.tags.CLASS_DEF;
    this.writeClassName(className);
    this.putInt(fields.length);
    for (let i = 0; i < fields.length; i++) this.writeString(fields[i]!);
  }

  /** Grammar: the class name of a class definition (2.0: a string). */
  protected writeClassName(className: string): void {
    this.writeString(className);
  }

  /** Grammar: a type name (of a typed list or map): the string the first time in a message, then its index. */
  protected writeType(type: string): void {
    const ref = this.typeRefs.get(type);
    if (ref !== undefined) {
      this.putInt(ref);
    } else {
      this.typeRefs.set(type, this.typeRefs.size);
      this.writeString(type);
    }
  }

  protected enter(): void {
    if (++this.depth > this.maxDepth) {
      throw serializationError(`nesting deeper than maxDepth ${this.maxDepth}`);
    }
  }

  // ------------------------------------------------------------------ values

  /**
   * A Java Throwable that Java's `readThrowable` accepts: an instance of `className` (default
   * `java.lang.RuntimeException`) with its `detailMessage` field.
   */
  writeThrowable(className = 'java.lang.RuntimeException', message: string | null = null): void {
    this.objectBegin(className, THROWABLE_FIELDS);
    if (message === null) this.writeNull();
    else this.writeString(message);
    this.objectEnd();
  }

  /**
   * Untyped: the JS runtime type picks the Hessian type. number → int when an int32 integer, else
   * double; bigint → long; string; boolean; null/undefined → null; Uint8Array/Buffer → binary;
   * Date; Array → untyped list (typed if it carries a Java class); Map and plain objects → untyped
   * map (typed `M` if it carries a Java class); objects carrying a Java class (`javaObject`, or as
   * decoded) → class definition + instance; Set → `java.util.HashSet`; `TypedValue` → its
   * descriptor; Error → `java.lang.RuntimeException` (or its carried class) with the message;
   * Int32Array/Float64Array/BigInt64Array/… → `[int`/`[double`/`[long`/….
   */
  writeValue(v: unknown): void {
    switch (typeof v) {
      case 'string':
        this.writeString(v);
        return;
      case 'number':
        if ((v | 0) === v && (v !== 0 || 1 / v > 0)) this.putInt(v);
        else this.writeDouble(v);
        return;
      case 'boolean':
        this.writeBool(v);
        return;
      case 'bigint':
        this.writeLong(v);
        return;
      case 'undefined':
        this.writeNull();
        return;
      case 'object':
        if (v === null) this.writeNull();
        else this.writeObjectValue(v);
        return;
      default:
        throw serializationError(`cannot encode a ${typeof v}`);
    }
  }

  private writeObjectValue(v: object): void {
    if (Array.isArray(v)) {
      if (this.refOrRemember(v)) return;
      const type = (v as { [JAVA_CLASS]?: string })[JAVA_CLASS];
      this.listBegin(v.length, typeof type === 'string' ? type : null);
      for (let i = 0; i < v.length; i++) this.writeValue(v[i]);
      this.listEnd();
      return;
    }
    if (v instanceof Uint8Array) {
      this.writeBytes(v);
      return;
    }
    if (v instanceof Date) {
      this.writeDate(v);
      return;
    }
    if (v instanceof Map) {
      if (this.refOrRemember(v)) return;
      const type = javaClassOf(v);
      this.mapBegin(type === undefined || type === 'java.util.HashMap' ? null : type);
      for (const [k, val] of v) {
        this.writeValue(k);
        this.writeValue(val);
      }
      this.mapEnd();
      return;
    }
    if (v instanceof TypedValue) {
      this.writeTyped(v.value, v.desc);
      return;
    }
    if (v instanceof Set) {
      if (this.refOrRemember(v)) return;
      this.listBegin(v.size, javaClassOf(v) ?? 'java.util.HashSet');
      for (const item of v) this.writeValue(item);
      this.listEnd();
      return;
    }
    if (ArrayBuffer.isView(v)) {
      this.writeTypedArray(v);
      return;
    }
    if (v instanceof Error) {
      this.writeThrowable(javaClassOf(v) ?? 'java.lang.RuntimeException', v.message);
      return;
    }
    if (this.refOrRemember(v)) return;
    const cls = (v as { [JAVA_CLASS]?: string })[JAVA_CLASS];
    const keys = Object.keys(v);
    const o = v as Record<string, unknown>;
    if (typeof cls === 'string') {
      this.objectBegin(cls, keys);
      for (let i = 0; i < keys.length; i++) this.writeValue(o[keys[i]!]);
      this.objectEnd();
      return;
    }
    this.mapBegin(null);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      this.writeString(k);
      this.writeValue(o[k]);
    }
    this.mapEnd();
  }

  private writeTypedArray(v: ArrayBufferView): void {
    if (v instanceof Int8Array || v instanceof Uint8ClampedArray) {
      this.writeBytes(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      return;
    }
    const type = TYPED_ARRAY_TYPES.get(v.constructor);
    if (type === undefined) throw serializationError(`cannot encode a ${v.constructor.name}`);
    if (this.refOrRemember(v)) return;
    const arr = v as unknown as ArrayLike<number | bigint>;
    this.listBegin(arr.length, type);
    if (type === '[long') for (let i = 0; i < arr.length; i++) this.writeLong(arr[i]!);
    else if (type === '[double' || type === '[float') for (let i = 0; i < arr.length; i++) this.writeDouble(arr[i] as number);
    else for (let i = 0; i < arr.length; i++) this.putInt(arr[i] as number);
    this.listEnd();
  }

  /** Descriptor-driven: writes `v` as the Java type `desc` names (see the README's mapping table). */
  writeTyped(v: unknown, desc: TypeDesc): void {
    encoderFor(desc)(this, v);
  }
}

/** Typed arrays written untyped, as the Java primitive array they match (Uint32 values need Java long). */
const TYPED_ARRAY_TYPES = new Map<unknown, string>([
  [Int16Array, '[short'],
  [Uint16Array, '[int'],
  [Int32Array, '[int'],
  [Uint32Array, '[long'],
  [Float32Array, '[float'],
  [Float64Array, '[double'],
  [BigInt64Array, '[long'],
]);

const THROWABLE_FIELDS: readonly string[] = Object.freeze(['detailMessage']);

function sameFields(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function describe(v: unknown): string {
  return typeof v === 'number' && Object.is(v, -0) ? '-0' : String(v);
}

/** Node's internal fast path behind `buf.write(s, offset, 'utf8')` (without its argument parsing); the caller has ensured room. */
interface Utf8Write {
  utf8Write(s: string, offset: number): number;
}
