// A mutation engine for byte inputs, in the spirit of libFuzzer's and AFL's havoc stage: byte flips,
// inserts, deletes, splices with other corpus entries, interesting integers, length-field rewrites
// and protocol tokens. Deterministic for a given seed, so a run can be replayed.

/** xorshift32: fast, seedable, good enough to pick mutations. */
export class Rng {
  constructor(seed) { this.s = (seed >>> 0) || 0x9e3779b9; }
  next() {
    let x = this.s;
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    this.s = x;
    return x;
  }
  below(n) { return n <= 0 ? 0 : this.next() % n; }
  chance(p) { return this.next() / 0x1_0000_0000 < p; }
}

// Values that sit on the edges of the checks decoders make (sign bits, 2^n ± 1, lengths).
const INTERESTING = [0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 100, 127, 128, 255, 256, 512, 1000, 1024, 4096,
  0x7fff, 0x8000, 0xffff, 0x10000, 0xffffff, 0x1000000, 0x7fffffff, 0x80000000, 0xffffffff, -1, -2, -128, -129, -32768];

/** Writes `v` at `at` as a `width`-byte integer, big- or little-endian, clipped to the buffer. */
function putInt(buf, at, width, v, little) {
  for (let i = 0; i < width && at + i < buf.length; i++) {
    const shift = little ? i * 8 : (width - 1 - i) * 8;
    buf[at + i] = shift >= 32 ? (v < 0 ? 0xff : 0) : (v >>> shift) & 0xff;
  }
}

/**
 * One mutated copy of `base`. `others` are corpus entries for splicing, `dict` protocol tokens
 * (magic numbers, tags, class names), `maxLength` the largest input produced.
 */
export function mutate(base, rng, others, dict, maxLength) {
  let buf = Buffer.from(base);
  const rounds = 1 + rng.below(rng.chance(0.2) ? 16 : 4);
  for (let r = 0; r < rounds; r++) buf = mutateOnce(buf, rng, others, dict);
  return buf.length > maxLength ? buf.subarray(0, maxLength) : buf;
}

function mutateOnce(buf, rng, others, dict) {
  const n = buf.length;
  const at = rng.below(n + 1);
  switch (rng.below(13)) {
    case 0: // flip one bit
      if (n > 0) { const i = rng.below(n); buf[i] ^= 1 << rng.below(8); }
      return buf;
    case 1: // set a random byte
      if (n > 0) buf[rng.below(n)] = rng.below(256);
      return buf;
    case 2: { // insert random bytes
      const len = 1 + rng.below(rng.chance(0.1) ? 256 : 8);
      const ins = Buffer.alloc(len);
      for (let i = 0; i < len; i++) ins[i] = rng.chance(0.5) ? rng.below(256) : (i === 0 ? 0 : ins[i - 1]);
      return Buffer.concat([buf.subarray(0, at), ins, buf.subarray(at)]);
    }
    case 3: { // delete a range
      if (n === 0) return buf;
      const len = 1 + rng.below(Math.min(n - Math.min(at, n - 1), rng.chance(0.2) ? n : 16));
      const from = Math.min(at, n - 1);
      return Buffer.concat([buf.subarray(0, from), buf.subarray(from + len)]);
    }
    case 4: { // an interesting integer, 1/2/4/8 bytes, either endianness
      if (n === 0) return buf;
      const width = [1, 2, 4, 8][rng.below(4)];
      putInt(buf, rng.below(n), width, INTERESTING[rng.below(INTERESTING.length)], rng.chance(0.3));
      return buf;
    }
    case 5: { // length fields: nudge a 1/2/4-byte big-endian integer by a small delta or scale it
      if (n < 2) return buf;
      const width = [1, 2, 3, 4][rng.below(4)];
      const i = rng.below(Math.max(1, n - width + 1));
      let v = 0;
      for (let k = 0; k < width && i + k < n; k++) v = v * 256 + buf[i + k];
      const deltas = [1, -1, 2, -2, 16, -16, 256, v, -v, 0x7fffffff - v];
      putInt(buf, i, width, v + deltas[rng.below(deltas.length)], false);
      return buf;
    }
    case 6: { // overwrite with a dictionary token
      if (dict.length === 0) return buf;
      const tok = dict[rng.below(dict.length)];
      const out = Buffer.from(buf.length >= at + tok.length ? buf : Buffer.concat([buf, Buffer.alloc(at + tok.length - buf.length)]));
      tok.copy(out, at);
      return out;
    }
    case 7: { // insert a dictionary token
      if (dict.length === 0) return buf;
      return Buffer.concat([buf.subarray(0, at), dict[rng.below(dict.length)], buf.subarray(at)]);
    }
    case 8: { // splice: our head, another entry's tail
      if (others.length === 0) return buf;
      const o = others[rng.below(others.length)];
      return Buffer.concat([buf.subarray(0, at), o.subarray(rng.below(o.length + 1))]);
    }
    case 9: { // duplicate a range (repeated structures, nested containers)
      if (n === 0) return buf;
      const from = rng.below(n);
      const len = 1 + rng.below(Math.min(64, n - from));
      const times = 1 + rng.below(rng.chance(0.1) ? 64 : 4);
      const parts = [buf.subarray(0, at)];
      for (let k = 0; k < times; k++) parts.push(buf.subarray(from, from + len));
      parts.push(buf.subarray(at));
      return Buffer.concat(parts);
    }
    case 10: // truncate
      return buf.subarray(0, at);
    case 11: { // swap two bytes
      if (n < 2) return buf;
      const i = rng.below(n), j = rng.below(n);
      const t = buf[i]; buf[i] = buf[j]; buf[j] = t;
      return buf;
    }
    default: { // arithmetic on one byte
      if (n === 0) return buf;
      const i = rng.below(n);
      buf[i] = (buf[i] + (rng.below(70) - 35)) & 0xff;
      return buf;
    }
  }
}
