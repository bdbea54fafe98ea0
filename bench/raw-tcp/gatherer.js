// Gathers a frame that spans reads as a list of chunks and joins them once, when it is complete:
// re-joining the partial buffer on every read is quadratic in the frame size (an 8 MiB frame
// arrives in ~128 reads), which would make this reference slower than what it measures.
export function gatherer() {
  let parts = [];
  let held = 0;
  let need = -1;
  return {
    /** The bytes to parse now (null: the frame in progress is not complete yet). */
    join(chunk) {
      if (held === 0) return chunk;
      parts.push(chunk);
      held += chunk.length;
      if (need < 0 && held >= 4) {
        parts = [Buffer.concat(parts)];
        need = 4 + parts[0].readUInt32BE(0);
      }
      if (need < 0 || held < need) return null;
      const buf = parts.length === 1 ? parts[0] : Buffer.concat(parts, held);
      parts = [];
      held = 0;
      need = -1;
      return buf;
    },
    /** Keeps what follows the last whole frame of `buf`. */
    keep(buf, off) {
      if (off === buf.length) return;
      const rest = buf.subarray(off);
      parts = [rest];
      held = rest.length;
      need = rest.length >= 4 ? 4 + rest.readUInt32BE(0) : -1;
    },
  };
}
