import { Code, RpcError } from '@meshlet/core';
import { i32, put32 } from './bytes.js';

/**
 * The Bolt header map (SOFARPC `SimpleMapSerializer`): `int32 keyLen | key | int32 valLen | value`
 * repeated until the header ends, UTF-8, no count and no terminator. A negative length is Java's
 * null (the entry is dropped), zero is "".
 */

/** One header as an ordered list of entries; entries with a null value are skipped, as Java does. */
export type HeaderEntries = readonly (readonly [string, string | null | undefined])[];

export function encodeHeaderMap(entries: HeaderEntries): Buffer {
  let size = 0;
  for (const [k, v] of entries) if (v !== null && v !== undefined) size += 8 + Buffer.byteLength(k) + Buffer.byteLength(v);
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const [k, v] of entries) {
    if (v === null || v === undefined) continue;
    pos = putString(out, pos, k);
    pos = putString(out, pos, v);
  }
  return out;
}

function putString(out: Buffer, pos: number, s: string): number {
  const n = out.write(s, pos + 4, 'utf8');
  put32(out, pos, n);
  return pos + 4 + n;
}

/** Appends the entries of `extra` (string values) to already encoded header bytes. */
export function appendHeaderMap(base: Buffer, extra: Readonly<Record<string, string>>): Buffer {
  const entries: [string, string][] = [];
  for (const k in extra) entries.push([k, extra[k]!]);
  return entries.length === 0 ? base : Buffer.concat([base, encodeHeaderMap(entries)]);
}

/**
 * Decodes `buf[start, end)` into a null-prototype object (so `__proto__` and `constructor` are plain
 * keys). Lengths are checked against the bytes left before anything is sliced.
 */
export function decodeHeaderMap(buf: Buffer, start: number, end: number): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  let pos = start;
  while (pos < end) {
    const [key, afterKey] = readString(buf, pos, end, 'key');
    const [value, afterValue] = readString(buf, afterKey, end, 'value');
    pos = afterValue;
    if (key !== null && value !== null) out[key] = value;
  }
  return out;
}

function readString(buf: Buffer, pos: number, end: number, what: string): [string | null, number] {
  if (end - pos < 4) throw bad(`truncated header ${what} length at offset ${pos}`);
  const len = i32(buf, pos);
  pos += 4;
  if (len < 0) return [null, pos];
  if (len > end - pos) throw bad(`header ${what} length ${len} exceeds the ${end - pos} bytes left`);
  return [buf.toString('utf8', pos, pos + len), pos + len];
}

function bad(message: string): RpcError {
  return new RpcError(Code.Protocol, message);
}

/**
 * The order in which a `java.util.HashMap` (initial capacity 16, load factor 0.75) that received
 * `keys` in this order iterates them: by bucket of `hash ^ (hash >>> 16)`, insertion order within a
 * bucket, doubling the table past 3/4 full. SOFARPC writes its header map and `requestProps` from
 * HashMaps; emitting the same order makes our frames byte-identical to a Java consumer's.
 */
export function javaHashMapOrder(keys: readonly string[]): string[] {
  let capacity = 16;
  while (keys.length > capacity * 0.75) capacity *= 2;
  const buckets = new Map<number, string[]>();
  for (const k of keys) {
    const h = javaStringHash(k);
    const index = (h ^ (h >>> 16)) & (capacity - 1);
    const bucket = buckets.get(index);
    if (bucket) bucket.push(k);
    else buckets.set(index, [k]);
  }
  return [...buckets.keys()].sort((a, b) => a - b).flatMap((i) => buckets.get(i)!);
}

/** Java's `String.hashCode()` over UTF-16 units, as an int32. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

export type HeaderEntryList = readonly (readonly [string, string])[];
const NO_ENTRIES: HeaderEntryList = Object.freeze([]);

/**
 * Decoded header maps by their bytes. A consumer sends the same header for every call of a method
 * (attachments aside), so a provider decodes each distinct header once: the lookup key is the
 * bytes as latin1 (one native copy) instead of two UTF-8 decodes per entry. Bounded: cleared when
 * full, so varied headers (per-call trace ids) cost a decode and never memory.
 */
export class HeaderCache {
  private readonly cache = new Map<string, HeaderEntryList>();
  private lastBytes: Buffer | undefined;
  private lastList: HeaderEntryList = NO_ENTRIES;

  constructor(private readonly capacity = 512, private readonly maxBytes = 1024) {}

  /** The header's entries in wire order (shared: do not modify). Throws RpcError PROTOCOL for a malformed header. */
  entries(buf: Buffer, start: number, end: number): HeaderEntryList {
    if (start === end) return NO_ENTRIES;
    if (end - start > this.maxBytes) return Object.entries(decodeHeaderMap(buf, start, end));
    // Most frames repeat the previous one's header: a memcmp settles it without the string key.
    const last = this.lastBytes;
    if (last !== undefined && last.length === end - start && buf.compare(last, 0, last.length, start, end) === 0) return this.lastList;
    const key = buf.toString('latin1', start, end);
    let list = this.cache.get(key);
    if (list === undefined) {
      list = Object.freeze(Object.entries(decodeHeaderMap(buf, start, end)));
      if (this.cache.size >= this.capacity) this.cache.clear();
      this.cache.set(key, list);
    }
    this.lastBytes = Buffer.from(buf.subarray(start, end));
    this.lastList = list;
    return list;
  }
}

