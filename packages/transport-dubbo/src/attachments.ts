import type { HessianReader } from '@meshlet/hessian';

const MAP_UNTYPED = 0x48; // 'H'
const MAP_END = 0x5a; // 'Z'

/**
 * Attachments are strings on the wire: Java's `getAttachment(String)` returns null for anything
 * else. Peers that send other types (apache-dubbo-js sends `timeout` as an int) are read leniently.
 */
export function toStringAttachments(value: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (value instanceof Map) {
    for (const [k, v] of value) if (v !== null && v !== undefined) out[String(k)] = String(v);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = String(v);
  }
  return out;
}

/** The attachments that end a request: a map read as strings directly, anything else leniently. */
export function readAttachments(r: HessianReader): Record<string, string> {
  return r.isMapTag(r.peekTag()) ? r.readStringRecord() : toStringAttachments(r.readValue());
}

/** Attachment maps up to this many bytes are remembered (Java's and ours are ~150-300). */
const CACHED_MAX_BYTES = 1024;
/** How many distinct attachment maps are remembered (one per consumer × method, roughly). */
const CACHED_MAX = 4;

/** A remembered attachment map: its bytes, its strings, and its `group` (the server resolves with it). */
export interface CachedAttachments {
  readonly bytes: Buffer;
  readonly keys: readonly string[];
  readonly values: readonly string[];
  readonly group: string | undefined;
}

/**
 * The attachments that end a request, remembered by their bytes: a consumer sends the same map
 * call after call (Java: path, interface, version, its configured timeout...; ours: the same with
 * the time left, which stays the same within a millisecond), so a request whose attachment bytes
 * equal a remembered map's (one native compare) gets a new record of the same strings without
 * decoding ~10 strings (~0.5 µs per request, isolated). Only maps of plain ASCII strings are
 * remembered: their bytes mean the same whatever came before them in the message (no back-references,
 * no class definitions), and they end the message, so no later value refers to their slot.
 */
export class AttachmentCache {
  private readonly cached: CachedAttachments[] = [];
  private next = 0;
  private lastPeeked = 0;

  /**
   * The remembered map whose bytes end `frame`, if one does: the request's attachments (its group)
   * known before its arguments are read. A guess until `read` confirms that the arguments end
   * where the map begins (a string argument could end with the same bytes).
   */
  peek(frame: Buffer): CachedAttachments | undefined {
    const cached = this.cached;
    // The map last found first: a connection's calls mostly send the same one.
    const last = cached[this.lastPeeked];
    if (last !== undefined && endsWith(frame, last.bytes)) return last;
    for (let i = 0; i < cached.length; i++) {
      const c = cached[i]!;
      if (c !== last && endsWith(frame, c.bytes)) {
        this.lastPeeked = i;
        return c;
      }
    }
    return undefined;
  }

  /**
   * The attachments from `r`'s position to the end of `frame`; the reader is left unusable after a
   * hit. `peeked`: what `peek` found for this frame, taken without comparing again when the
   * arguments ended where it begins.
   */
  read(r: HessianReader, frame: Buffer, peeked?: CachedAttachments): Record<string, string> {
    const start = r.position;
    const end = frame.length;
    const length = end - start;
    if (peeked !== undefined && peeked.bytes.length === length) return recordOf(peeked);
    if (length > CACHED_MAX_BYTES) return readAttachments(r);
    const cached = this.cached;
    for (let i = 0; i < cached.length; i++) {
      const c = cached[i]!;
      if (c.bytes.length === length && frame.compare(c.bytes, 0, length, start, end) === 0) return recordOf(c);
    }
    const record = readAttachments(r);
    if (isAsciiStringMap(frame, start, end)) {
      const keys = Object.keys(record);
      const entry: CachedAttachments = { bytes: Buffer.from(frame.subarray(start, end)), keys, values: keys.map((k) => record[k]!), group: record.group || undefined };
      if (cached.length < CACHED_MAX) cached.push(entry);
      else cached[this.next] = entry;
      this.next = (this.next + 1) % CACHED_MAX;
    }
    return record;
  }
}

/** True when `frame` ends with `bytes`; a map's first byte (`H`) is checked before the native compare. */
function endsWith(frame: Buffer, bytes: Buffer): boolean {
  const start = frame.length - bytes.length;
  return start >= 0 && frame[start] === MAP_UNTYPED && frame.compare(bytes, 0, bytes.length, start, frame.length) === 0;
}

/** A new record (each request's is its own: interceptors may change it). */
function recordOf(c: CachedAttachments): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  const { keys, values } = c;
  for (let i = 0; i < keys.length; i++) out[keys[i]!] = values[i]!;
  return out;
}

/**
 * True when `frame[start, end)` is exactly `H` (key value)* `Z` with every key and value a
 * direct or short-form string of ASCII bytes: bytes whose meaning does not depend on the rest of
 * the message.
 */
function isAsciiStringMap(frame: Buffer, start: number, end: number): boolean {
  if (frame[start] !== MAP_UNTYPED) return false;
  let p = start + 1;
  let strings = 0;
  while (p < end) {
    const tag = frame[p]!;
    if (tag === MAP_END) return p + 1 === end && strings % 2 === 0;
    let units: number;
    if (tag <= 0x1f) {
      units = tag;
      p += 1;
    } else if (tag >= 0x30 && tag <= 0x33) {
      if (p + 1 >= end) return false;
      units = ((tag - 0x30) << 8) | frame[p + 1]!;
      p += 2;
    } else {
      return false;
    }
    if (units > end - p) return false;
    for (const stop = p + units; p < stop; p++) if (frame[p]! >= 0x80) return false;
    strings++;
  }
  return false;
}
