import { md5Words } from './md5.js';

/** Ring positions are 32-bit; member indexes ride below them in one float64 sort key. */
const INDEX_BITS = 2 ** 21;

/**
 * A consistent-hash ring laid out as Dubbo's: each member at `replicas` points (rounded down to a
 * multiple of 4), the points of digest `MD5(address + i)` for i in [0, replicas/4). Where two
 * points collide, the member listed later keeps it, as a later `TreeMap.put` would.
 *
 * Stored as one sorted Uint32Array of points and a parallel array of owners, searched by bisection:
 * O(log(n·replicas)) per lookup, no allocation.
 */
export class HashRing<T> {
  private constructor(
    private readonly points: Uint32Array,
    private readonly owners: readonly T[],
  ) {}

  static build<T>(members: readonly { readonly ringAddress: string; readonly value: T }[], replicas: number): HashRing<T> {
    if (members.length >= INDEX_BITS) throw new RangeError(`a hash ring holds at most ${INDEX_BITS - 1} members`);
    const digests = Math.floor(replicas / 4);
    const keys = new Float64Array(members.length * digests * 4);
    let k = 0;
    for (let m = 0; m < members.length; m++) {
      const address = members[m]!.ringAddress;
      for (let i = 0; i < digests; i++) {
        const digest = md5Words(address + i);
        for (let h = 0; h < 4; h++) keys[k++] = digest[h]! * INDEX_BITS + m;
      }
    }
    keys.sort();
    // Keep one owner per point: the last of a run of equal points, i.e. the member listed last.
    const points: number[] = [];
    const owners: T[] = [];
    for (let i = 0; i < keys.length; i++) {
      const point = Math.floor(keys[i]! / INDEX_BITS);
      const next = i + 1 < keys.length ? Math.floor(keys[i + 1]! / INDEX_BITS) : -1;
      if (next === point) continue;
      points.push(point);
      owners.push(members[keys[i]! % INDEX_BITS]!.value);
    }
    return new HashRing(Uint32Array.from(points), owners);
  }

  get size(): number {
    return this.points.length;
  }

  /** Index of the first point at or after `point`, wrapping past the top to 0. */
  ceiling(point: number): number {
    const points = this.points;
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid]! < point) lo = mid + 1;
      else hi = mid;
    }
    return lo === points.length ? 0 : lo;
  }

  ownerAt(index: number): T {
    return this.owners[index]!;
  }
}

/** Where a key lands on the ring: the first word of its digest, as Dubbo takes it. */
export function keyPoint(key: string): number {
  return md5Words(key)[0]!;
}
