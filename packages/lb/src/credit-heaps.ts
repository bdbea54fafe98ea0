import { EndpointState } from './endpoint-state.js';

/** Smooth round robin keeps a running credit per endpoint. */
export class CreditState extends EndpointState {
  /** The credit; while `CreditHeaps` holds the state, the credit less weight × picks (`offset`). */
  credit = 0;
  /** The weight `CreditHeaps` counts this state with, and its place in that weight's heap. */
  heapWeight = 0;
  heapAt = -1;
}

/** Which of two states of one weight smooth round robin takes first: more credit, then the earlier slot. */
function before(a: CreditState, b: CreditState): boolean {
  return a.credit > b.credit || (a.credit === b.credit && a.slot < b.slot);
}

/**
 * Smooth weighted round robin in O(m + k + log n) per pick, for k distinct integer weights and m
 * endpoints warming up, with the exact choices of the full pass. Every pick adds each endpoint's
 * weight to its credit; instead of doing that n times, a warm endpoint's credit is kept as
 * `weight × picks + offset` and only the chosen endpoint's offset moves (by −total). Among warm
 * endpoints of one weight the order by credit is the order by offset, so a max-heap per weight
 * gives each weight's best, and the pick compares k of them. An endpoint warming up has a weight
 * that moves with time: its credit is kept in full and added to per pick, as the full pass does,
 * and it joins the heaps when its ramp ends. Weights must be integers (the arithmetic stays exact,
 * so ties fall as in the full pass: more credit first, then the earlier slot).
 */
export class CreditHeaps {
  private heaps: CreditState[][] = [];
  private weights: number[] = [];
  /** States warming up (full credits in `credit`); the heaps hold the warm ones (offsets). */
  private warming: CreditState[] = [];
  private picks = 0;
  /** The weights of the warm states, added up. */
  private warmTotal = 0;
  /**
   * Set by the pick that ended the last ramp when every warm weight is the same: the full pass
   * would turn to plain rotation after that pick, so the caller should too.
   */
  settled = false;

  /**
   * Takes over `states` (credits as the full pass left them) if they qualify: integer weights, no
   * state twice, and either some endpoint warming up or warm weights that differ and add up to more
   * than 0 (equal ones rotate, which is cheaper still). False: not taken.
   */
  take(states: readonly CreditState[]): boolean {
    const byWeight = new Map<number, CreditState[]>();
    const warming: CreditState[] = [];
    let total = 0;
    for (let i = 0; i < states.length; i++) {
      const s = states[i]!;
      const w = s.fullWeight;
      if (!Number.isInteger(w) || s.slot !== i) return false;
      if (!s.warm) {
        warming.push(s);
        continue;
      }
      total += w;
      let heap = byWeight.get(w);
      if (heap === undefined) byWeight.set(w, (heap = []));
      heap.push(s);
    }
    if (!Number.isSafeInteger(total)) return false;
    if (warming.length === 0 && (total <= 0 || byWeight.size < 2)) return false;
    this.heaps = [];
    this.weights = [];
    for (const [w, heap] of byWeight) {
      for (const s of heap) s.heapWeight = w;
      heap.sort((a, b) => (before(a, b) ? -1 : 1));
      heap.forEach((s, i) => (s.heapAt = i));
      this.heaps.push(heap);
      this.weights.push(w);
    }
    this.warming = warming;
    this.settled = false;
    this.picks = 0;
    this.warmTotal = total;
    return true;
  }

  /** The next choice's slot; the same one the full pass would make. `clock` is read only while some endpoint warms up. */
  pick(clock: () => number): number {
    const t = ++this.picks;
    let total = this.warmTotal;
    let best: CreditState | undefined;
    let bestCredit = -Infinity;
    let bestHeap = -1;
    if (this.warming.length > 0) {
      const now = clock();
      const warming = this.warming;
      for (let j = warming.length - 1; j >= 0; j--) {
        const s = warming[j]!;
        const w = s.weightAt(now);
        s.credit += w;
        total += w;
        if (s.warm) {
          // Its ramp ended: from now on its weight is fixed, so it joins its weight's heap.
          warming[j] = warming[warming.length - 1]!;
          warming.pop();
          this.warmTotal += w;
          s.credit -= w * t;
          this.insert(s, w);
          if (warming.length === 0) this.settled = this.heaps.filter((heap) => heap.length > 0).length < 2;
        }
      }
      for (const s of warming) {
        if (s.credit > bestCredit || (s.credit === bestCredit && s.slot < best!.slot)) {
          best = s;
          bestCredit = s.credit;
        }
      }
    }
    for (let h = 0; h < this.heaps.length; h++) {
      const top = this.heaps[h]![0];
      if (top === undefined) continue;
      const credit = this.weights[h]! * t + top.credit;
      if (credit > bestCredit || (credit === bestCredit && top.slot < best!.slot)) {
        best = top;
        bestCredit = credit;
        bestHeap = h;
      }
    }
    best!.credit -= total;
    if (bestHeap >= 0) this.siftDown(this.heaps[bestHeap]!);
    // Offsets fall by `total` per pick spread over them while `weight × picks` grows: rebase before
    // the products leave exact integers (after ~2^50 / total picks; rare, O(n)).
    if (t * this.warmTotal > 2 ** 50) this.rebase();
    return best!.slot;
  }

  /** Gives the states back with their credits written out in full (the full pass goes on from them). */
  release(): void {
    this.rebase();
    this.warming = [];
    this.heaps = [];
    this.weights = [];
  }

  private rebase(): void {
    const t = this.picks;
    for (const heap of this.heaps) for (const s of heap) s.credit += s.heapWeight * t;
    this.picks = 0;
  }

  /** Adds `s` (its offset in `credit`) to the heap of weight `w`. */
  private insert(s: CreditState, w: number): void {
    s.heapWeight = w;
    let h = this.weights.indexOf(w);
    if (h < 0) {
      h = this.weights.length;
      this.weights.push(w);
      this.heaps.push([]);
    }
    const heap = this.heaps[h]!;
    let i = heap.length;
    heap.push(s);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(s, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      heap[i]!.heapAt = i;
      i = parent;
    }
    heap[i] = s;
    s.heapAt = i;
  }

  /** The top's credit fell: move it down to its place. */
  private siftDown(heap: CreditState[]): void {
    const n = heap.length;
    let i = 0;
    const s = heap[0]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(heap[r]!, heap[l]!) ? r : l;
      if (!before(heap[c]!, s)) break;
      heap[i] = heap[c]!;
      heap[i]!.heapAt = i;
      i = c;
    }
    heap[i] = s;
    s.heapAt = i;
  }
}
