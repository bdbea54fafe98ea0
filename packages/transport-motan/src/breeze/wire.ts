import { malformed } from '../wire/errors.js';
import type { ByteReader } from '../wire/reader.js';
import type { ByteWriter } from '../wire/writer.js';
import { BreezeTag as T, INT32_ZERO, INT64_ZERO } from './tags.js';

/** The breeze encodings of single values, with and without their type byte. */

export function writeString(w: ByteWriter, s: string): void {
  const n = Buffer.byteLength(s, 'utf8');
  if (n <= T.DIRECT_STRING_MAX) {
    w.u8(n);
  } else {
    w.u8(T.STRING);
    w.varint(n);
  }
  w.utf8(s);
}

/** An element of a packed container whose type byte said STRING. */
export function writeStringBody(w: ByteWriter, s: string): void {
  w.varint(Buffer.byteLength(s, 'utf8'));
  w.utf8(s);
}

export function writeInt32(w: ByteWriter, n: number): void {
  if (n >= -16 && n <= 46) {
    w.u8(n + INT32_ZERO);
  } else {
    w.u8(T.INT32);
    w.zigzag32(n);
  }
}

export function writeInt64(w: ByteWriter, n: bigint): void {
  if (n >= -8n && n <= 15n) {
    w.u8(Number(n) + INT64_ZERO);
  } else {
    w.u8(T.INT64);
    w.zigzag64(n);
  }
}

/**
 * A message's type: its name the first time in a body, then a reference to it (1–32 in the type
 * byte, beyond that a varint), as breeze Java and Go write them.
 */
export function writeMessageType(w: ByteWriter, name: string): void {
  const names = (w.names ??= new Map());
  const index = names.get(name);
  if (index === undefined) {
    w.u8(T.MESSAGE);
    writeStringBody(w, name);
    names.set(name, names.size + 1);
  } else if (index <= T.DIRECT_REF_MESSAGE_MAX - T.REF_MESSAGE) {
    w.u8(T.REF_MESSAGE + index);
  } else {
    w.u8(T.REF_MESSAGE);
    w.varint(index);
  }
}

/**
 * Reads a type byte. Message types (a name, or a reference to one) all come back as MESSAGE, the
 * name in `r.messageName`.
 */
export function readType(r: ByteReader): number {
  const tag = r.u8();
  if (tag < T.MESSAGE) return tag;
  if (tag === T.MESSAGE) {
    const name = r.utf8(r.varint());
    (r.names ??= []).push(name);
    r.messageName = name;
    return T.MESSAGE;
  }
  const index = tag === T.REF_MESSAGE ? r.varint() : tag - T.REF_MESSAGE;
  const name = r.names?.[index - 1];
  if (name === undefined) throw malformed(`breeze message reference ${index} to no message read before`);
  r.messageName = name;
  return T.MESSAGE;
}

/** A string after its type byte (direct or STRING). */
export function readStringAfter(r: ByteReader, tag: number): string {
  return r.utf8(tag === T.STRING ? r.varint() : tag);
}

/** Whether `tag` is one of the integer encodings (direct or varint, 32 or 64 bits, int16, byte). */
export function isIntegerTag(tag: number): boolean {
  return (tag >= T.DIRECT_INT32_MIN && tag <= T.INT64) || tag === T.INT16 || tag === T.BYTE;
}

/** An integer after its type byte, as a bigint (exact for every width). */
export function readIntegerAfter(r: ByteReader, tag: number): bigint {
  if (tag <= T.DIRECT_INT32_MAX) return BigInt(tag - INT32_ZERO);
  if (tag === T.INT32) return BigInt(r.zigzag32());
  if (tag <= T.DIRECT_INT64_MAX) return BigInt(tag - INT64_ZERO);
  if (tag === T.INT64) return BigInt.asIntN(64, r.zigzag64());
  if (tag === T.INT16) return BigInt(r.i16());
  return BigInt(r.i8());
}

/**
 * A count of elements or entries. Real elements take at least a byte each, so a count beyond the
 * bytes left is a lie; refusing it keeps what is allocated for it bounded by the frame.
 */
export function readCount(r: ByteReader): number {
  const n = r.varint();
  if (n > r.remaining) throw malformed(`breeze count ${n} exceeds the ${r.remaining} bytes left`);
  return n;
}

/** The u32 length of a message's fields; returns where they end. */
export function readMessageSpan(r: ByteReader): number {
  return r.u32Span('breeze message');
}
