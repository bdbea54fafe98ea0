import { isAscii } from 'node:buffer';

/**
 * Strings this long or longer take the fast paths below. `JSON.stringify` of a string scans and
 * copies it at ~0.5 GB/s and Node's UTF-8 decoder runs at ~1 GB/s; for an 8 MB echo those two
 * were most of the call. Short strings gain nothing from them.
 */
export const LONG_JSON_STRING = 1024;

/**
 * `JSON.stringify(s)` as UTF-8 bytes, for a long string that needs no escape: ASCII with no `"`,
 * no `\` and no control character. Undefined otherwise (the caller stringifies). Written once
 * into the buffer that becomes the payload data, checked there (natively for the quote, the
 * backslash and ASCII; four bytes at a time for control characters).
 */
export function quotedJsonString(s: string): Buffer | undefined {
  const n = s.length;
  const out = Buffer.allocUnsafe(n + 2);
  // At most n bytes: a non-ASCII string is cut short or leaves non-ASCII bytes, caught below.
  const written = out.write(s, 1, n, 'utf8');
  if (written !== n) return undefined;
  const text = out.subarray(1, n + 1);
  if (!isAscii(text) || text.indexOf(0x22) !== -1 || text.indexOf(0x5c) !== -1 || hasControl(text)) return undefined;
  out[0] = 0x22;
  out[n + 1] = 0x22;
  return out;
}

/**
 * Whether ASCII bytes hold one below 0x20. Four bytes at a time: for bytes below 0x80, the high bit
 * of `(x - 0x20) & ~x` is set exactly when x < 0x20 (a borrow out of one byte only happens from
 * a byte that is itself below 0x20, so it cannot make another byte look like one).
 */
export function hasControl(bytes: Buffer): boolean {
  const start = bytes.byteOffset;
  const end = start + bytes.length;
  const alignedStart = (start + 3) & ~3;
  const alignedEnd = end & ~3;
  if (alignedEnd <= alignedStart) return bytes.some((b) => b < 0x20);
  const all = new Uint8Array(bytes.buffer);
  for (let i = start; i < alignedStart; i++) if (all[i]! < 0x20) return true;
  // Branch-free over four words at a time, with an early way out every 64 KiB; an Int32Array so
  // that no word is ever a heap number.
  const words = new Int32Array(bytes.buffer, alignedStart, (alignedEnd - alignedStart) >>> 2);
  const K = 0x20202020;
  const n = words.length & ~3;
  let acc = 0;
  let i = 0;
  for (; i < n; i += 4) {
    const a = words[i]!;
    const b = words[i + 1]!;
    const c = words[i + 2]!;
    const d = words[i + 3]!;
    acc |= ((a - K) & ~a) | ((b - K) & ~b) | ((c - K) & ~c) | ((d - K) & ~d);
    if ((i & 0x3fff) === 0 && (acc & 0x80808080) !== 0) return true;
  }
  for (; i < words.length; i++) acc |= (words[i]! - K) & ~words[i]!;
  if ((acc & 0x80808080) !== 0) return true;
  for (let i = alignedEnd; i < end; i++) if (all[i]! < 0x20) return true;
  return false;
}

/** UTF-8 bytes as a string; ASCII (checked ~100x faster than decoding) is decoded as a copy. */
export function utf8Text(bytes: Buffer, start: number, end: number): string {
  return end - start >= LONG_JSON_STRING && isAscii(bytes.subarray(start, end))
    ? bytes.toString('ascii', start, end)
    : bytes.toString('utf8', start, end);
}
