/**
 * MD5 (RFC 1321) of a string's UTF-8 bytes, in plain JS over reused buffers.
 *
 * Why not `node:crypto`: a consistent-hash pick hashes its key every call, and a one-shot
 * `crypto.hash('md5', …)` costs about 1.3 µs on a 2-vCPU VM (native call, OpenSSL context, Buffer),
 * several times the digest itself for the short keys routing uses. This runs allocation-free.
 *
 * Unpaired surrogates are encoded as `?`, which is what Java's `getBytes(UTF_8)` writes (Node
 * writes U+FFFD), so keys hash as a Java Dubbo consumer hashes them.
 *
 * The result is the four state words A, B, C, D: exactly the digest read as four little-endian
 * unsigned 32-bit words, which is how Dubbo turns a digest into ring points.
 */

// Per-step left-rotation amounts and sine-derived constants, from the RFC.
const SHIFTS = new Uint8Array([
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
  5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
  6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
]);
const K = new Int32Array(64);
for (let i = 0; i < 64; i++) K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0;

let bytes = new Uint8Array(256);
const block = new Int32Array(16);
const result = new Uint32Array(4);

/** The digest of `text` as four unsigned words. The array is reused: read it before the next call. */
export function md5Words(text: string): Uint32Array {
  const n = encode(text);
  // Padding: 0x80, zeros up to 56 mod 64, then the bit length as a 64-bit little-endian number.
  const total = ((n + 8) >>> 6) * 64 + 64;
  bytes[n] = 0x80;
  bytes.fill(0, n + 1, total - 8);
  const bitsLow = (n * 8) >>> 0;
  const bitsHigh = Math.floor(n / 0x20000000);
  for (let i = 0; i < 4; i++) {
    bytes[total - 8 + i] = (bitsLow >>> (8 * i)) & 0xff;
    bytes[total - 4 + i] = (bitsHigh >>> (8 * i)) & 0xff;
  }
  let a = 0x67452301, b = 0xefcdab89 | 0, c = 0x98badcfe | 0, d = 0x10325476;
  for (let offset = 0; offset < total; offset += 64) {
    for (let i = 0; i < 16; i++) {
      const p = offset + i * 4;
      block[i] = bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24);
    }
    let A = a, B = b, C = c, D = d;
    for (let i = 0; i < 64; i++) {
      let f: number;
      let g: number;
      if (i < 16) {
        f = (B & C) | (~B & D);
        g = i;
      } else if (i < 32) {
        f = (D & B) | (~D & C);
        g = (5 * i + 1) & 15;
      } else if (i < 48) {
        f = B ^ C ^ D;
        g = (3 * i + 5) & 15;
      } else {
        f = C ^ (B | ~D);
        g = (7 * i) & 15;
      }
      const sum = (f + A + K[i]! + block[g]!) | 0;
      A = D;
      D = C;
      C = B;
      const s = SHIFTS[i]!;
      B = (B + ((sum << s) | (sum >>> (32 - s)))) | 0;
    }
    a = (a + A) | 0;
    b = (b + B) | 0;
    c = (c + C) | 0;
    d = (d + D) | 0;
  }
  result[0] = a;
  result[1] = b;
  result[2] = c;
  result[3] = d;
  return result;
}

/** UTF-8 of `text` into `bytes` (grown when needed, with room for padding); returns the length. */
function encode(text: string): number {
  const need = text.length * 3 + 72;
  if (bytes.length < need) bytes = new Uint8Array(Math.max(need, bytes.length * 2));
  const out = bytes;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
    } else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        out[n++] = 0xf0 | (c >> 18);
        out[n++] = 0x80 | ((c >> 12) & 0x3f);
        out[n++] = 0x80 | ((c >> 6) & 0x3f);
        out[n++] = 0x80 | (c & 0x3f);
      } else {
        out[n++] = 0x3f; // '?', as Java encodes an unpaired surrogate
      }
    } else {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    }
  }
  return n;
}
