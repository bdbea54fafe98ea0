/** Metas longer than this are decoded every time (a caller with large attachments repeats them less). */
const MAX_CACHED_BYTES = 1024;

/** One request meta as it came, with what the server derived from it (shared: never written). */
export interface MetaEntry<T> {
  readonly bytes: Buffer;
  readonly value: T;
}

/**
 * The last few distinct request metas a server read, by their bytes. A caller sends the same meta
 * call after call (its method's fixed pairs, then its timeout), so comparing bytes (one memcmp)
 * stands in for decoding eight strings, building the method's key and looking it up: about a
 * sixth of a Motan2 provider's CPU per 1 KiB echo. Replaced round-robin; a miss costs the compare
 * of entries of the same length and, once decoded, one small copy.
 */
export class MetaCache<T> {
  private readonly entries: (MetaEntry<T> | undefined)[];
  private next = 0;

  constructor(size = 8) {
    this.entries = new Array<MetaEntry<T> | undefined>(size).fill(undefined);
  }

  find(frame: Buffer, start: number, end: number): MetaEntry<T> | undefined {
    const n = end - start;
    const entries = this.entries;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      if (e !== undefined && e.bytes.length === n && frame.compare(e.bytes, 0, n, start, end) === 0) return e;
    }
    return undefined;
  }

  /** Keeps `value`, derived from the meta `frame[start, end)`, for the next requests with the same bytes. */
  add(frame: Buffer, start: number, end: number, value: T): void {
    if (end - start > MAX_CACHED_BYTES) return;
    // A copy: the frame is a view into a socket chunk that is reused.
    this.entries[this.next] = { bytes: Buffer.from(frame.subarray(start, end)), value };
    this.next = (this.next + 1) % this.entries.length;
  }

  clear(): void {
    this.entries.fill(undefined);
  }
}
